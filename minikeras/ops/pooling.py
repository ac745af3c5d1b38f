"""Max and average pooling of 1D, 2D and 3D data: ``max_pool`` and ``avg_pool``.

A pooling slides a window of ``pool_size`` with steps of ``strides`` over the spatial
axes and reduces each window, channel by channel. Along one axis, with ``p`` positions of
padding before the input::

    y[o] = max (or mean) of x[i]  for i in [o * s - p, o * s - p + k) inside the input

``'valid'`` windows lie inside the input; ``'same'`` adds TensorFlow's padding
(``conv_utils.conv_padding_amounts``) so that there are ``ceil(size / stride)`` windows.
Padded positions are not part of a window: max pooling ignores them, and average pooling
divides by the number of input elements in the window, as TensorFlow does.

Gradients, which is why any order works:

- ``MaxPool``         y = the maximum of each window; the forward pass also records where
                      it was (``argmax``). Ties go to the first maximum in window order,
                      TensorFlow's rule for 2D and 1D pooling (its CPU MaxPool3D gradient
                      goes to every element within 1e-5 of the maximum instead; minikeras
                      keeps the first-maximum rule in 3D too).
- ``MaxPoolBackward`` dx = dy scattered to those positions (``dx[argmax[o]] += dy[o]``), a
                      linear map whose adjoint is ``MaxPoolGather`` (``y[o] = x[argmax[o]]``),
                      and the other way round.
- ``AvgPool`` and ``AvgPoolBackward``: the mean of each window is linear; its adjoint
                      spreads each gradient evenly over the window, and the adjoint of that
                      is the mean again.

The kernels in ``minikeras/_kernels/pooling.pyx`` see channels-last volumes
(``conv_utils.volume_shape``); channels-first data is transposed to them and back.
"""
import dataclasses

import numpy as np

from minikeras._kernels import compute_dtype as _compute_dtype, kernel as _kernel
from minikeras.ops.base import Op
from minikeras.utils import conv_utils

__all__ = ["max_pool", "avg_pool"]


def max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """The maximum of every window (Keras' ``MaxPooling1D/2D/3D``).

    Args:
        x: a Tensor or array of rank 3, 4 or 5: a batch of 1D, 2D or 3D data.
        pool_size: the window, one positive int per spatial axis (or one int for all).
        strides: the steps between windows, in the same form; None means ``pool_size``.
        padding: ``'valid'`` (windows inside the input) or ``'same'`` (``ceil(size /
            stride)`` windows, the input padded as TensorFlow pads it).
        data_format: ``'channels_last'`` (``(N, *spatial, C)``, the default) or
            ``'channels_first'`` (``(N, C, *spatial)``); None means ``K.image_data_format()``.

    Returns:
        A Tensor with the pooled spatial sizes (``conv_utils.conv_output_length``).

    Raises:
        ValueError: for an input of another rank, sizes or strides that are not positive,
            an unknown padding or data format, or a ``'valid'`` window larger than the input.

    Example:
        >>> import numpy as np
        >>> max_pool(np.array([[[1.0], [3.0], [2.0], [0.0]]]), (2,)).numpy()[0, :, 0]
        array([3., 2.])
    """
    pooling = _pooling("max_pool", _shape_of(x), pool_size, strides, padding, data_format)
    return MaxPool.apply(x, pooling=pooling)


def avg_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """The mean of every window over the input elements it covers (``AveragePooling*D``).

    Takes the same arguments as ``max_pool``. With ``'same'`` padding a window that
    overlaps the padding is divided by the number of input elements in it, not by the
    window's size (TensorFlow's rule).

    Example:
        >>> import numpy as np
        >>> avg_pool(np.array([[[1.0], [3.0], [2.0]]]), (2,), padding="same").numpy()[0, :, 0]
        array([2., 2.])
    """
    pooling = _pooling("avg_pool", _shape_of(x), pool_size, strides, padding, data_format)
    return AvgPool.apply(x, pooling=pooling)


