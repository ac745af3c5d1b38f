"""Zero padding and cropping of 1D, 2D and 3D data: ``zero_pad`` and ``crop``.

Along one spatial axis, with ``before`` and ``after`` amounts::

    zero_pad:  y[before + i] = x[i],  and zeros at y[:before] and y[before + len(x):]
    crop:      y[i] = x[before + i],  for i < len(x) - before - after

The two are each other's adjoint: the gradient of padding is the cropping of the
upstream gradient by the same amounts, and the gradient of cropping is the padding of it.
So each op's backward is the other op, and gradients of any order come free.

The kernels in ``minikeras/_kernels/padding.pyx`` see every input as rows of numbers
(``conv_utils.rows_shape``): a reshape of the C-contiguous input, in either data format,
so no data is transposed.
"""
import numpy as np

from minikeras._kernels import compute_dtype as _compute_dtype, kernel as _kernel
from minikeras.ops.base import Op
from minikeras.utils import conv_utils

__all__ = ["zero_pad", "crop"]


def zero_pad(x, pads, data_format="channels_last"):
    """Add zeros before and after every spatial axis (Keras' ``ZeroPadding1D/2D/3D``).

    Args:
        x: a Tensor or array of rank 3, 4 or 5: a batch of 1D, 2D or 3D data.
        pads: one ``(before, after)`` pair per spatial axis, e.g. ``((1, 2), (0, 3))`` for
            2D data; an int or one int per axis means the same amount on both sides.
        data_format: ``'channels_last'`` (``(N, *spatial, C)``, the default) or
            ``'channels_first'`` (``(N, C, *spatial)``); None means ``K.image_data_format()``.

    Returns:
        A Tensor with every spatial size ``s`` grown to ``before + s + after``.

    Raises:
        ValueError: for an input of another rank, negative amounts, amounts of the wrong
            form, or an unknown data format.

    Example:
        >>> import numpy as np
        >>> zero_pad(np.ones((1, 2, 1)), ((1, 2),)).numpy()[0, :, 0]
        array([0., 1., 1., 0., 0.])
    """
    data_format, pads = _validate("zero_pad", _shape_of(x), pads, data_format, "pads")
    return ZeroPad.apply(x, pads=pads, data_format=data_format)


def crop(x, crops, data_format="channels_last"):
    """Remove elements before and after every spatial axis (Keras' ``Cropping1D/2D/3D``).

    Args:
        x: a Tensor or array of rank 3, 4 or 5: a batch of 1D, 2D or 3D data.
        crops: one ``(before, after)`` pair per spatial axis; an int or one int per axis
            means the same amount on both sides.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``; None means
            ``K.image_data_format()``.

    Returns:
        A Tensor with every spatial size ``s`` shrunk to ``s - before - after``.

    Raises:
        ValueError: for an input of another rank, negative amounts, or amounts that leave
            an axis with no elements.

    Example:
        >>> import numpy as np
        >>> crop(np.arange(5.0).reshape(1, 5, 1), ((1, 2),)).numpy()[0, :, 0]
        array([1., 2.])
    """
    shape = _shape_of(x)
    data_format, crops = _validate("crop", shape, crops, data_format, "crops")
    spatial = conv_utils.spatial_shape(shape, data_format)
    for axis, (size, (before, after)) in enumerate(zip(spatial, crops), start=1):
        if before + after >= size:
            raise ValueError(
                f"crop: cropping ({before}, {after}) from spatial axis {axis} of size {size} "
                f"leaves {size - before - after} elements; expected before + after < {size}."
            )
    return Crop.apply(x, crops=crops, data_format=data_format)


class ZeroPad(Op):
    """y = x with zeros around it; dx = crop(dy) by the same amounts."""

    def forward(self, x):
        return _pad_or_crop(x, self.pads, self.data_format, sign=+1)

    def backward(self, grad):
        return Crop.apply(grad, crops=self.pads, data_format=self.data_format)


class Crop(Op):
    """y = the inside of x; dx = zero_pad(dy) by the same amounts."""

    def forward(self, x):
        return _pad_or_crop(x, self.crops, self.data_format, sign=-1)

    def backward(self, grad):
        return ZeroPad.apply(grad, pads=self.crops, data_format=self.data_format)


def _pad_or_crop(x, amounts, data_format, sign):
    """``zero_pad_3d`` (sign +1) or ``crop_3d`` (sign -1) of the array x, in x's layout."""
    spatial = conv_utils.spatial_shape(x.shape, data_format)
    spatial = tuple(s + sign * (b + a) for s, (b, a) in zip(spatial, amounts))
    # zero_pad and crop check their arguments; an op applied directly could be handed
    # amounts that do not fit x, which would send the loops past its end.
    if x.ndim not in (3, 4, 5) or len(amounts) != x.ndim - 2 or min(spatial) < 0:
        raise ValueError(
            f"{'ZeroPad' if sign > 0 else 'Crop'}: the amounts {amounts} do not fit an input "
            f"of shape {x.shape} ({data_format}): expected one (before, after) pair per "
            "spatial axis, leaving no axis with a negative size."
        )
    shape = conv_utils.with_spatial_shape(x.shape, spatial, data_format)

    rows, per_position = conv_utils.rows_shape(x.shape, data_format)
    out_rows, _ = conv_utils.rows_shape(shape, data_format)
    # The kernels take the amounts before their (D, H, WC) axes; a row counts numbers.
    before = [0] * (3 - len(amounts)) + [b for b, _ in amounts]
    before[2] *= per_position

    dtype = _compute_dtype(x)
    source = np.ascontiguousarray(x, dtype=dtype).reshape(rows)
    out = np.empty(out_rows, dtype)
    _kernel("zero_pad_3d" if sign > 0 else "crop_3d")(source, out, *before)
    return out.reshape(shape).astype(x.dtype, copy=False)


def _validate(name, shape, amounts, data_format, argument):
    rank = conv_utils.spatial_rank(shape, name)
    try:
        data_format = conv_utils.normalize_data_format(data_format)
        amounts = conv_utils.normalize_side_amounts(amounts, rank, argument)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
    conv_utils.check_index_range(name, **{argument: amounts})
    return data_format, amounts


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
