"""Operations that move values around without changing them: reshape, transpose, slicing...

Their backward rules move the gradient back the same way: a reshape is undone by a
reshape, a transpose by the inverse permutation, a slice by scattering into zeros.
"""
import numpy as np

from minikeras.ops.base import Op
from minikeras.tensor import Tensor, as_tensor

__all__ = [
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack",
    "getitem", "broadcast_to", "sum_to_shape", "tile", "repeat", "flatten",
]


class Reshape(Op):
    """z = x with a new shape (same elements in the same C order)."""

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, grad):
        return reshape(grad, self.inputs[0].shape)


class Transpose(Op):
    """z = x with its axes permuted: ``z.shape[i] = x.shape[perm[i]]``."""

    def forward(self, x):
        return np.transpose(x, self.perm)

    def backward(self, grad):
        return transpose(grad, tuple(np.argsort(self.perm)))


class GetItem(Op):
    """z = x[index] for any NumPy index (slices, integers, integer or boolean arrays)."""

    def forward(self, x):
        return x[self.index]

    def backward(self, grad):
        return ScatterAdd.apply(grad, index=self.index, shape=self.inputs[0].shape)


class ScatterAdd(Op):
    """z = zeros(shape) with ``z[index] += x``: repeated indices add up (the adjoint of GetItem)."""

    def forward(self, x):
        out = np.zeros(self.shape, dtype=x.dtype)
        if _is_basic_index(self.index):
            out[self.index] = x  # a basic index never repeats an element
        else:
            np.add.at(out, self.index, x)
        return out

    def backward(self, grad):
        return getitem(grad, self.index)


class Concatenate(Op):
    """z = the inputs joined along ``axis``; the gradient is split back along it."""

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, grad):
        grads, start = [], 0
        for x, needed in zip(self.inputs, self.needs_input_grad):
            stop = start + x.shape[self.axis]
            if needed:
                index = [slice(None)] * grad.ndim
                index[self.axis] = slice(start, stop)
                grads.append(getitem(grad, tuple(index)))
            else:
                grads.append(None)
            start = stop
        return tuple(grads)


class Stack(Op):
    """z = the inputs stacked along a new ``axis``; input i gets ``grad[..., i, ...]``."""

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, grad):
        grads = []
        for i, needed in enumerate(self.needs_input_grad):
            index = [slice(None)] * grad.ndim
            index[self.axis] = i
            grads.append(getitem(grad, tuple(index)) if needed else None)
        return tuple(grads)


class BroadcastTo(Op):
    """z = x repeated to ``shape`` by NumPy broadcasting; the gradient is summed back."""

    def forward(self, x):
        return np.broadcast_to(x, self.shape).copy()

    def backward(self, grad):
        return sum_to_shape(grad, self.inputs[0].shape)


class SumToShape(Op):
    """z = x summed over the axes that broadcasting added or stretched, to get ``shape``."""

    def forward(self, x):
        leading = x.ndim - len(self.shape)
        axes = tuple(range(leading)) + tuple(
            leading + i for i, n in enumerate(self.shape) if n == 1 and x.shape[leading + i] != 1
        )
        return x.sum(axis=axes, keepdims=True).reshape(self.shape)

    def backward(self, grad):
        return broadcast_to(grad, self.inputs[0].shape)


class Tile(Op):
    """z = x repeated ``reps[i]`` times along each axis i (``np.tile``)."""

    def forward(self, x):
        return np.tile(x, self.reps)

    def backward(self, grad):
        # View the gradient as (r0, n0, r1, n1, ...) and add the r-copies together.
        shape = self.inputs[0].shape
        split = [n for pair in zip(self.reps, shape) for n in pair]
        summed = _sum_axes(reshape(grad, split), tuple(range(0, 2 * len(shape), 2)))
        return reshape(summed, shape)


class Repeat(Op):
    """z = each element of x repeated ``repeats`` times along ``axis`` (``np.repeat``)."""

    def forward(self, x):
        return np.repeat(x, self.repeats, axis=self.axis)

    def backward(self, grad):
        shape = self.inputs[0].shape
        split = shape[: self.axis + 1] + (self.repeats,) + shape[self.axis + 1:]
        return reshape(_sum_axes(reshape(grad, split), (self.axis + 1,)), shape)


def _sum_axes(x, axes):
    from minikeras.ops.reduce import sum as reduce_sum

    return reduce_sum(x, axis=axes)


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (slice, int, np.integer)) or i is None or i is Ellipsis for i in items
    ) and not any(isinstance(i, bool) for i in items)


def _normalize_axis(axis, ndim, name):
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for a tensor of rank {ndim}.")
    return axis % ndim