@dataclasses.dataclass(frozen=True)
class Pooling:
    """One pooling in the integers the kernels take.

    ``in_shape`` and ``out_shape`` are user-layout shapes; ``pool``, ``strides`` and
    ``pads`` (the padding before each axis) have three entries, for the kernels'
    ``(D, H, W)`` axes, with unit windows on the axes that 1D and 2D data lack.
    """

    data_format: str
    in_shape: tuple
    out_shape: tuple
    pool: tuple
    strides: tuple
    pads: tuple

    @property
    def kernel_args(self):
        return (*self.pool, *self.strides, *self.pads)

    # Channels-first data is transposed to channels last, rather than pooled as one-channel
    # volumes (N * C, D, H, W, 1): with one channel the kernels' innermost loop has length
    # 1 and cannot be vectorised. The result goes back as a transposed view, which a
    # following channels-last kernel reads without a copy. Measured on 2x2 max pooling of
    # (128, 64, 24, 24), one thread: 22 ms as one-channel volumes, 6.4 ms transposed
    # (2.4 ms for the same data channels last).
    def volume(self, array, shape, dtype):
        """``array`` (of user shape ``shape``) as the kernels' contiguous volume.

        ``max_pool`` and ``avg_pool`` build the pooling from the input's shape; an operation
        applied directly could be handed another array, which is refused here.
        """
        if tuple(array.shape) != tuple(shape):
            raise ValueError(
                f"Pooling of {self.in_shape} to {self.out_shape}: expected an array of shape "
                f"{tuple(shape)}; received shape {tuple(array.shape)}."
            )
        if self.data_format == "channels_first":
            array = np.moveaxis(array, 1, -1)
        return np.ascontiguousarray(array, dtype=dtype).reshape(self.volume_shape(shape))

    def volume_shape(self, shape):
        """The kernels' volume shape (N, D, H, W, C) for an array of user shape ``shape``."""
        if self.data_format == "channels_first":
            shape = _channels_last(shape)
        return conv_utils.volume_shape(shape, "channels_last")

    def empty(self, shape, dtype):
        """An uninitialised volume for an array of user shape ``shape``."""
        return np.empty(self.volume_shape(shape), dtype)

    def check_argmax(self, argmax):
        """The positions ``max_pool_3d`` wrote for this pooling: one per output element."""
        expected = self.volume_shape(self.out_shape)
        if argmax.shape != expected or argmax.dtype != np.int32:
            raise ValueError(
                f"Pooling of {self.in_shape} to {self.out_shape}: expected argmax positions "
                f"of shape {expected} and dtype int32; received {argmax.shape}, {argmax.dtype}."
            )
        return argmax

    def user(self, volume, shape):
        """The inverse of ``volume``: a transposed view for channels-first data."""
        if self.data_format == "channels_first":
            return np.moveaxis(volume.reshape(_channels_last(shape)), -1, 1)
        return volume.reshape(shape)


class MaxPool(Op):
    """y = the max of each window; dx = MaxPoolBackward(dy), dy sent to each maximum."""

    def forward(self, x):
        p, dtype = self.pooling, _compute_dtype(x)
        out = p.empty(p.out_shape, dtype)
        self.argmax = np.empty(out.shape, np.int32)
        _kernel("max_pool_3d")(p.volume(x, p.in_shape, dtype), out, self.argmax, *p.kernel_args)
        return p.user(out, p.out_shape).astype(x.dtype, copy=False)

    def backward(self, grad):
        return MaxPoolBackward.apply(grad, pooling=self.pooling, argmax=self.argmax)


class MaxPoolBackward(Op):
    """y = the scatter ``y[argmax[o]] += x[o]``; its gradient is ``MaxPoolGather``."""

    def forward(self, grad):
        p, dtype = self.pooling, _compute_dtype(grad)
        grad_x = p.empty(p.in_shape, dtype)
        # The kernel addresses positions in the flattened volume: (N, D * H * W, C).
        argmax = p.check_argmax(self.argmax)
        _kernel("max_pool_3d_backward")(
            _flat(p.volume(grad, p.out_shape, dtype)), _flat(argmax), _flat(grad_x)
        )
        return p.user(grad_x, p.in_shape).astype(grad.dtype, copy=False)

    def backward(self, grad):
        return MaxPoolGather.apply(grad, pooling=self.pooling, argmax=self.argmax)


