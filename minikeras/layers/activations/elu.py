"""ELU: the exponential linear unit as a layer with its own ``alpha``."""
from minikeras import ops
from minikeras.layers.activations._checks import checked_number
from minikeras.layers.base_layer import Layer

__all__ = ["ELU"]


class ELU(Layer):
    """Exponential Linear Unit.

    ``f(x) = x`` for ``x > 0`` and ``f(x) = alpha * (exp(x) - 1)`` otherwise: smooth
    below zero, saturating at ``-alpha``.

    Args:
        alpha: float, the scale of the negative part (default 1.0).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for an ``alpha`` that is not a finite number.

    Example:
        >>> import numpy as np
        >>> ELU(alpha=2.0)(np.array([[0.0, 1.0, -50.0]])).numpy()
        array([[ 0.,  1., -2.]], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = checked_number(self, "alpha", alpha)
        self.supports_masking = True

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
