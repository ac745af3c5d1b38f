"""ThresholdedReLU: the identity above a threshold, zero at and below it."""
from minikeras import ops
from minikeras.layers.activations._checks import checked_number
from minikeras.layers.base_layer import Layer
from minikeras.tensor import Tensor

__all__ = ["ThresholdedReLU"]


class ThresholdedReLU(Layer):
    """Thresholded Rectified Linear Unit.

    ``f(x) = x`` for ``x > theta`` and ``f(x) = 0`` otherwise (note: the output jumps
    from 0 to ``theta`` at the threshold). The gradient is 1 above ``theta``, else 0.

    Args:
        theta: float, the threshold (default 1.0).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a ``theta`` that is not a finite number.

    Example:
        >>> import numpy as np
        >>> ThresholdedReLU(theta=1.0)(np.array([[0.5, 1.0, 1.5]])).numpy()
        array([[0. , 0. , 1.5]], dtype=float32)
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = checked_number(self, "theta", theta)
        self.supports_masking = True

    def call(self, inputs):
        above = (inputs.numpy() > self.theta).astype(inputs.dtype)
        return ops.multiply(inputs, Tensor(above))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}
