"""The shared base of the MaxPooling and AveragePooling layers."""
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.layers.convolutional.base_conv import (
    check_positive_sizes, check_window_fits, naming_errors, spatial_axes, with_spatial,
)
from minikeras.utils import conv_utils

__all__ = ["BasePooling"]


class BasePooling(Layer):
    """Abstract pooling: slide a window over the spatial axes and summarise each position.

    ``pool_function`` is the operation (``ops.pooling.max_pool`` or ``avg_pool``); the
    output length along each axis is ``conv_utils.conv_output_length`` with the window
    as the kernel: ``ceil((size - pool + 1) / stride)`` for ``valid``, ``ceil(size /
    stride)`` for ``same``.

    Args:
        rank: the number of spatial axes.
        pool_function: ``f(x, pool_size, strides, padding, data_format)``.
        pool_size: an int or a tuple of ``rank`` ints: the window.
        strides: an int, a tuple of ``rank`` ints, or ``None`` (the window's size).
        padding: ``'valid'`` or ``'same'`` (case-insensitive).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None`` means
            ``K.image_data_format()``.

    Raises:
        ValueError: non-positive sizes, an unknown ``padding`` or ``data_format`` (at
            construction); a wrong rank, or a window larger than the padded input (when
            called).
    """

    def __init__(self, rank, pool_function, pool_size, strides=None, padding="valid",
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_function = pool_function
        with naming_errors(self):
            self.pool_size = conv_utils.normalize_tuple(pool_size, rank, "pool_size")
            self.strides = conv_utils.normalize_tuple(
                self.pool_size if strides is None else strides, rank, "strides")
            self.padding = conv_utils.normalize_padding(padding)
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        self._check_spatial(inputs.shape)
        return self.pool_function(inputs, self.pool_size, self.strides, self.padding,
                                  self.data_format)

    def _check_spatial(self, input_shape):
        check_positive_sizes(self, input_shape)
        sizes = [input_shape[a] for a in spatial_axes(self.rank, self.data_format)]
        check_window_fits(self, "pool window", input_shape, sizes, self.pool_size, self.strides,
                          self.padding)
        return sizes

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        sizes = self._check_spatial(input_shape)
        pooled = [conv_utils.conv_output_length(n, k, self.padding, s)
                  for n, k, s in zip(sizes, self.pool_size, self.strides)]
        return with_spatial(input_shape, self.data_format, pooled)

    def get_config(self):
        config = {"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                  "data_format": self.data_format}
        return {**super().get_config(), **config}
