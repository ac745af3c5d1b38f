"""LocallyConnected2D: a 2-D convolution with a separate kernel at every output pixel."""
from minikeras.layers.locally_connected.base_locally_connected import BaseLocallyConnected

__all__ = ["LocallyConnected2D"]


class LocallyConnected2D(BaseLocallyConnected):
    """Locally-connected layer for 2D inputs.

    Works like ``Conv2D`` except that the weights are unshared: a different set of
    filters is applied at each pixel of the output. For channels_last::

        out[b, i, j, f] = sum_{u, v, c} x[b, i*SH + u, j*SW + v, c]
                                        * kernel[i*OC + j, (u*KW + v)*C + c, f] + bias[i, j, f]

    For channels_first the window is flattened as ``(c, u, v)`` and, as Keras 2.2.4's
    ``K.bias_add`` does, the ``(OR, OC, filters)`` bias is reshaped (not transposed) to
    ``(filters, OR, OC)`` before it is added, so that weights saved by Keras 2 give the
    same numbers.

    Args:
        filters: int > 0, the number of output channels.
        kernel_size: an int or a tuple of 2 ints, the window's height and width.
        strides: an int or a tuple of 2 ints.
        padding: only ``"valid"`` (as Keras 2).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default
            ``K.image_data_format()``).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            for ``Conv2D``.
        implementation: only 1 (``NotImplementedError`` otherwise).
        **kwargs: base layer arguments.

    Weights: ``kernel`` ``(OR * OC, KH * KW * channels, filters)``, ``bias``
    ``(OR, OC, filters)``.

    Input shape:
        ``(batch, rows, cols, channels)`` (channels_last) or ``(batch, channels, rows,
        cols)``, all sizes but the batch known.

    Output shape:
        ``(batch, OR, OC, filters)`` or ``(batch, filters, OR, OC)``.

    Raises:
        ValueError: for padding other than ``"valid"``, non-positive sizes, a kernel
            larger than the input, an input whose sizes are unknown or differ from
            build time.

    Example:
        >>> import numpy as np
        >>> layer = LocallyConnected2D(64, (3, 3), data_format="channels_last")
        >>> layer(np.zeros((1, 32, 32, 3))).shape
        (1, 30, 30, 64)
        >>> [w.shape for w in layer.weights]
        [(900, 27, 64), (30, 30, 64)]
    """

    rank = 2
