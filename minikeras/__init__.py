"""minikeras: a small Keras-compatible deep-learning framework for learning."""
from minikeras import config
from minikeras.tensor import Tensor, Variable
from minikeras.tape import GradientTape
from minikeras import _kernels, kernels
