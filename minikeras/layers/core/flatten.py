"""Flatten: one feature axis per sample, ``(batch, ...) -> (batch, prod(...))``."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.utils import conv_utils

__all__ = ["Flatten"]


class Flatten(Layer):
    """Flattens every axis but the batch axis.

    With ``data_format="channels_first"`` the channel axis is first moved to the end, as
    Keras 2 does, so the features come out in the order a ``channels_last`` model gives:
    a Dense layer after Flatten then has the same weights in both layouts.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``, the layout of the input;
            default ``K.image_data_format()``.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, ...)`` of rank >= 3 (Keras 2 refuses a 2-D input: it is flat already).

    Output shape:
        ``(batch, prod(...))``.

    Raises:
        ValueError: for an unknown ``data_format``, an input of rank < 3, or unknown
            (None) non-batch sizes in ``compute_output_shape``.

    Example:
        >>> import numpy as np
        >>> Flatten()(np.zeros((2, 3, 4))).shape
        (2, 12)
        >>> x = np.arange(8.0).reshape(1, 2, 2, 2)             # (batch, channels, h, w)
        >>> Flatten(data_format="channels_first")(x).numpy()  # channel values interleaved
        array([[0., 4., 1., 5., 2., 6., 3., 7.]], dtype=float32)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self.data_format = conv_utils.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"Flatten {self.name!r}: {error}") from None
        self.input_spec = InputSpec(min_ndim=3)

    def call(self, inputs):
        if self.data_format == "channels_first":
            # (batch, channels, d1, ..., dn) -> (batch, d1, ..., dn, channels)
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return ops.flatten(inputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                f"Flatten {self.name!r}: expected an input of rank >= 3, received shape {input_shape}."
            )
        if any(n is None for n in input_shape[1:]):
            raise ValueError(
                f"Flatten {self.name!r}: the shape of the input is not fully defined (got "
                f"{input_shape[1:]}). Make sure to pass a complete `input_shape` or "
                "`batch_input_shape` argument to the first layer in your model."
            )
        return (input_shape[0], int(np.prod(input_shape[1:], dtype=np.int64)))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
