"""UpSampling1D/2D/3D: enlarge the spatial axes by whole factors (nearest or bilinear)."""
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.layers.convolutional.base_conv import (
    check_positive_sizes, layer_label, naming_errors, spatial_axes, with_spatial,
)
from minikeras.ops.upsampling import upsample_bilinear_2d, upsample_nearest
from minikeras.utils import conv_utils

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D"]


class BaseUpSampling(Layer):
    """Abstract upsampling of ``rank`` spatial axes by integer factors.

    ``self.size`` keeps Keras' form for the config (an int for 1D, a tuple otherwise);
    ``self._factors`` is always a tuple of ``rank`` ints.
    """

    def __init__(self, rank, size, data_format, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        with naming_errors(self):
            self._factors = conv_utils.normalize_tuple(size, rank, "size")
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.size = self._factors
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        check_positive_sizes(self, inputs.shape)
        return upsample_nearest(inputs, self._factors, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        check_positive_sizes(self, input_shape)
        sizes = [input_shape[a] for a in spatial_axes(self.rank, self.data_format)]
        grown = [None if n is None else n * factor for n, factor in zip(sizes, self._factors)]
        return with_spatial(input_shape, self.data_format, grown)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(BaseUpSampling):
    """Repeat each time step ``size`` times along the time axis.

    Args:
        size: a positive int: the upsampling factor.

    Input shape:
        ``(batch, steps, features)``.

    Output shape:
        ``(batch, steps * size, features)``.

    Raises:
        ValueError: a non-positive ``size``; wrong input rank.

    Example:
        >>> import numpy as np
        >>> UpSampling1D(3)(np.array([[[1.0], [2.0]]])).numpy()[0, :, 0]
        array([1., 1., 1., 2., 2., 2.], dtype=float32)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(1, size, "channels_last", **kwargs)
        self.size = self._factors[0]

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # sequences are always channels_last
        return config


class UpSampling2D(BaseUpSampling):
    """Enlarge images by ``size = (row_factor, col_factor)``.

    Args:
        size: an int or a tuple of 2 positive ints.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.
        interpolation: ``'nearest'`` (repeat each pixel) or ``'bilinear'`` (sample the
            image at half-pixel centres, ``src = (dst + 0.5) / factor - 0.5``, clamped at
            the edges, as TensorFlow 2's ``tf.image.resize``).

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, rows * size[0], cols * size[1], channels)`` or the channels_first
        equivalent.

    Raises:
        ValueError: a non-positive ``size``, an unknown ``data_format`` or
            ``interpolation``; wrong input rank.

    Example:
        >>> import numpy as np
        >>> image = np.array([[0.0, 4.0]]).reshape(1, 1, 2, 1)
        >>> UpSampling2D((1, 2), interpolation="bilinear")(image).numpy()[0, 0, :, 0]
        array([0., 1., 3., 4.], dtype=float32)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"{layer_label(self)}: `interpolation` must be one of 'nearest', 'bilinear'. "
                f"Received: interpolation={interpolation!r}."
            )
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        check_positive_sizes(self, inputs.shape)
        return upsample_bilinear_2d(inputs, self._factors, self.data_format)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(BaseUpSampling):
    """Enlarge volumes by repeating each voxel ``size = (f1, f2, f3)`` times.

    Args:
        size: an int or a tuple of 3 positive ints.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        The same with each spatial size multiplied by its factor.

    Raises:
        ValueError: as ``UpSampling2D``.

    Example:
        >>> import numpy as np
        >>> UpSampling3D((1, 2, 3))(np.ones((1, 2, 2, 2, 4))).shape
        (1, 2, 4, 6, 4)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)
