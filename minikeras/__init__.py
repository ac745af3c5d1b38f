"""minikeras: a small Keras-compatible deep-learning framework for learning.

Three floors, each readable on its own:

* the autograd core: ``Tensor``, ``Variable``, ``GradientTape`` (``tensor.py``, ``tape.py``)
  and the differentiable operations in ``ops/``;
* the kernels: Cython loops in ``_kernels/`` with plain-Python twins (``kernels.use``);
* Keras-like ``layers``, ``models`` and the training loop;
* ``inspect``: the teaching tools that show the tape, the shapes, the kernels and the time.
"""
from minikeras import config, random
from minikeras.tensor import Tensor, Variable
from minikeras.tape import GradientTape
from minikeras import _kernels, kernels, ops, backend, utils
from minikeras import activations, constraints, initializers, regularizers
from minikeras import layers, losses, metrics, optimizers, callbacks, models, datasets
from minikeras import inspect, preprocessing
from minikeras.layers import Input, Layer
from minikeras.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "Tensor", "Variable", "GradientTape", "Input", "Layer", "Model", "Sequential",
    "activations", "backend", "callbacks", "config", "constraints", "datasets", "initializers",
    "inspect", "kernels", "layers", "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random",
    "regularizers", "utils",
]
