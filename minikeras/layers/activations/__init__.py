"""Advanced activation layers: activations with settings (or weights) of their own.

``LeakyReLU``, ``PReLU`` (a learned slope), ``ELU``, ``ThresholdedReLU``, ``Softmax`` and
``ReLU``, one per module, as in Keras 2's ``advanced_activations``.
"""
from minikeras.layers.activations.elu import ELU
from minikeras.layers.activations.leaky_relu import LeakyReLU
from minikeras.layers.activations.prelu import PReLU
from minikeras.layers.activations.relu import ReLU
from minikeras.layers.activations.softmax import Softmax
from minikeras.layers.activations.thresholded_relu import ThresholdedReLU

__all__ = ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"]
