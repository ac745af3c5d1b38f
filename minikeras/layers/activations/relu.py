"""ReLU: the rectifier with Keras 2's ``max_value``, ``negative_slope`` and ``threshold``."""
from minikeras import ops
from minikeras.layers.activations._checks import checked_number
from minikeras.layers.base_layer import Layer

__all__ = ["ReLU"]


class ReLU(Layer):
    """Rectified Linear Unit activation function.

    With the defaults, ``f(x) = max(x, 0)``. Otherwise::

        f(x) = max_value                          for x >= max_value
        f(x) = x                                  for threshold < x < max_value
        f(x) = negative_slope * (x - threshold)   otherwise

    (``K.relu(x, alpha=negative_slope, max_value, threshold)`` of Keras 2.) The gradient
    is 1 on the linear part, ``negative_slope`` below the threshold, 0 above ``max_value``.

    Args:
        max_value: float >= 0, or None for no upper bound.
        negative_slope: float >= 0, the slope below the threshold (default 0).
        threshold: float, where the rectifier bends (default 0).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a negative ``max_value`` or ``negative_slope``, or a setting that
            is not a number.

    Example:
        >>> import numpy as np
        >>> ReLU(max_value=6.0)(np.array([[-1.0, 3.0, 9.0]])).numpy()
        array([[0., 3., 6.]], dtype=float32)
        >>> ReLU(negative_slope=0.5, threshold=1.0)(np.array([[-1.0, 3.0]])).numpy()
        array([[-1.,  3.]], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = checked_number(self, "max_value", max_value, non_negative=True)
        self.max_value = max_value
        self.negative_slope = checked_number(self, "negative_slope", negative_slope, non_negative=True)
        self.threshold = checked_number(self, "threshold", threshold)
        self.supports_masking = True

    def call(self, inputs):
        return ops.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                        threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {"max_value": self.max_value, "negative_slope": self.negative_slope,
                  "threshold": self.threshold}
        return {**super().get_config(), **config}
