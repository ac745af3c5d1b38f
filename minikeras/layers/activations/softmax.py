"""Softmax: the softmax activation as a layer, along any axis."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import Layer

__all__ = ["Softmax"]


class Softmax(Layer):
    """Softmax activation function.

    ``f(x)_i = exp(x_i) / sum_j exp(x_j)`` along ``axis`` (computed after subtracting the
    maximum, so large inputs do not overflow): the values along that axis become
    positive and sum to 1.

    Args:
        axis: int, the axis along which the softmax normalisation is applied (default -1).
        **kwargs: base layer arguments.

    Input shape:
        Any rank >= 1. Output shape: the same.

    Raises:
        ValueError: for an ``axis`` that is not an int, or outside the input's rank.

    Example:
        >>> import numpy as np
        >>> Softmax()(np.array([[0.0, 0.0]])).numpy()
        array([[0.5, 0.5]], dtype=float32)
        >>> Softmax(axis=0)(np.log([[1.0], [3.0]])).numpy().ravel()
        array([0.25, 0.75], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"Softmax {self.name!r}: `axis` must be an int, received axis={axis!r}.")
        self.axis = int(axis)
        self.supports_masking = True

    def call(self, inputs):
        if not -inputs.ndim <= self.axis < inputs.ndim:
            raise ValueError(
                f"Softmax {self.name!r}: axis={self.axis} is out of range for an input of "
                f"rank {inputs.ndim} (shape {tuple(inputs.shape)})."
            )
        return ops.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
