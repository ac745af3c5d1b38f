"""Normalization layers: ``BatchNormalization``."""
from minikeras.layers.normalization.batch_normalization import BatchNormalization

__all__ = ["BatchNormalization"]
