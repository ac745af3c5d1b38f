"""Keras 2's module path for ``plot_model``: ``from minikeras.utils.vis_utils import plot_model``.

The drawing itself lives in ``minikeras/utils/plot_model.py``.
"""
from minikeras.utils.plot_model import plot_model

__all__ = ["plot_model"]
