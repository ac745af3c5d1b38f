"""Conv1D: a convolution along one axis (time steps, positions in a sequence)."""
from minikeras.layers.convolutional.base_conv import BaseConv, layer_label

__all__ = ["Conv1D", "Convolution1D"]


class Conv1D(BaseConv):
    """1D convolution: each output step is a weighted sum of ``kernel_size`` input steps.

    ``y[n, t, f] = activation(bias[f] + sum_(k, c) x[n, t*s + k*d - pad, c] * kernel[k, c, f])``

    with ``s`` the stride, ``d`` the dilation and ``pad`` the zeros added before the input.

    Args:
        filters: the number of output channels.
        kernel_size: an int (or a tuple of one int): the length of the window.
        strides: an int: the step of the window. Not with ``dilation_rate`` > 1.
        padding: ``'valid'`` (no zeros), ``'same'`` (output length ``ceil(steps / strides)``)
            or ``'causal'`` (all the zeros before the input, so that ``y[t]`` never sees
            ``x[t + 1:]``, as in WaveNet; channels_last only).
        data_format: ``'channels_last'`` (default: ``(batch, steps, channels)``) or
            ``'channels_first'`` (``(batch, channels, steps)``).
        dilation_rate: an int: the spacing of the kernel's taps.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: see
            ``BaseConv`` in ``base_conv.py``.

    Weights:
        ``kernel`` ``(kernel_size, channels, filters)`` and ``bias`` ``(filters,)``.

    Input shape:
        ``(batch, steps, channels)`` (channels_last) or ``(batch, channels, steps)``.

    Output shape:
        ``(batch, new_steps, filters)`` (channels_last) or ``(batch, filters, new_steps)``.

    Raises:
        ValueError: ``padding='causal'`` with ``channels_first``, and the errors of
            ``BaseConv`` (bad arguments, wrong rank or channel count, kernel too long).

    Example:
        >>> import numpy as np
        >>> layer = Conv1D(4, 3, padding="causal", dilation_rate=2)
        >>> layer(np.ones((2, 10, 6))).shape
        (2, 10, 4)
        >>> [w.shape for w in layer.get_weights()]
        [(3, 6, 4), (4,)]
    """

    allowed_padding = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
        if self.padding == "causal" and self.data_format != "channels_last":
            raise ValueError(
                f"{layer_label(self)}: when using causal padding in `Conv1D`, `data_format` "
                f"must be 'channels_last' (temporal data). Received: data_format={self.data_format!r}."
            )


Convolution1D = Conv1D
