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
    if isinstance(constraint, Constraint):
        return {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    name = getattr(constraint, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize the constraint {constraint!r}.")
    return name


def deserialize(config_dict, custom_objects=None):
    """A constraint from a name (``"max_norm"``) or a ``{"class_name", "config"}`` dict."""
    if isinstance(config_dict, str):
        class_name, arguments = config_dict, {}
    elif isinstance(config_dict, dict) and "class_name" in config_dict:
        class_name, arguments = config_dict["class_name"], config_dict.get("config") or {}
    else:
        raise ValueError(
            f"Cannot deserialize the constraint {config_dict!r}: expected a name or a dict "
            "with 'class_name' and 'config'."
        )
    if custom_objects and class_name in custom_objects:
        found = custom_objects[class_name]
        return found.from_config(arguments) if isinstance(found, type) else found
    if class_name not in _BY_NAME:
        raise ValueError(
            f"Unknown constraint: {class_name!r}. Expected one of "
            "max_norm, non_neg, unit_norm, min_max_norm (or their class names)."
        )
    return _BY_NAME[class_name].from_config(arguments)


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
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()  # a class given without calling it: its defaults
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret constraint identifier: {identifier!r} (expected a name, a "
        "serialized dict, a callable or None)."
    )
