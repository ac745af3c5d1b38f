"""minikeras: a small Keras-compatible deep-learning framework for learning.

Three floors, each readable on its own:

* the autograd core: ``Tensor``, ``Variable``, ``GradientTape`` (``tensor.py``, ``tape.py``)
  and the differentiable operations in ``ops/``;
* the kernels: Cython loops in ``_kernels/`` with plain-Python twins (``kernels.use``);
* Keras-like ``layers``, ``models`` and the training loop.
"""
from minikeras import config
from minikeras.tensor import Tensor, Variable
from minikeras.tape import GradientTape
from minikeras import _kernels, kernels, ops, backend, utils

__version__ = "0.1.0"

__all__ = ["Tensor", "Variable", "GradientTape", "backend", "config", "kernels", "ops", "utils"]
