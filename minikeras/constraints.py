"""Weight constraints: projections applied to a weight after every optimizer step.

A constraint is called on a weight (a Tensor) and returns the constrained value; the
optimizer then does ``w.assign(w.constraint(w))``. The formulas are Keras 2's, with the
norm taken along ``axis`` (for a Dense kernel ``(in, out)``, ``axis=0`` is the norm of
the weights arriving at each unit; for a Conv2D kernel ``(kh, kw, in, out)`` use
``axis=[0, 1, 2]``) and ``K.epsilon()`` keeping the division finite::

    MaxNorm:     w * clip(norm, 0, max_value) / (epsilon + norm)
    NonNeg:      w * (w >= 0)
    UnitNorm:    w / (epsilon + norm)
    MinMaxNorm:  w * (rate * clip(norm, min_value, max_value) + (1 - rate) * norm)
                   / (epsilon + norm)
"""
import numpy as np

from minikeras import config, ops
from minikeras.tensor import as_tensor
from minikeras.utils.generic_utils import (
    get_keras_object, instantiate_keras_object, serialize_keras_object,
)

__all__ = [
    "Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm",
    "max_norm", "non_neg", "unit_norm", "min_max_norm", "get", "serialize", "deserialize",
]


class Constraint:
    """The base class: ``__call__(w)`` returns ``w`` unchanged."""

    def __call__(self, w):
        return as_tensor(w)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config_dict):
        return cls(**config_dict)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale the weights whose norm along ``axis`` exceeds ``max_value``.

    Args:
        max_value: the largest norm allowed (Keras 2 default 2).
        axis: the axis (int, or list of ints) along which the norm is taken (default 0).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _number(max_value, "max_value", self)
        self.axis = _axis(axis, self)

    def __call__(self, w):
        w = as_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set the negative weights to zero."""

    def __call__(self, w):
        w = as_tensor(w)
        return w * (w.numpy() >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Divide the weights by their norm along ``axis`` (default 0)."""

    def __init__(self, axis=0):
        self.axis = _axis(axis, self)

    def __call__(self, w):
        w = as_tensor(w)
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep the norm along ``axis`` between ``min_value`` and ``max_value``.

    Args:
        min_value: the smallest norm allowed (default 0).
        max_value: the largest norm allowed (default 1).
        rate: how far to move towards the allowed range at each step: 1 (default) goes
            all the way; a smaller rate moves to ``rate * clipped + (1 - rate) * norm``.
        axis: the axis (int, or list of ints) along which the norm is taken (default 0).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _number(min_value, "min_value", self)
        self.max_value = _number(max_value, "max_value", self)
        if self.min_value > self.max_value:
            raise ValueError(
                f"MinMaxNorm: min_value ({min_value}) must not be larger than max_value ({max_value})."
            )
        self.rate = _number(rate, "rate", self)
        self.axis = _axis(axis, self)

    def __call__(self, w):
        w = as_tensor(w)
        norms = _norms(w, self.axis)
        desired = self.rate * ops.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


def _norms(w, axis):
    """The Euclidean norms along ``axis``, kept as axes of length 1 to broadcast against w."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


def _number(value, name, constraint):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{type(constraint).__name__}: `{name}` must be a number, received {value!r}.")
    if value < 0:
        raise ValueError(f"{type(constraint).__name__}: `{name}` must be non-negative, received {value!r}.")
    return float(value)


def _axis(axis, constraint):
    """An int, or a list of ints (a list rather than a tuple: it is what JSON gives back)."""
    def is_int(a):
        return isinstance(a, (int, np.integer)) and not isinstance(a, bool)

    if is_int(axis):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(is_int(a) for a in axis):
        return [int(a) for a in axis]
    raise ValueError(
        f"{type(constraint).__name__}: `axis` must be an int or a list of ints, received {axis!r}."
    )


# --- lookup by name ------------------------------------------------------------------------------
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_BY_NAME = {
    "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm,
    "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
    # Keras 1 spellings that Keras 2 still accepts.
    "maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm,
}


def serialize(constraint):
    """``{"class_name": ..., "config": {...}}``, None for None, a function's name otherwise."""
    if constraint is None:
        return None
    return serialize_keras_object(constraint, Constraint, "constraint")


def deserialize(config_dict, custom_objects=None):
    """A constraint from a name (``"max_norm"``) or a ``{"class_name", "config"}`` dict."""
    return instantiate_keras_object(
        config_dict, _BY_NAME, custom_objects, kind="constraint",
        expected="max_norm, non_neg, unit_norm, min_max_norm (or their class names)",
    )


def get(identifier):
    """Turn ``identifier`` (None, a name, a serialized dict or a callable) into a constraint.

    Raises:
        ValueError: for an unknown name or an object that is not callable.

    Example:
        >>> get("max_norm")
        MaxNorm(max_value=2.0, axis=0)
    """
    if identifier is None:
        return None
    return get_keras_object(identifier, Constraint, deserialize, "constraint",
                            expected="a name, a serialized dict, a callable or None")
