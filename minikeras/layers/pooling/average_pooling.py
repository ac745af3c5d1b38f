"""AveragePooling1D/2D/3D: the mean of each window."""
from minikeras.layers.pooling.base_pooling import BasePooling
from minikeras.ops.pooling import avg_pool

__all__ = [
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D",
]


class AveragePooling1D(BasePooling):
    """Average pooling of sequences: the mean of each window of ``pool_size`` steps.

    Args:
        pool_size: an int: the window's length.
        strides: an int, or None (default: ``pool_size``).
        padding: ``'valid'`` or ``'same'``. With ``'same'``, a window that overlaps the
            padding is the mean of its real elements only (TensorFlow's rule).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape:
        ``(batch, steps, features)`` or ``(batch, features, steps)``.

    Output shape:
        ``(batch, pooled_steps, features)`` or ``(batch, features, pooled_steps)``.

    Raises:
        ValueError: see ``BasePooling``.

    Example:
        >>> import numpy as np
        >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0]).reshape(1, 5, 1)
        >>> AveragePooling1D(2, padding="same")(x).numpy().ravel()
        array([1.5, 3.5, 5. ], dtype=float32)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(1, avg_pool, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling of images: the mean of each ``pool_size`` window, per channel.

    Args:
        pool_size: an int or a tuple of 2 ints.
        strides: an int, a tuple of 2 ints, or None (default: ``pool_size``).
        padding: ``'valid'`` or ``'same'`` (windows that overlap the padding average their
            real elements only).
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
        >>> AveragePooling2D()(np.arange(16.0).reshape(1, 4, 4, 1)).numpy()[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, avg_pool, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling of volumes: the mean of each ``pool_size`` window, per channel.

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
        >>> pool = AveragePooling3D((1, 2, 2), data_format="channels_first")
        >>> pool(np.ones((1, 2, 3, 4, 4))).shape
        (1, 2, 3, 2, 2)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(3, avg_pool, pool_size, strides, padding, data_format, **kwargs)


AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
