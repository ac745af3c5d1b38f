"""Picking and ordering values, as Keras 3's ``keras.ops``: ``take``, ``split``, ``top_k``,
``argsort``, ``cumsum``.

``take`` and ``top_k``'s values pass gradients back to the places they were read from
(``np.add.at``: a place read twice gets both gradients); ``cumsum``'s gradient is the
reversed cumulative sum of the upstream gradient; ``split`` is slicing (``ops.getitem``).
``argsort`` and ``top_k``'s indices are integers, not differentiable.

Example:
    >>> values, indices = top_k([[1.0, 5.0, 3.0]], k=2)
    >>> values.numpy(), indices.numpy()
    (array([[5., 3.]], dtype=float32), array([[1, 2]]))
    >>> cumsum([1.0, 2.0, 3.0]).numpy()
    array([1., 3., 6.], dtype=float32)
"""
import numpy as np

from minikeras.dispatch import symbolic_aware
from minikeras.ops.base import Op
from minikeras.ops.shape import getitem, reshape
from minikeras.tensor import Tensor

__all__ = ["take", "take_along_axis", "split", "top_k", "argsort", "cumsum"]


def _array(x):
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def _axis(name, axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for a tensor of rank {ndim}.")
    return axis % ndim


class Take(Op):
    """``y = take(x, indices, axis)``; ``dx[.., indices[j], ..] += dy[.., j, ..]``."""

    def forward(self, x):
        return np.take(x, self.indices, axis=self.axis)

    def backward(self, grad):
        (x,) = self.inputs
        dx = np.zeros(x.shape, dtype=grad.dtype)
        moved = np.moveaxis(dx, self.axis, 0)  # a view: adding into it adds into dx
        g = np.moveaxis(grad.numpy(), list(range(self.axis, self.axis + self.indices.ndim)),
                        list(range(self.indices.ndim)))
        np.add.at(moved, self.indices, g)
        return Tensor(dx)


class TakeAlongAxis(Op):
    """``y = take_along_axis(x, indices, axis)``; each read place gets its gradient back."""

    def forward(self, x):
        return np.take_along_axis(x, self.indices, axis=self.axis)

    def backward(self, grad):
        (x,) = self.inputs
        dx = np.zeros(x.shape, dtype=grad.dtype)
        index = list(np.indices(self.indices.shape, sparse=True))
        index[self.axis] = self.indices
        np.add.at(dx, tuple(index), grad.numpy())
        return Tensor(dx)


class CumSum(Op):
    """``y[i] = x[0] + ... + x[i]`` along ``axis``; ``dx[i] = dy[i] + ... + dy[n-1]``."""

    def forward(self, x):
        return np.cumsum(x, axis=self.axis)

    def backward(self, grad):
        flipped = np.flip(grad.numpy(), axis=self.axis)
        return Tensor(np.flip(np.cumsum(flipped, axis=self.axis), axis=self.axis))


@symbolic_aware
def take(x, indices, axis=None):
    """The entries of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None).

    Negative indices count from the end, as NumPy.

    Raises:
        ValueError: for an index outside the axis.
    """
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    indices = np.asarray(_array(indices)).astype(np.int64)
    axis = _axis("take", axis, len(np.shape(_array(x))))
    size = np.shape(_array(x))[axis]
    if indices.size and (indices.max() >= size or indices.min() < -size):
        raise ValueError(f"take: indices must be in [-{size}, {size}) for an axis of length {size}; "
                         f"received values from {indices.min()} to {indices.max()}.")
    return Take.apply(x, indices=indices % max(size, 1), axis=axis)


@symbolic_aware
def take_along_axis(x, indices, axis=None):
    """``np.take_along_axis``: ``indices`` has ``x``'s rank and picks along ``axis``."""
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return TakeAlongAxis.apply(x, indices=np.asarray(_array(indices)).astype(np.int64), axis=axis)


@symbolic_aware
def cumsum(x, axis=None, dtype=None):
    """The cumulative sum along ``axis`` (of the flattened ``x`` when None)."""
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    out = CumSum.apply(x, axis=axis)
    if dtype is not None:
        from minikeras.ops.elementwise import cast

        out = cast(out, dtype)
    return out


def split(x, indices_or_sections, axis=0):
    """``x`` cut along ``axis`` into equal sections, or at the given indices; a list of Tensors.

    Raises:
        ValueError: when ``sections`` does not divide the axis.
    """
    length = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections < 1 or length % sections:
            raise ValueError(f"split: an axis of length {length} cannot be cut into {indices_or_sections} "
                             "equal sections.")
        cuts = list(range(0, length + 1, length // sections))
    else:
        cuts = [0] + [int(i) for i in indices_or_sections] + [length]
    ndim = len(x.shape)
    axis = axis % ndim
    pieces = []
    for start, stop in zip(cuts[:-1], cuts[1:]):
        index = (slice(None),) * axis + (slice(start, stop),)
        pieces.append(getitem(x, index))
    return pieces


@symbolic_aware
def argsort(x, axis=-1):
    """The indices that sort ``x`` along ``axis`` (a stable sort; an integer Tensor)."""
    return Tensor(np.argsort(_array(x), axis=axis, kind="stable"))


def top_k(x, k, sorted=True):
    """The ``k`` largest values of the last axis and their indices: ``(values, indices)``.

    The values are differentiable (each passes its gradient to the place it came from); ties
    go to the lower index, as TensorFlow and JAX.

    Raises:
        ValueError: if ``k`` is larger than the last axis.
    """
    if getattr(x, "_is_symbolic", False):
        raise TypeError("top_k: received a symbolic tensor; call it on values, e.g. inside a layer's call() "
                        "or a Lambda layer.")
    values = _array(x)
    if not 1 <= k <= values.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {values.shape[-1]}] for a last axis of that length; "
                         f"received k={k}.")
    indices = np.argsort(-values, axis=-1, kind="stable")[..., :k]
    if not sorted:
        indices = np.sort(indices, axis=-1)
    return take_along_axis(x, indices, axis=-1), Tensor(indices)
