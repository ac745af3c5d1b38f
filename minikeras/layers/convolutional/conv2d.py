"""Conv2D: the convolution over images."""
from minikeras.layers.convolutional.base_conv import BaseConv

__all__ = ["Conv2D", "Convolution2D"]


class Conv2D(BaseConv):
    """2D convolution: each output pixel is a weighted sum over a window of input pixels.

    ``y[n, i, j, f] = activation(bias[f] + sum over (ki, kj, c) of
    x[n, i*SH + ki*DH - PT, j*SW + kj*DW - PL, c] * kernel[ki, kj, c, f])``
    where ``PT``/``PL`` are the zeros added above and to the left of the image.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a tuple of 2 ints ``(height, width)``: the window.
        strides: an int or a tuple of 2 ints: the step of the window. Not with
            ``dilation_rate`` > 1.
        padding: ``'valid'`` (no zeros) or ``'same'`` (output size ``ceil(size / stride)``,
            the zeros split as TensorFlow does: the smaller half before).
        data_format: ``'channels_last'`` (``(batch, rows, cols, channels)``) or
            ``'channels_first'`` (``(batch, channels, rows, cols)``); default
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of 2 ints: the spacing of the kernel's taps.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: see
            ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``kernel`` ``(kh, kw, channels, filters)`` and ``bias`` ``(filters,)``, whatever the
        data format.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, new_rows, new_cols, filters)`` or ``(batch, filters, new_rows, new_cols)``.

    Raises:
        ValueError: see ``BaseConv`` (bad arguments, wrong rank or channel count, a kernel
            larger than the padded input).

    Example:
        >>> import numpy as np
        >>> layer = Conv2D(8, (3, 3), strides=2, padding="same", activation="relu")
        >>> layer(np.ones((1, 28, 28, 3))).shape
        (1, 14, 14, 8)
        >>> layer.kernel.shape, layer.bias.shape
        ((3, 3, 3, 8), (8,))
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


Convolution2D = Conv2D
