"""Data preprocessing, at Keras 2's module paths: ``minikeras.preprocessing.image`` and
``minikeras.preprocessing.sequence``."""
from minikeras.preprocessing import image, sequence

__all__ = ["image", "sequence"]
