"""Weight regularizers: penalties on the size of weights, added to the training loss.

A regularizer is called on a weight (a Tensor) and returns a scalar Tensor built with
``minikeras.ops``, so the tape differentiates it like the rest of the loss::

    L1L2(l1, l2)(w) = l1 * sum(|w|) + l2 * sum(w ** 2)

Layers take one per weight (``kernel_regularizer=l2(0.01)``) and one on their output
(``activity_regularizer``); ``layer.losses`` holds the penalties of the last call and the
model adds them to the loss. Keras 2 defaults: ``l1()``, ``l2()`` and ``l1_l2()`` use
0.01; the class ``L1L2()`` defaults to 0 for both.
"""
import numpy as np

from minikeras import ops
from minikeras.tensor import Tensor, as_tensor
from minikeras.utils.generic_utils import (
    get_keras_object, instantiate_keras_object, serialize_keras_object,
)

__all__ = ["Regularizer", "L1L2", "L1", "L2", "l1", "l2", "l1_l2", "get", "serialize", "deserialize"]


class Regularizer:
    """The base class: ``__call__(weight) -> scalar Tensor``."""

    def __call__(self, x):
        return Tensor(np.zeros((), dtype=as_tensor(x).dtype))

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config_dict):
        return cls(**config_dict)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    Args:
        l1: the L1 factor (a non-negative float).
        l2: the L2 factor (a non-negative float).

    Example:
        >>> float(L1L2(l1=0.5, l2=0.1)([1.0, -2.0]))
        2.0
    """

    def __init__(self, l1=0.0, l2=0.0):  # noqa: E741 - Keras' argument names
        self.l1 = _factor(l1, "l1")
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        x = as_tensor(x)
        penalty = Tensor(np.zeros((), dtype=x.dtype))
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self):
        return f"L1L2(l1={self.l1}, l2={self.l2})"


class L1(L1L2):
    """``l1 * sum(|x|)`` alone: the class that tf.keras 2.3+ and Keras 3 name ``L1``.

    Example:
        >>> float(L1(0.5)([1.0, -2.0]))
        1.5
    """

    def __init__(self, l1=0.01):  # noqa: E741
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}

    def __repr__(self):
        return f"L1(l1={self.l1})"


class L2(L1L2):
    """``l2 * sum(x ** 2)`` alone: the class that tf.keras 2.3+ and Keras 3 name ``L2``."""

    def __init__(self, l2=0.01):  # noqa: E741
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}

    def __repr__(self):
        return f"L2(l2={self.l2})"


def l1(l=0.01):  # noqa: E741 - Keras' argument name
    """An L1 penalty ``l * sum(|x|)``."""
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741
    """An L2 penalty ``l * sum(x ** 2)``."""
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: E741 - the arguments shadow the functions, as in Keras
    """Both penalties: ``l1 * sum(|x|) + l2 * sum(x ** 2)``."""
    return L1L2(l1=l1, l2=l2)


def _factor(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"L1L2: `{name}` must be a number, received {value!r}.")
    if not value >= 0:
        raise ValueError(f"L1L2: `{name}` must be non-negative, received {value!r}.")
    return float(value)


# A name builds the regularizer with Keras 2's default factors.
_BY_NAME = {"l1": l1, "l2": l2, "l1_l2": l1_l2, "L1L2": L1L2, "L1": L1, "L2": L2}


def serialize(regularizer):
    """``{"class_name": "L1L2", "config": {...}}``, None for None, a function's name otherwise."""
    if regularizer is None:
        return None
    return serialize_keras_object(regularizer, Regularizer, "regularizer")


def deserialize(config_dict, custom_objects=None):
    """A regularizer from a name (``"l2"``) or a ``{"class_name", "config"}`` dict."""
    return instantiate_keras_object(config_dict, _BY_NAME, custom_objects, kind="regularizer",
                                    expected=", ".join(_BY_NAME))


def get(identifier):
    """Turn ``identifier`` (None, a name, a serialized dict or a callable) into a regularizer.

    Raises:
        ValueError: for an unknown name or an object that is not callable.

    Example:
        >>> get("l2")
        L1L2(l1=0.0, l2=0.01)
    """
    if identifier is None:
        return None
    return get_keras_object(identifier, Regularizer, deserialize, "regularizer",
                            expected="a name, a serialized dict, a callable or None")
