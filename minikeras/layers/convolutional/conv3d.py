"""Conv3D: the convolution over volumes (or video: time x height x width)."""
from minikeras.layers.convolutional.base_conv import BaseConv

__all__ = ["Conv3D", "Convolution3D"]


class Conv3D(BaseConv):
    """3D convolution: each output voxel is a weighted sum over a window of input voxels.

    The 2D formula of ``Conv2D`` with a third spatial axis: kernel taps ``(kd, kh, kw)``
    read ``x[n, d*SD + kd*DD - PF, h*SH + kh*DH - PT, w*SW + kw*DW - PL, c]``.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a tuple of 3 ints ``(depth, height, width)``.
        strides: an int or a tuple of 3 ints. Not with ``dilation_rate`` > 1.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` (``(batch, d1, d2, d3, channels)``) or
            ``'channels_first'`` (``(batch, channels, d1, d2, d3)``); default
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of 3 ints.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: see
            ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``kernel`` ``(kd, kh, kw, channels, filters)`` and ``bias`` ``(filters,)``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        ``(batch, new_d1, new_d2, new_d3, filters)`` or ``(batch, filters, new_d1, ...)``.

    Raises:
        ValueError: see ``BaseConv``.

    Example:
        >>> import numpy as np
        >>> layer = Conv3D(2, (2, 3, 3), data_format="channels_first")
        >>> layer(np.ones((1, 4, 5, 6, 6))).shape
        (1, 2, 4, 4, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


Convolution3D = Conv3D
