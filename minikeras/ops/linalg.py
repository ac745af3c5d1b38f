"""Matrix products: ``matmul`` (NumPy's ``@``, batched), Keras' ``dot`` and ``batch_dot``.

For ``z = a @ b`` on matrices the chain rule gives ``da = g @ b.T`` and ``db = a.T @ g``;
batched products do the same on the last two axes and sum over broadcast batch axes.

A product of two matrices of one float type (a Dense layer's, forward and backward) runs
in the compiled ``matmul_2d`` on minikeras' own threads, so that OpenBLAS' thread pool,
whose idle workers spin, never competes with the compiled kernels for the cores (see
``minikeras/_kernels/linalg.pyx``); everything else is NumPy's ``matmul``.
"""
import numpy as np

from minikeras._kernels import kernel as _kernel
from minikeras._kernels.blas import gemm_addresses
from minikeras.ops.base import Op
from minikeras.ops.shape import expand_dims, reshape, squeeze, transpose
from minikeras.tensor import as_tensor

__all__ = ["matmul", "dot", "batch_dot", "tensordot"]


def _swap_last(x):
    perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return transpose(x, perm)


def _stored_rows(matrix):
    """(array, transposed): ``matrix`` as a C-contiguous array, or as the transpose of one
    (``matrix.T`` of a C-contiguous array is read as it is, with the flag set)."""
    if matrix.flags.c_contiguous:
        return matrix, False
    if matrix.T.flags.c_contiguous:
        return matrix.T, True
    return np.ascontiguousarray(matrix), False


def product(a, b):
    """a (M, K) @ b (K, N) -> (M, N), for NumPy arrays: by ``matmul_2d`` on minikeras'
    threads when both are matrices of the same native float32 or float64 type and BLAS
    was found, else by NumPy's ``matmul``."""
    if (a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype or a.dtype not in (np.float32, np.float64)
            or 0 in a.shape or 0 in b.shape):
        return np.matmul(a, b)
    blas = gemm_addresses()
    if not blas[0]:
        return np.matmul(a, b)
    (a, trans_a), (b, trans_b) = _stored_rows(a), _stored_rows(b)
    out = np.empty((a.shape[1] if trans_a else a.shape[0], b.shape[0] if trans_b else b.shape[1]), a.dtype)
    _kernel("matmul_2d")(a, b, out, trans_a, trans_b, *blas)
    return out


class MatMul(Op):
    """z = a @ b for inputs of rank >= 2 (leading axes broadcast as batch axes)."""

    def forward(self, a, b):
        return product(a, b)

    def backward(self, grad):
        a, b = self.inputs
        return (
            matmul(grad, _swap_last(b)) if self.needs_input_grad[0] else None,
            matmul(_swap_last(a), grad) if self.needs_input_grad[1] else None,
        )


def matmul(a, b):
    """``a @ b`` with NumPy's rules: 1-D operands are promoted to matrices, then squeezed."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {a.shape} and {b.shape}.")
    a2 = expand_dims(a, 0) if a.ndim == 1 else a
    b2 = expand_dims(b, -1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(
            f"matmul: inner dimensions differ: shapes {a.shape} and {b.shape} "
            f"({a2.shape[-1]} != {b2.shape[-2]})."
        )
    try:
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} do not broadcast.") from None
    out = MatMul.apply(a2, b2)
    if a.ndim == 1:
        out = squeeze(out, -2)
    if b.ndim == 1:
        out = squeeze(out, -1)
    return out


def tensordot(x, y, axes):
    """Contract axis ``axes[0]`` of ``x`` with axis ``axes[1]`` of ``y`` (one pair of axes).

    The result has the remaining axes of ``x`` followed by the remaining axes of ``y``.
    """
    x, y = as_tensor(x), as_tensor(y)
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    if x.shape[ax] != y.shape[ay]:
        raise ValueError(f"tensordot: axis {ax} of {x.shape} and axis {ay} of {y.shape} differ in length.")
    x_rest = tuple(n for i, n in enumerate(x.shape) if i != ax)
    y_rest = tuple(n for i, n in enumerate(y.shape) if i != ay)
    xm = reshape(transpose(x, [i for i in range(x.ndim) if i != ax] + [ax]), (-1, x.shape[ax]))
    ym = reshape(transpose(y, [ay] + [i for i in range(y.ndim) if i != ay]), (y.shape[ay], -1))
    return reshape(matmul(xm, ym), x_rest + y_rest)


def dot(x, y):
    """Keras' ``K.dot``: contract the last axis of ``x`` with the second-to-last of ``y``.

    Shapes: ``(..., a) . (a, b) -> (..., b)``; ``(2, 3, 4) . (5, 4, 6) -> (2, 3, 5, 6)``.
    """
    x, y = as_tensor(x), as_tensor(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"dot: operands must have rank >= 1, got shapes {x.shape} and {y.shape}.")
    if y.ndim == 1:
        return tensordot(x, y, (-1, 0))
    if x.ndim <= 2 and y.ndim == 2:
        return matmul(x, y)
    return tensordot(x, y, (-1, -2))


def batch_dot(x, y, axes=None):
    """Keras' ``K.batch_dot``: a dot product of ``x[i]`` and ``y[i]`` for every sample ``i``.

    ``axes`` (an int or a pair) names the axis of ``x`` and of ``y`` that is contracted
    (default: the last of ``x`` and the second-to-last of ``y``, i.e. a batched matmul; for
    2-D inputs the last of both). The result holds the other axes of ``x`` then those of
    ``y``; a result of rank 1 becomes ``(batch, 1)``.

    Example: ``x (32, 20, 1)``, ``y (32, 30, 20)``, ``axes=(1, 2)`` -> ``(32, 1, 30)``.
    """
    x, y = as_tensor(x), as_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"batch_dot: inputs must have rank >= 2, got shapes {x.shape} and {y.shape}.")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"batch_dot: batch sizes differ: {x.shape} and {y.shape}.")
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    elif isinstance(axes, (int, np.integer)):
        axes = (int(axes), int(axes))
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    if ax == 0 or ay == 0:
        raise ValueError(f"batch_dot: cannot contract the batch axis; got axes {axes}.")
    if x.shape[ax] != y.shape[ay]:
        raise ValueError(
            f"batch_dot: axis {ax} of x {x.shape} and axis {ay} of y {y.shape} must have the same length."
        )
    x_rest = tuple(n for i, n in enumerate(x.shape) if i not in (0, ax))
    y_rest = tuple(n for i, n in enumerate(y.shape) if i not in (0, ay))
    batch, length = x.shape[0], x.shape[ax]
    xm = reshape(transpose(x, [0] + [i for i in range(1, x.ndim) if i != ax] + [ax]), (batch, -1, length))
    ym = reshape(transpose(y, [0, ay] + [i for i in range(1, y.ndim) if i != ay]), (batch, length, -1))
    out = reshape(matmul(xm, ym), (batch,) + x_rest + y_rest)
    return expand_dims(out, 1) if out.ndim == 1 else out
