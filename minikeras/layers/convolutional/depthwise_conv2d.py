"""DepthwiseConv2D: filter each input channel on its own (the first half of a separable conv)."""
from minikeras.layers.convolutional.base_conv import BaseDepthwiseConv

__all__ = ["DepthwiseConv2D"]


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2D convolution: ``depth_multiplier`` kernels per input channel, no mixing.

    ``y[n, i, j, c*dm + m] = activation(bias[c*dm + m] + sum over (ki, kj) of
    x[n, i*SH + ki*DH - PT, j*SW + kj*DW - PL, c] * depthwise_kernel[ki, kj, c, m])``

    Args:
        kernel_size: an int or a tuple of 2 ints.
        strides: an int or a tuple of 2 ints. Not with ``dilation_rate`` > 1.
        padding: ``'valid'`` or ``'same'``.
        depth_multiplier: output channels per input channel.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of 2 ints.
        activation, use_bias, bias_initializer, bias_regularizer, activity_regularizer,
        bias_constraint: see ``BaseConv`` in ``base_conv.py``.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the
            depthwise kernel (see ``BaseDepthwiseConv``).

    Weights:
        ``depthwise_kernel`` ``(kh, kw, channels, depth_multiplier)`` and ``bias``
        ``(channels * depth_multiplier,)``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, new_rows, new_cols, channels * depth_multiplier)`` or
        ``(batch, channels * depth_multiplier, new_rows, new_cols)``.

    Raises:
        ValueError: see ``BaseConv`` (``depth_multiplier`` must be a positive integer).

    Example:
        >>> import numpy as np
        >>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
        >>> layer(np.ones((1, 26, 26, 32))).shape
        (1, 26, 26, 64)
        >>> [w.shape for w in layer.get_weights()]
        [(3, 3, 32, 2), (64,)]
    """

    takes_filters = False

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, None, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)

    def _output_channels(self, input_dim):
        return None if input_dim is None else input_dim * self.depth_multiplier

    def get_config(self):
        config = super().get_config()
        del config["filters"]  # the output channels follow from the input's
        return config
