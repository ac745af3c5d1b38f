"""SeparableConv2D: a depthwise separable convolution over images (as in Xception, MobileNet)."""
from minikeras.layers.convolutional.base_conv import BaseSeparableConv

__all__ = ["SeparableConv2D", "SeparableConvolution2D"]


class SeparableConv2D(BaseSeparableConv):
    """Depthwise separable 2D convolution: each channel filtered alone, then mixed by a 1x1 conv.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a tuple of 2 ints: the depthwise window.
        strides: an int or a tuple of 2 ints. Not with ``dilation_rate`` > 1.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of 2 ints.
        depth_multiplier: depthwise output channels per input channel.
        activation, use_bias, depthwise_initializer, pointwise_initializer,
        bias_initializer, depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint, bias_constraint:
            see ``BaseSeparableConv`` and ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``depthwise_kernel`` ``(kh, kw, channels, depth_multiplier)``, ``pointwise_kernel``
        ``(1, 1, channels * depth_multiplier, filters)`` and ``bias`` ``(filters,)``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, new_rows, new_cols, filters)`` or ``(batch, filters, new_rows, new_cols)``.

    Raises:
        ValueError: see ``BaseConv`` (``depth_multiplier`` must be a positive integer).

    Example:
        >>> import numpy as np
        >>> layer = SeparableConv2D(16, 3, strides=2)
        >>> layer(np.ones((1, 9, 9, 8))).shape
        (1, 4, 4, 16)
        >>> layer.count_params()  # 3*3*8 + 8*16 + 16, against 3*3*8*16 + 16 for Conv2D
        216
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)


SeparableConvolution2D = SeparableConv2D
