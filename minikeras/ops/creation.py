"""Making tensors, as Keras 3's ``keras.ops`` does: ``array``, ``zeros``, ``arange``, ``one_hot``...

Nothing here is differentiable: these are constants (a tape never needs their gradient).
``shape`` of a symbolic tensor (an ``Input`` or a layer output) is its static shape, with
None for the batch.

Example:
    >>> one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    >>> arange(3).numpy(), shape(zeros((2, 3)))
    (array([0, 1, 2]), (2, 3))
"""
import numpy as np

from minikeras import config
from minikeras.dispatch import symbolic_aware
from minikeras.tensor import Tensor, as_tensor

__all__ = ["array", "convert_to_tensor", "convert_to_numpy", "shape", "zeros", "ones", "eye", "arange", "full",
           "one_hot"]


def _values(x):
    return x.numpy() if isinstance(x, Tensor) else x


def array(x, dtype=None):
    """A new Tensor holding a copy of ``x`` (NumPy's dtype rules, or ``dtype``); from a Tensor,
    differentiable (the copy passes its gradient back)."""
    if isinstance(x, Tensor):
        return _copy(x, dtype)
    return Tensor(np.array(x, dtype=dtype))


def _copy(x, dtype):
    from minikeras.ops.elementwise import cast, identity

    return identity(x) if dtype is None or np.dtype(dtype) == x.dtype else cast(x, dtype)


def convert_to_tensor(x, dtype=None, sparse=None):
    """``x`` as a Tensor (itself if it already is one of that dtype); Python floats become floatx.

    Raises:
        NotImplementedError: for ``sparse=True`` (minikeras has no sparse tensors).
    """
    if sparse:
        raise NotImplementedError("convert_to_tensor: sparse=True is not supported (no sparse tensors).")
    if getattr(x, "_is_symbolic", False):
        return x
    from minikeras.tensor import Variable

    if isinstance(x, Variable):  # its current value, as a Tensor that passes gradients to it
        return _copy(x, dtype)
    return as_tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """``x`` as a NumPy array."""
    return np.asarray(_values(x))


def shape(x):
    """The shape of ``x`` as a tuple (None for the unknown batch of a symbolic tensor)."""
    if getattr(x, "_is_symbolic", False):
        return tuple(x.shape)
    return tuple(np.shape(_values(x)))


def _float(dtype):
    return np.dtype(dtype or config.floatx())


def zeros(shape, dtype=None):
    """A Tensor of zeros (default dtype floatx)."""
    return Tensor(np.zeros(shape, dtype=_float(dtype)))


def ones(shape, dtype=None):
    """A Tensor of ones (default dtype floatx)."""
    return Tensor(np.ones(shape, dtype=_float(dtype)))


def full(shape, fill_value, dtype=None):
    """A Tensor of ``shape`` filled with ``fill_value`` (default dtype floatx)."""
    return Tensor(np.full(shape, _values(fill_value), dtype=_float(dtype)))


def eye(N, M=None, k=0, dtype=None):
    """The ``N x M`` matrix with ones on the ``k``-th diagonal (default dtype floatx)."""
    return Tensor(np.eye(N, M, k, dtype=_float(dtype)))


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)``: integers for integer arguments, as NumPy."""
    if stop is None:
        start, stop = 0, start
    return Tensor(np.arange(start, stop, step, dtype=dtype))


@symbolic_aware
def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot vectors of the integer labels ``x``: a new axis of ``num_classes`` at ``axis``.

    Labels outside ``[0, num_classes)`` give a vector of zeros (as Keras).

    Raises:
        ValueError: if ``num_classes`` is not a positive integer.
    """
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive integer; received {num_classes!r}.")
    labels = np.asarray(_values(x)).astype(np.int64)
    out = (labels[..., None] == np.arange(num_classes)).astype(_float(dtype))
    return Tensor(np.moveaxis(out, -1, axis) if axis != -1 else out)
