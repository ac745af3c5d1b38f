"""MaxPooling1D/2D/3D: keep the largest value of each window."""
from minikeras.layers.pooling.base_pooling import BasePooling
from minikeras.ops.pooling import max_pool

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D"]


class MaxPooling1D(BasePooling):
    """Max pooling of sequences: ``y[n, t, c] = max over k of x[n, t*stride + k - pad, c]``.

    Args:
        pool_size: an int: the window's length.
        strides: an int, or None (default: ``pool_size``).
        padding: ``'valid'`` (windows inside the input) or ``'same'`` (output length
            ``ceil(steps / strides)``; padded positions never win the max).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape:
        ``(batch, steps, features)`` or ``(batch, features, steps)``.

    Output shape:
        ``(batch, pooled_steps, features)`` or ``(batch, features, pooled_steps)``.

    Raises:
        ValueError: see ``BasePooling``.

    Example:
        >>> import numpy as np
        >>> MaxPooling1D(2)(np.array([1.0, 3.0, 2.0, 0.0, 5.0]).reshape(1, 5, 1)).numpy().ravel()
        array([3., 2.], dtype=float32)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(1, max_pool, pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling of images: the largest value of each ``pool_size`` window, per channel.

    Args:
        pool_size: an int or a tuple of 2 ints.
        strides: an int, a tuple of 2 ints, or None (default: ``pool_size``).
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, pooled_rows, pooled_cols, channels)`` or the channels_first equivalent.

    Raises:
        ValueError: see ``BasePooling``.

    Example:
        >>> import numpy as np
        >>> MaxPooling2D((2, 2), padding="same")(np.ones((1, 5, 5, 3))).shape
        (1, 3, 3, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, max_pool, pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(BasePooling):
    """Max pooling of volumes: the largest value of each ``pool_size`` window, per channel.

    Args:
        pool_size: an int or a tuple of 3 ints.
        strides: an int, a tuple of 3 ints, or None (default: ``pool_size``).
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        ``(batch, pooled_d1, pooled_d2, pooled_d3, channels)`` or the channels_first
        equivalent.

    Raises:
        ValueError: see ``BasePooling``.

    Example:
        >>> import numpy as np
        >>> MaxPooling3D(2, strides=1)(np.ones((1, 3, 4, 5, 2))).shape
        (1, 2, 3, 4, 2)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(3, max_pool, pool_size, strides, padding, data_format, **kwargs)


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
