"""Data preprocessing, at Keras 2's module paths: ``minikeras.preprocessing.image``."""
from minikeras.preprocessing import image

__all__ = ["image"]
