"""Conv3DTranspose: the transposed convolution over volumes."""
from minikeras.layers.convolutional.base_conv import BaseConvTranspose

__all__ = ["Conv3DTranspose", "Deconvolution3D", "Deconv3D"]


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3D convolution: the gradient of ``Conv3D`` with respect to its input.

    As ``Conv2DTranspose`` with a third spatial axis.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a tuple of 3 ints.
        strides: an int or a tuple of 3 ints. Not with ``dilation_rate`` > 1.
        padding: ``'valid'`` or ``'same'``.
        output_padding: ``None`` or an int / tuple of 3 ints, each smaller than its stride.
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of 3 ints.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: see
            ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``kernel`` ``(kd, kh, kw, filters, channels)`` and ``bias`` ``(filters,)``.

    Input shape:
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.

    Output shape:
        ``(batch, new_d1, new_d2, new_d3, filters)`` or ``(batch, filters, new_d1, ...)``.

    Raises:
        ValueError: as ``Conv2DTranspose``.

    Example:
        >>> import numpy as np
        >>> layer = Conv3DTranspose(2, 2, strides=2)
        >>> layer(np.ones((1, 2, 3, 4, 5))).shape
        (1, 4, 6, 8, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            3, filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


Deconvolution3D = Deconv3D = Conv3DTranspose