def reshape(x, shape):
    """``x`` with a new shape; one entry may be -1 (inferred)."""
    x = as_tensor(x)
    shape = tuple(int(n) for n in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    resolved = _resolve_shape(x.shape, shape)
    if resolved == x.shape:
        return x
    return Reshape.apply(x, shape=resolved)


def _resolve_shape(old, new):
    """``new`` with its single -1 replaced by what makes the element counts agree."""
    size = int(np.prod(old, dtype=np.int64))
    unknown = [i for i, n in enumerate(new) if n == -1]
    known = int(np.prod([n for n in new if n != -1], dtype=np.int64))
    problem = len(unknown) > 1 or any(n < -1 for n in new)
    if not problem and unknown:
        problem = known == 0 or size % known != 0
        new = tuple(size // known if n == -1 else n for n in new) if not problem else new
    if problem or int(np.prod(new, dtype=np.int64)) != size:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {old} ({size} elements) into {new}."
        )
    return tuple(new)


def transpose(x, perm=None):
    """Permute the axes; without ``perm`` reverse them (a matrix transpose for 2-D)."""
    x = as_tensor(x)
    perm = tuple(reversed(range(x.ndim))) if perm is None else tuple(int(p) for p in perm)
    if sorted(p % max(x.ndim, 1) for p in perm) != list(range(x.ndim)) or len(perm) != x.ndim:
        raise ValueError(f"transpose: {perm} is not a permutation of the {x.ndim} axes of shape {x.shape}.")
    perm = tuple(p % x.ndim for p in perm)
    return Transpose.apply(x, perm=perm)


def expand_dims(x, axis=-1):
    """Insert an axis of length 1 at ``axis`` (negative counts from the end of the result)."""
    x = as_tensor(x)
    axis = _normalize_axis(axis, x.ndim + 1, "expand_dims")
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x, axis=None):
    """Remove axes of length 1: ``axis`` (int or tuple), or all of them."""
    x = as_tensor(x)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = tuple(_normalize_axis(a, x.ndim, "squeeze") for a in np.atleast_1d(axis))
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1.")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def concatenate(tensors, axis=-1):
    """Join tensors along an existing axis (all other axes must match)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor.")
    ndim = tensors[0].ndim
    axis = _normalize_axis(axis, ndim, "concatenate")
    for t in tensors:
        if t.ndim != ndim or t.shape[:axis] + t.shape[axis + 1:] != tensors[0].shape[:axis] + tensors[0].shape[axis + 1:]:
            raise ValueError(
                f"concatenate: all shapes must match except along axis {axis}; "
                f"got {[tuple(u.shape) for u in tensors]}."
            )
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Stack tensors of one shape along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor.")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ValueError(f"stack: all shapes must be equal; got {[tuple(t.shape) for t in tensors]}.")
    axis = _normalize_axis(axis, tensors[0].ndim + 1, "stack")
    return Stack.apply(*tensors, axis=axis)


def getitem(x, index):
    """``x[index]`` with NumPy's indexing rules, differentiable."""
    if isinstance(index, Tensor):
        index = index.numpy()
    elif isinstance(index, tuple):
        index = tuple(i.numpy() if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = np.asarray(index)
    return GetItem.apply(x, index=index)


def broadcast_to(x, shape):
    """Repeat ``x`` to ``shape`` by broadcasting."""
    x = as_tensor(x)
    shape = tuple(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}.") from None
    if x.shape == shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def sum_to_shape(x, shape):
    """Sum ``x`` over broadcast axes so that it has ``shape`` (the adjoint of broadcast_to)."""
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumToShape.apply(x, shape=shape)


def tile(x, reps):
    """Repeat the whole tensor ``reps[i]`` times along axis i."""
    x = as_tensor(x)
    reps = tuple(int(r) for r in np.atleast_1d(reps))
    if len(reps) != x.ndim or any(r < 1 for r in reps):
        raise ValueError(f"tile: expected {x.ndim} positive repetitions for shape {x.shape}, got {reps}.")
    return Tile.apply(x, reps=reps)


def repeat(x, repeats, axis):
    """Repeat each element ``repeats`` times along ``axis`` (an int number of repeats)."""
    x = as_tensor(x)
    if int(repeats) < 1:
        raise ValueError(f"repeat: repeats must be a positive int, got {repeats}.")
    return Repeat.apply(x, repeats=int(repeats), axis=_normalize_axis(axis, x.ndim, "repeat"))


def flatten(x):
    """Flatten every axis after the first: ``(N, ...) -> (N, prod(...))``."""
    x = as_tensor(x)
    return reshape(x, (x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64))))
