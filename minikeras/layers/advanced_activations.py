"""Keras 2's module path ``keras.layers.advanced_activations``: the activation layers live in
``layers/activations/``."""
from minikeras.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]
