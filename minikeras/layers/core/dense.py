"""Dense: the fully connected layer, ``output = activation(inputs @ kernel + bias)``."""
import numpy as np

from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.layers.base_layer import InputSpec, Layer, naming_errors
from minikeras.ops.nn import bias_activation

__all__ = ["Dense"]


class Dense(Layer):
    """Just your regular densely-connected layer.

    ``output = activation(dot(inputs, kernel) + bias)``. On an input of rank above 2 the
    layer acts on the last axis only: every position of the other axes goes through the
    same kernel (the input is seen as a matrix ``(-1, input_dim)``, multiplied, and
    given its leading axes back).

    Args:
        units: positive int, the size of the output's last axis.
        activation: activation function or its name (default: none, i.e. linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (default ``"glorot_uniform"``
            and ``"zeros"``).
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers, or None.
        kernel_constraint, bias_constraint: constraints, or None.
        **kwargs: base layer arguments (``input_shape``, ``input_dim``, ``name``, ``dtype``...).

    Weights (Keras order): ``kernel`` ``(input_dim, units)``, then ``bias`` ``(units,)``.

    Input shape:
        ``(batch, ..., input_dim)``, rank >= 2.

    Output shape:
        ``(batch, ..., units)``.

    Raises:
        ValueError: for a non-positive ``units``, an unknown activation or initializer
            name, an input of rank < 2 or with another ``input_dim`` than at build time.

    Example:
        >>> import numpy as np
        >>> layer = Dense(32, activation="relu")
        >>> layer(np.zeros((4, 16))).shape
        (4, 32)
        >>> [w.shape for w in layer.weights]
        [(16, 32), (32,)]
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(
                f"Dense {self.name!r}: `units` must be a positive integer, received {units!r}."
            )
        self.units = int(units)
        self.use_bias = bool(use_bias)
        with naming_errors(self):
            self.activation = activations.get(activation)
            self.kernel_initializer = initializers.get(kernel_initializer)
            self.bias_initializer = initializers.get(bias_initializer)
            self.kernel_regularizer = regularizers.get(kernel_regularizer)
            self.bias_regularizer = regularizers.get(bias_regularizer)
            self.kernel_constraint = constraints.get(kernel_constraint)
            self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.kernel = self.add_weight(
            "kernel", (input_dim, self.units), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.units,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        if inputs.ndim == 2:
            outputs = ops.matmul(inputs, self.kernel)
        else:
            # (batch, ..., input_dim) -> (-1, input_dim) @ kernel -> (batch, ..., units)
            rows = ops.reshape(inputs, (-1, inputs.shape[-1]))
            outputs = ops.reshape(ops.matmul(rows, self.kernel), inputs.shape[:-1] + (self.units,))
        if self.activation is activations.relu or (self.activation is activations.linear and self.use_bias):
            # The same numbers as below, in one pass over the output (and one backward).
            relu = "relu" if self.activation is activations.relu else "linear"
            return bias_activation(outputs, self.bias if self.use_bias else None, relu)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        self._input_dim(input_shape)
        if self.built:  # the kernel fixes input_dim
            self.input_spec.check(self.name, tuple(input_shape))
        return tuple(input_shape[:-1]) + (self.units,)

    def _input_dim(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            raise ValueError(
                f"Dense {self.name!r}: expected an input of rank >= 2 (batch, ..., input_dim), "
                f"received shape {input_shape}."
            )
        if input_shape[-1] is None:
            raise ValueError(
                f"Dense {self.name!r}: the last axis of the input must be known, "
                f"received shape {input_shape}."
            )
        if int(input_shape[-1]) <= 0:
            raise ValueError(
                f"Dense {self.name!r}: the last axis of the input (the features each unit "
                f"combines) must have a positive size, received shape {input_shape} whose last "
                "axis is empty."
            )
        return int(input_shape[-1])

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}
