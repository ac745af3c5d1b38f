"""Cropping1D/2D/3D: trim rows (columns, planes) off the ends of the spatial axes."""
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.layers.convolutional.base_conv import (
    check_positive_sizes, layer_label, naming_errors, spatial_axes, with_spatial,
)
from minikeras.ops.padding import crop
from minikeras.utils import conv_utils

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D"]


class BaseCropping(Layer):
    """Abstract cropping of ``rank`` spatial axes by ``((before, after), ...)`` elements.

    ``cropping`` takes the same forms as ``ZeroPadding``'s ``padding`` (an int, one int
    per axis, or one ``(before, after)`` pair per axis). The crop must leave at least one
    element along every axis.
    """

    def __init__(self, rank, cropping, data_format, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        with naming_errors(self):
            self._pairs = conv_utils.normalize_side_amounts(cropping, rank, "cropping")
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.cropping = self._pairs
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        self._cropped_sizes(inputs.shape)  # validates before the kernel runs
        return crop(inputs, self._pairs, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        return with_spatial(input_shape, self.data_format, self._cropped_sizes(input_shape))

    def _cropped_sizes(self, input_shape):
        check_positive_sizes(self, input_shape)
        sizes = [input_shape[a] for a in spatial_axes(self.rank, self.data_format)]
        cropped = [None if n is None else n - before - after
                   for n, (before, after) in zip(sizes, self._pairs)]
        if any(n is not None and n <= 0 for n in cropped):
            raise ValueError(
                f"{layer_label(self)}: the cropping {self._pairs} is larger than the input: it "
                f"would leave spatial sizes {tuple(cropped)} from {tuple(sizes)} (input shape "
                f"{tuple(input_shape)}); every axis must keep at least one element."
            )
        return cropped

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping1D(BaseCropping):
    """Cropping of a sequence along its time axis (axis 1).

    Args:
        cropping: an int (the same at both ends) or a pair ``(before, after)``.

    Input shape:
        ``(batch, steps, features)``.

    Output shape:
        ``(batch, steps - before - after, features)``.

    Raises:
        ValueError: a negative or malformed ``cropping``; a crop that leaves nothing;
            wrong input rank.

    Example:
        >>> import numpy as np
        >>> Cropping1D((1, 2))(np.arange(6.0).reshape(1, 6, 1)).numpy()[0, :, 0]
        array([1., 2., 3.], dtype=float32)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, cropping, "channels_last", **kwargs)
        self.cropping = self._pairs[0]

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # sequences are always channels_last
        return config


class Cropping2D(BaseCropping):
    """Cropping of images: rows off the top and bottom, columns off the left and right.

    Args:
        cropping: an int (the same on all four sides), a pair of ints
            ``(symmetric_height_crop, symmetric_width_crop)`` or a pair of pairs
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, cropped_rows, cropped_cols, channels)`` or
        ``(batch, channels, cropped_rows, cropped_cols)``.

    Raises:
        ValueError: as ``Cropping1D``, and an unknown ``data_format``.

    Example (the one of the Keras 2 documentation):
        >>> import numpy as np
        >>> from minikeras.layers.convolutional.conv2d import Conv2D
        >>> crop = Cropping2D(cropping=((2, 2), (4, 4)))
        >>> crop.compute_output_shape((None, 28, 28, 3))
        (None, 24, 20, 3)
        >>> y = crop(np.ones((1, 28, 28, 3)))
        >>> y = Conv2D(64, (3, 3), padding="same")(y)
        >>> Cropping2D(cropping=((2, 2), (2, 2)))(y).shape
        (1, 20, 16, 64)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Cropping of volumes along their three spatial axes.

    Args:
        cropping: an int, a tuple of 3 ints (symmetric per axis) or a tuple of 3 pairs.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        The same with each spatial size reduced by its two crops.

    Raises:
        ValueError: as ``Cropping2D``.

    Example:
        >>> import numpy as np
        >>> Cropping3D(((1, 1), (0, 2), (1, 0)))(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 3, 2)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)
