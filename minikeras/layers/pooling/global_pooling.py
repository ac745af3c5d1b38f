"""GlobalMaxPooling and GlobalAveragePooling 1D/2D/3D: one value per channel."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.layers.convolutional.base_conv import (
    channel_axis, check_positive_sizes, layer_label, naming_errors, spatial_axes,
)
from minikeras.utils import conv_utils

__all__ = [
    "BaseGlobalPooling",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
]


class BaseGlobalPooling(Layer):
    """Abstract global pooling: reduce every spatial axis, leaving ``(batch, channels)``.

    Args:
        rank: the number of spatial axes.
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None`` means
            ``K.image_data_format()``.

    Raises:
        ValueError: an unknown ``data_format``; a wrong input rank or an empty spatial axis.
    """

    def __init__(self, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        with naming_errors(self):
            self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        check_positive_sizes(self, inputs.shape)
        return self._reduce(inputs, spatial_axes(self.rank, self.data_format))

    def _reduce(self, inputs, axes):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        check_positive_sizes(self, input_shape)
        return (input_shape[0], input_shape[channel_axis(self.data_format)])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class _GlobalMax(BaseGlobalPooling):
    def _reduce(self, inputs, axes):
        return ops.max(inputs, axis=axes)


class _GlobalAverage(BaseGlobalPooling):
    def _reduce(self, inputs, axes):
        return ops.mean(inputs, axis=axes)


class GlobalMaxPooling1D(_GlobalMax):
    """The largest value of each feature over all time steps.

    Args:
        data_format: ``'channels_last'`` (default: ``(batch, steps, features)``) or
            ``'channels_first'`` (``(batch, features, steps)``).

    Input shape:
        ``(batch, steps, features)`` or ``(batch, features, steps)``.

    Output shape:
        ``(batch, features)``.

    Raises:
        ValueError: see ``BaseGlobalPooling``.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling1D()(np.array([[[1.0, 5.0], [4.0, 2.0]]])).numpy()
        array([[4., 5.]], dtype=float32)
    """

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(1, data_format, **kwargs)


class GlobalAveragePooling1D(_GlobalAverage):
    """The mean of each feature over the time steps (only the unmasked ones, given a mask).

    With a mask ``m`` of shape ``(batch, steps)`` (from a ``Masking`` or ``Embedding``
    layer before it), ``y[n, c] = sum_t x[n, t, c] * m[n, t] / sum_t m[n, t]``; the mask
    stops here.

    Args:
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape:
        ``(batch, steps, features)`` or ``(batch, features, steps)``.

    Output shape:
        ``(batch, features)``.

    Raises:
        ValueError: see ``BaseGlobalPooling``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [8.0]]])
        >>> GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).numpy()
        array([[2.]], dtype=float32)
    """

    def __init__(self, data_format="channels_last", **kwargs):
        super().__init__(1, data_format, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        check_positive_sizes(self, inputs.shape)
        steps_axis = spatial_axes(1, self.data_format)[0]
        weights = np.asarray(mask, dtype=inputs.dtype)
        expected = (inputs.shape[0], inputs.shape[steps_axis])
        if weights.shape != expected:
            raise ValueError(
                f"{layer_label(self)}: expected a mask of shape (batch, steps) = {expected}, but "
                f"received a mask of shape {weights.shape}."
            )
        weights = np.expand_dims(weights, 1 if self.data_format == "channels_first" else 2)
        return ops.sum(inputs * weights, axis=steps_axis) / weights.sum(axis=steps_axis)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalMax):
    """The largest value of each channel over the whole image.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, channels)``.

    Raises:
        ValueError: see ``BaseGlobalPooling``.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling2D()(np.ones((2, 7, 7, 16))).shape
        (2, 16)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(2, data_format, **kwargs)


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean of each channel over the whole image.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, channels)``.

    Raises:
        ValueError: see ``BaseGlobalPooling``.

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling2D(data_format="channels_first")(np.ones((2, 16, 7, 7))).shape
        (2, 16)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(2, data_format, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    """The largest value of each channel over the whole volume.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        ``(batch, channels)``.

    Raises:
        ValueError: see ``BaseGlobalPooling``.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling3D()(np.ones((1, 2, 3, 4, 5))).shape
        (1, 5)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    """The mean of each channel over the whole volume.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        ``(batch, channels)``.

    Raises:
        ValueError: see ``BaseGlobalPooling``.

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling3D()(np.ones((1, 2, 3, 4, 5))).shape
        (1, 5)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(3, data_format, **kwargs)


GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
