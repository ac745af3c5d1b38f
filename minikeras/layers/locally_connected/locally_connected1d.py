"""LocallyConnected1D: a 1-D convolution with a separate kernel at every output step."""
from minikeras.layers.locally_connected.base_locally_connected import BaseLocallyConnected

__all__ = ["LocallyConnected1D"]


class LocallyConnected1D(BaseLocallyConnected):
    """Locally-connected layer for 1D inputs.

    Works like ``Conv1D`` except that the weights are unshared: a different set of
    filters is applied at each step of the output::

        out[b, t, f] = sum_{k, c} x[b, t * stride + k, c] * kernel[t, k * channels + c, f] + bias[t, f]

    Args:
        filters: int > 0, the number of output channels.
        kernel_size: an int or a tuple of 1 int, the window length.
        strides: an int or a tuple of 1 int, the step of the window.
        padding: only ``"valid"`` (as Keras 2).
        data_format: ``"channels_last"`` (``(batch, steps, channels)``, the default) or
            ``"channels_first"`` (``(batch, channels, steps)``). Keras 2.2.4 accepted
            and ignored it for the 1-D layer (always channels_last); minikeras honours it
            as tf.keras does (the window is then flattened as ``(channels, kernel_size)``).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            for ``Conv1D``.
        implementation: only 1 (``NotImplementedError`` otherwise).
        **kwargs: base layer arguments.

    Weights: ``kernel`` ``(output_length, kernel_size * channels, filters)``, ``bias``
    ``(output_length, filters)``.

    Input shape:
        ``(batch, steps, channels)`` with ``steps`` and ``channels`` known.

    Output shape:
        ``(batch, new_steps, filters)``, ``new_steps = (steps - kernel_size) // strides + 1``.

    Raises:
        ValueError: for padding other than ``"valid"``, non-positive sizes, a kernel
            longer than the input, an input whose steps or channels are unknown or
            differ from build time.

    Example:
        >>> import numpy as np
        >>> layer = LocallyConnected1D(64, 3)
        >>> layer(np.zeros((2, 10, 32))).shape
        (2, 8, 64)
        >>> [w.shape for w in layer.weights]
        [(8, 96, 64), (8, 64)]
    """

    rank = 1
