"""ActivityRegularization: an identity layer that adds a penalty on its input's size."""
from minikeras import regularizers
from minikeras.layers.base_layer import Layer

__all__ = ["ActivityRegularization"]


class ActivityRegularization(Layer):
    """Passes its input through and adds ``l1 * sum(|x|) + l2 * sum(x**2)`` to ``losses``.

    The penalty is the raw sum over the whole batch (multi-backend Keras 2), found in
    ``layer.losses`` after each call; the model adds it to the training loss.

    Args:
        l1: L1 factor (non-negative float, default 0).
        l2: L2 factor (non-negative float, default 0).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a negative or non-numeric factor.

    Example:
        >>> import numpy as np
        >>> layer = ActivityRegularization(l1=0.1)
        >>> _ = layer(np.array([[1.0, -2.0]]))
        >>> round(float(layer.losses[0]), 6)
        0.3
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):  # noqa: E741 - Keras' argument names
        super().__init__(**kwargs)
        try:
            self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        except ValueError as error:
            raise ValueError(f"ActivityRegularization {self.name!r}: {error}") from None
        self.l1 = self.activity_regularizer.l1
        self.l2 = self.activity_regularizer.l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
