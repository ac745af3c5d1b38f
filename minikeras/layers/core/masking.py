"""Masking: mark the timesteps whose features all equal ``mask_value`` as padding."""
import numpy as np

from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.tensor import Tensor

__all__ = ["Masking"]


class Masking(Layer):
    """Masks the timesteps in which every feature equals ``mask_value``.

    A timestep is kept when any of its features differs from ``mask_value``. The output
    is the input with the masked timesteps set to 0, and it carries the boolean mask
    ``(batch, timesteps)`` (``output._keras_mask``) that the next layers receive.

    Args:
        mask_value: the padding value (default 0).
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, timesteps, features)`` (any rank >= 2: the mask drops the last axis).

    Output shape:
        The same; ``compute_mask`` gives a boolean NumPy array of the shape without the
        last axis.

    Raises:
        ValueError: for a ``mask_value`` that is not a number, or an input of rank < 2.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
        >>> y = Masking(mask_value=0.0)(x)
        >>> y._keras_mask
        array([[ True, False,  True]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float, np.integer, np.floating)):
            raise ValueError(
                f"Masking {self.name!r}: `mask_value` must be a number, received {mask_value!r}."
            )
        self.mask_value = float(mask_value)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def _keep(self, inputs, keepdims):
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1, keepdims=keepdims)

    def call(self, inputs):
        keep = self._keep(inputs, keepdims=True)
        return inputs * Tensor(keep.astype(inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs, keepdims=False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
