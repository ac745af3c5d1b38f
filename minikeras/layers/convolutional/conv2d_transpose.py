"""Conv2DTranspose: the transposed ("de-") convolution over images, used to upsample."""
from minikeras.layers.convolutional.base_conv import BaseConvTranspose

__all__ = ["Conv2DTranspose", "Convolution2DTranspose", "Deconvolution2D", "Deconv2D"]


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2D convolution: the gradient of ``Conv2D`` with respect to its input.

    Where a strided convolution maps a large image to a small one, this layer maps the
    small one back to the large shape: every input pixel adds a copy of the kernel, scaled
    by its value, to the output at ``(i*SH + ki*DH - PT, j*SW + kj*DW - PL)``.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a tuple of 2 ints.
        strides: an int or a tuple of 2 ints: the upsampling factor. Not with
            ``dilation_rate`` > 1.
        padding: ``'valid'`` or ``'same'`` (output size ``size * stride``).
        output_padding: ``None`` or an int / tuple of 2 ints, each smaller than its stride:
            the output size becomes ``(size - 1) * stride + k_eff - 2 * pad + output_padding``
            with ``pad`` 0 (valid) or ``k_eff // 2`` (same).
        data_format: ``'channels_last'`` or ``'channels_first'``; default
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of 2 ints.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: see
            ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``kernel`` ``(kh, kw, filters, channels)`` (note: output channels first) and
        ``bias`` ``(filters,)``.

    Input shape:
        ``(batch, rows, cols, channels)`` or ``(batch, channels, rows, cols)``.

    Output shape:
        ``(batch, new_rows, new_cols, filters)`` or ``(batch, filters, new_rows, new_cols)``.

    Raises:
        ValueError: ``output_padding`` not smaller than the stride, an output that would
            be empty, and the errors of ``BaseConv``.

    Example:
        >>> import numpy as np
        >>> layer = Conv2DTranspose(16, 3, strides=2, padding="same")
        >>> layer(np.ones((1, 7, 7, 32))).shape
        (1, 14, 14, 16)
        >>> layer.kernel.shape
        (3, 3, 16, 32)
        >>> Conv2DTranspose(1, 3, strides=2, output_padding=1).compute_output_shape((None, 7, 7, 1))
        (None, 16, 16, 1)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


Convolution2DTranspose = Deconvolution2D = Deconv2D = Conv2DTranspose
