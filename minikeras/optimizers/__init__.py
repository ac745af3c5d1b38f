"""Optimizers: turn the gradients of a training step into new weight values.

``base.py`` holds what every optimizer shares: gradient clipping, learning-rate decay, the
per-weight state ("slots") and their saving, and constraints. Each of the seven optimizers
then has a module of its own (``sgd.py`` ... ``nadam.py``): a short class whose
``_update_step`` is its update rule, written next to its formula. Here are the names users
call, and lookup by name: ``get``, ``serialize`` and ``deserialize``.

Example:
    >>> import numpy as np
    >>> from minikeras import GradientTape, Variable
    >>> w = Variable(np.array([1.0, -2.0]))
    >>> opt = SGD(learning_rate=0.1)
    >>> with GradientTape() as tape:
    ...     loss = (w * w).sum()
    >>> opt.apply_gradients([(tape.gradient(loss, w), w)])
    >>> w.numpy()
    array([ 0.8, -1.6])
"""
from minikeras.optimizers.adadelta import Adadelta
from minikeras.optimizers.adagrad import Adagrad
from minikeras.optimizers.adam import Adam
from minikeras.optimizers.adamax import Adamax
from minikeras.optimizers.base import Optimizer
from minikeras.optimizers.nadam import Nadam
from minikeras.optimizers.rmsprop import RMSprop
from minikeras.optimizers.sgd import SGD
from minikeras.utils.generic_utils import deserialize_keras_object

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam",
    "get", "serialize", "deserialize",
]


# --- lookup by name, and configs ----------------------------------------------------------------
_OPTIMIZERS = {cls.__name__.lower(): cls for cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam)}


def serialize(optimizer):
    """``{'class_name': ..., 'config': ...}`` of an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """The optimizer described by ``serialize``'s dict; class names are case-insensitive."""
    return deserialize_keras_object(
        config, _OPTIMIZERS, custom_objects, kind="optimizer", ignore_case=True)


def get(identifier):
    """An optimizer from an instance (returned as is), a name (``'adam'``) or a config dict.

    Raises:
        ValueError: if ``identifier`` is none of these, or names no known optimizer.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()  # a class given without calling it: its defaults
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
