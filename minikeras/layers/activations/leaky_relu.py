"""LeakyReLU: a rectifier that lets a small slope through below zero."""
from minikeras import ops
from minikeras.layers.activations._checks import checked_number
from minikeras.layers.base_layer import Layer

__all__ = ["LeakyReLU"]


class LeakyReLU(Layer):
    """Leaky version of a Rectified Linear Unit.

    ``f(x) = x`` for ``x > 0`` and ``f(x) = alpha * x`` otherwise, so that a unit whose
    input is negative still passes a small gradient (``alpha``) back.

    Args:
        alpha: float, the slope below zero (Keras 2 default 0.3).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for an ``alpha`` that is not a finite number.

    Example:
        >>> import numpy as np
        >>> LeakyReLU(alpha=0.1)(np.array([[-2.0, 3.0]])).numpy()
        array([[-0.2,  3. ]], dtype=float32)
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = checked_number(self, "alpha", alpha)
        self.supports_masking = True

    def call(self, inputs):
        return ops.relu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
