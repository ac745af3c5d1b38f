"""Activation: apply an activation function to every element of the input."""
from minikeras import activations
from minikeras.layers.base_layer import InputSpec, Layer, naming_errors

__all__ = ["Activation"]


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: the name of an activation (``"relu"``, ``"softmax"``, ... see
            ``minikeras.activations``) or any function of one Tensor.
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for an unknown activation name.

    Example:
        >>> import numpy as np
        >>> Activation("relu")(np.array([[-1.0, 2.0]])).numpy()
        array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        with naming_errors(self):
            self.activation = activations.get(activation)
        self.supports_masking = True
        self.input_spec = InputSpec()  # any rank, but one input

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
