"""Reductions: sum, mean, max, min, logsumexp, variance, over some axes or all of them.

The backward of a reduction spreads the gradient back over the reduced axes: ``sum``
copies it to every element, ``mean`` divides it by the count, ``max``/``min`` send it to
the elements that won (split equally between ties, as TensorFlow does).
"""
import builtins

import numpy as np

from minikeras.ops.base import Op
from minikeras.ops.elementwise import exp, log, square, sqrt
from minikeras.ops.shape import broadcast_to, reshape
from minikeras.tensor import Tensor, as_tensor

__all__ = ["sum", "mean", "max", "min", "prod", "logsumexp", "var", "std", "argmax", "argmin"]


def _kept_shape(shape, axes):
    """The shape of the result with ``keepdims=True``."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Op):
    """z = sum of x over ``axes``;  dz/dx = 1 everywhere."""

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        shape = self.inputs[0].shape
        return broadcast_to(reshape(grad, _kept_shape(shape, self.axes)), shape)


class Mean(Op):
    """z = mean of x over ``axes``;  dz/dx = 1 / (number of reduced elements)."""

    def forward(self, x):
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        shape = self.inputs[0].shape
        count = int(np.prod([shape[a] for a in self.axes], dtype=np.int64))
        return broadcast_to(reshape(grad, _kept_shape(shape, self.axes)), shape) / count


class Extremum(Op):
    """z = max (or min) of x over ``axes``; ties share the gradient equally."""

    def forward(self, x):
        reduce = np.max if self.largest else np.min
        kept = reduce(x, axis=self.axes, keepdims=True)
        winners = (x == kept).astype(x.dtype)
        self.share = winners / winners.sum(axis=self.axes, keepdims=True)
        return kept if self.keepdims else kept.reshape([n for i, n in enumerate(kept.shape) if i not in self.axes])

    def backward(self, grad):
        shape = self.inputs[0].shape
        return broadcast_to(reshape(grad, _kept_shape(shape, self.axes)), shape) * self.share


class Prod(Op):
    """z = product of x over ``axes``;  dz/dx_i = product of the others (computed without dividing)."""

    def forward(self, x):
        return x.prod(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        (x,) = self.inputs
        values = x.numpy()
        moved = np.moveaxis(values, self.axes, tuple(range(-len(self.axes), 0)))
        flat = moved.reshape(moved.shape[: moved.ndim - len(self.axes)] + (-1,))
        # Product of everything before and everything after each element: no division by 0.
        before = np.cumprod(np.concatenate([np.ones_like(flat[..., :1]), flat[..., :-1]], -1), -1)
        after = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], np.ones_like(flat[..., :1])], -1), -1), -1), -1)
        others = np.moveaxis((before * after).reshape(moved.shape), tuple(range(-len(self.axes), 0)), self.axes)
        return broadcast_to(reshape(grad, _kept_shape(x.shape, self.axes)), x.shape) * others


def _axes(x, axis, name):
    if axis is None:
        return tuple(range(x.ndim))
    axes = tuple(int(a) for a in np.atleast_1d(axis))
    for a in axes:
        if not -x.ndim <= a < builtins.max(x.ndim, 1):
            raise ValueError(f"{name}: axis {a} is out of range for a tensor of shape {x.shape}.")
    axes = tuple(sorted({a % builtins.max(x.ndim, 1) for a in axes}))
    return axes


def sum(x, axis=None, keepdims=False):  # noqa: A001 - the name users expect
    """Sum over ``axis`` (an int, a tuple, or None for all axes)."""
    x = as_tensor(x)
    return Sum.apply(x, axes=_axes(x, axis, "sum"), keepdims=bool(keepdims))


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (an int, a tuple, or None for all axes)."""
    x = as_tensor(x)
    return Mean.apply(x, axes=_axes(x, axis, "mean"), keepdims=bool(keepdims))


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``; the gradient is shared equally between tied maxima."""
    x = as_tensor(x)
    _check_not_empty(x, "max")
    return Extremum.apply(x, axes=_axes(x, axis, "max"), keepdims=bool(keepdims), largest=True)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``; the gradient is shared equally between tied minima."""
    x = as_tensor(x)
    _check_not_empty(x, "min")
    return Extremum.apply(x, axes=_axes(x, axis, "min"), keepdims=bool(keepdims), largest=False)


def prod(x, axis=None, keepdims=False):
    """Product over ``axis``."""
    x = as_tensor(x)
    return Prod.apply(x, axes=_axes(x, axis, "prod"), keepdims=bool(keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` computed without overflow: the maximum is taken out first."""
    x = as_tensor(x)
    shift = Tensor(np.max(x.numpy(), axis=_axes(x, axis, "logsumexp"), keepdims=True))
    shift = Tensor(np.where(np.isfinite(shift.numpy()), shift.numpy(), 0).astype(shift.dtype))
    result = log(sum(exp(x - shift), axis=axis, keepdims=True)) + shift
    return result if keepdims else reshape(result, [n for i, n in enumerate(result.shape) if i not in _axes(x, axis, "logsumexp")])


def var(x, axis=None, keepdims=False):
    """Population variance: ``mean((x - mean(x))**2)``."""
    x = as_tensor(x)
    centred = x - mean(x, axis=axis, keepdims=True)
    return mean(square(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation ``sqrt(var(x))``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def argmax(x, axis=-1):
    """Index of the maximum along ``axis`` (not differentiable: an integer Tensor)."""
    return Tensor(np.argmax(as_tensor(x).numpy(), axis=axis))


def argmin(x, axis=-1):
    """Index of the minimum along ``axis`` (not differentiable: an integer Tensor)."""
    return Tensor(np.argmin(as_tensor(x).numpy(), axis=axis))


def _check_not_empty(x, name):
    if x.size == 0:
        raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}.")
