"""SeparableConv1D: a depthwise separable convolution along one axis."""
from minikeras.layers.convolutional.base_conv import BaseSeparableConv

__all__ = ["SeparableConv1D", "SeparableConvolution1D"]


class SeparableConv1D(BaseSeparableConv):
    """Depthwise separable 1D convolution: each channel filtered alone, then mixed by a 1x1 conv.

    Args:
        filters: the number of output channels.
        kernel_size: an int: the length of the depthwise window.
        strides: an int. Not with ``dilation_rate`` > 1.
        padding: ``'valid'`` or ``'same'``.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.
        dilation_rate: an int.
        depth_multiplier: depthwise output channels per input channel.
        activation, use_bias, depthwise_initializer, pointwise_initializer,
        bias_initializer, depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint, bias_constraint:
            see ``BaseSeparableConv`` and ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``depthwise_kernel`` ``(k, channels, depth_multiplier)``, ``pointwise_kernel``
        ``(1, channels * depth_multiplier, filters)`` and ``bias`` ``(filters,)``.

    Input shape:
        ``(batch, steps, channels)`` or ``(batch, channels, steps)``.

    Output shape:
        ``(batch, new_steps, filters)`` or ``(batch, filters, new_steps)``.

    Raises:
        ValueError: see ``BaseConv`` (``depth_multiplier`` must be a positive integer).

    Example:
        >>> import numpy as np
        >>> layer = SeparableConv1D(8, 3, depth_multiplier=2, padding="same")
        >>> layer(np.ones((2, 10, 4))).shape
        (2, 10, 8)
        >>> [w.shape for w in layer.get_weights()]
        [(3, 4, 2), (1, 8, 8), (8,)]
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)


SeparableConvolution1D = SeparableConv1D
