"""Keras 3's argument names for ops that minikeras already had under Keras 2's names.

``reshape(x, newshape)``, ``transpose(x, axes)`` and ``clip(x, x_min, x_max)`` are Keras 3's
spellings of ``reshape(x, shape)``, ``transpose(x, perm)`` and ``clip(x, min_value,
max_value)``; both spellings work, positionally or by keyword.

Example:
    >>> import numpy as np
    >>> clip(np.array([-2.0, 0.5, 2.0]), x_min=-1.0, x_max=1.0).numpy()
    array([-1. ,  0.5,  1. ])
"""
from minikeras.dispatch import symbolic_aware
from minikeras.ops import elementwise, shape as shape_ops

__all__ = ["reshape", "transpose", "clip"]


def _one_of(function, first, second, names):
    if first is not None and second is not None:
        raise TypeError(f"{function}: received both {names[0]} and {names[1]}; they are the same argument.")
    return first if first is not None else second


@symbolic_aware
def reshape(x, newshape=None, shape=None):
    """``x`` with a new shape (one entry may be -1)."""
    return shape_ops.reshape(x, _one_of("reshape", newshape, shape, ("newshape", "shape")))


@symbolic_aware
def transpose(x, axes=None, perm=None):
    """``x`` with its axes permuted (reversed when None)."""
    return shape_ops.transpose(x, _one_of("transpose", axes, perm, ("axes", "perm")))


def clip(x, x_min=None, x_max=None, min_value=None, max_value=None):
    """``x`` limited to ``[x_min, x_max]`` (differentiable inside the interval)."""
    return elementwise.clip(x, _one_of("clip", x_min, min_value, ("x_min", "min_value")),
                            _one_of("clip", x_max, max_value, ("x_max", "max_value")))