class MaxPoolGather(Op):
    """y[o] = x[argmax[o]]: each window's maximum position, read from x (an input-shaped
    array); the adjoint of ``MaxPoolBackward``, and its gradient is that scatter."""

    def forward(self, x):
        p = self.pooling
        values = _flat(p.volume(x, p.in_shape, x.dtype))
        picked = np.take_along_axis(values, _flat(p.check_argmax(self.argmax)), axis=1)
        return p.user(picked, p.out_shape)

    def backward(self, grad):
        return MaxPoolBackward.apply(grad, pooling=self.pooling, argmax=self.argmax)


class AvgPool(Op):
    """y = the mean of each window; dx = AvgPoolBackward(dy), dy spread over the window."""

    def forward(self, x):
        p, dtype = self.pooling, _compute_dtype(x)
        out = p.empty(p.out_shape, dtype)
        _kernel("avg_pool_3d")(p.volume(x, p.in_shape, dtype), out, *p.kernel_args)
        return p.user(out, p.out_shape).astype(x.dtype, copy=False)

    def backward(self, grad):
        return AvgPoolBackward.apply(grad, pooling=self.pooling)


class AvgPoolBackward(Op):
    """y = x spread evenly over each window (the adjoint of ``AvgPool``, whose gradient it is)."""

    def forward(self, grad):
        p, dtype = self.pooling, _compute_dtype(grad)
        grad_x = p.empty(p.in_shape, dtype)
        grad_out = p.volume(grad, p.out_shape, dtype)
        _kernel("avg_pool_3d_backward")(grad_out, grad_x, *p.kernel_args)
        return p.user(grad_x, p.in_shape).astype(grad.dtype, copy=False)

    def backward(self, grad):
        return AvgPool.apply(grad, pooling=self.pooling)


def _pooling(name, shape, pool_size, strides, padding, data_format):
    """Check a pooling's arguments against the input's shape and turn them into integers."""
    rank = conv_utils.spatial_rank(shape, name)
    try:
        data_format = conv_utils.normalize_data_format(data_format)
        pool_size = conv_utils.normalize_tuple(pool_size, rank, "pool_size")
        if strides is None:
            strides = pool_size
        strides = conv_utils.normalize_tuple(strides, rank, "strides")
        padding = conv_utils.normalize_padding(padding)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
    conv_utils.check_index_range(name, pool_size=pool_size, strides=strides)
    spatial = conv_utils.spatial_shape(shape, data_format)
    if padding == "valid" and any(k > s for k, s in zip(pool_size, spatial)):
        raise ValueError(
            f"{name}: the pool window {pool_size} does not fit in the input's spatial shape "
            f"{spatial} with padding 'valid'; expected pool_size <= the input size on every "
            "spatial axis (or padding='same')."
        )
    if int(np.prod(spatial)) >= 2**31:
        raise ValueError(
            f"{name}: the input's spatial shape {spatial} has {int(np.prod(spatial))} "
            "positions; at most 2**31 - 1 are supported (argmax positions are int32)."
        )
    axes = list(zip(spatial, pool_size, strides))
    out_spatial = tuple(conv_utils.conv_output_length(i, k, padding, s) for i, k, s in axes)
    pads = tuple(conv_utils.conv_padding_amounts(i, k, padding, s)[0] for i, k, s in axes)
    unit = (3 - rank) * (1,)
    return Pooling(
        data_format=data_format,
        in_shape=tuple(shape),
        out_shape=conv_utils.with_spatial_shape(shape, out_spatial, data_format),
        pool=unit + pool_size,
        strides=unit + strides,
        pads=(3 - rank) * (0,) + pads,
    )


def _channels_last(shape):
    """The channels-last shape of a channels-first shape: (N, C, *spatial) -> (N, *spatial, C)."""
    return (shape[0], *shape[2:], shape[1])


def _flat(volume):
    """(N, D, H, W, C) -> (N, D * H * W, C), the view the scatter and the gather index."""
    n, d, h, w, c = volume.shape
    return volume.reshape(n, d * h * w, c)


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
