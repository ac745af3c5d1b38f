"""ZeroPadding1D/2D/3D: add rows (columns, planes) of zeros around the spatial axes."""
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.layers.convolutional.base_conv import (
    check_positive_sizes, naming_errors, spatial_axes, with_spatial,
)
from minikeras.ops.padding import zero_pad
from minikeras.utils import conv_utils

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]


class BaseZeroPadding(Layer):
    """Abstract zero padding of ``rank`` spatial axes by ``((before, after), ...)`` zeros.

    ``padding`` takes any Keras form (see ``conv_utils.normalize_side_amounts``): an int
    (every side), one int per axis (both sides of it) or one ``(before, after)`` pair per
    axis. ``self.padding`` keeps Keras' form for the config; ``self._pairs`` is always a
    tuple of pairs.
    """

    def __init__(self, rank, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        with naming_errors(self):
            self._pairs = conv_utils.normalize_side_amounts(padding, rank, "padding")
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.padding = self._pairs
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        check_positive_sizes(self, inputs.shape)
        return zero_pad(inputs, self._pairs, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        check_positive_sizes(self, input_shape)
        sizes = [input_shape[a] for a in spatial_axes(self.rank, self.data_format)]
        padded = [None if n is None else n + before + after
                  for n, (before, after) in zip(sizes, self._pairs)]
        return with_spatial(input_shape, self.data_format, padded)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(BaseZeroPadding):
    """Zero padding of a sequence along its time axis (axis 1).

    Args:
        padding: an int (zeros at both ends) or a pair ``(before, after)``.

    Input shape:
        ``(batch, steps, features)``.

    Output shape:
        ``(batch, before + steps + after, features)``.

    Raises:
        ValueError: a negative or malformed ``padding``; wrong input rank.

    Example:
        >>> import numpy as np
        >>> ZeroPadding1D((1, 2))(np.ones((1, 3, 1))).numpy()[0, :, 0]
        array([0., 1., 1., 1., 0., 0.], dtype=float32)
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(1, padding, "channels_last", **kwargs)
        self.padding = self._pairs[0]

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # sequences are always channels_last
        return config


class ZeroPadding2D(BaseZeroPadding):
    """Zero padding of images: rows at the top and bottom, columns at the left and right.

    Args:
        padding: an int (the same on all four sides), a pair of ints
            ``(symmetric_height_pad, symmetric_width_pad)`` or a pair of pairs
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, padded_rows, padded_cols, channels)`` or
        ``(batch, channels, padded_rows, padded_cols)``.

    Raises:
        ValueError: a negative or malformed ``padding``, an unknown ``data_format``; wrong
            input rank.

    Example:
        >>> import numpy as np
        >>> ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 4, 4, 3))).shape
        (1, 5, 9, 3)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


class ZeroPadding3D(BaseZeroPadding):
    """Zero padding of volumes along their three spatial axes.

    Args:
        padding: an int, a tuple of 3 ints (symmetric per axis) or a tuple of 3 pairs
            ``((before1, after1), (before2, after2), (before3, after3))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        The same with each spatial size grown by its two pads.

    Raises:
        ValueError: as ``ZeroPadding2D``.

    Example:
        >>> import numpy as np
        >>> ZeroPadding3D((1, 0, 2))(np.ones((1, 2, 2, 2, 1))).shape
        (1, 4, 2, 6, 1)
    """

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)
