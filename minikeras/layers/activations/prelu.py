"""PReLU: a leaky rectifier whose slope below zero is learned, one slope per unit."""
import numpy as np

from minikeras import constraints, initializers, ops, regularizers
from minikeras.layers.base_layer import InputSpec, Layer, naming_errors

__all__ = ["PReLU"]


class PReLU(Layer):
    """Parametric Rectified Linear Unit.

    ``f(x) = x`` for ``x > 0`` and ``f(x) = alpha * x`` otherwise, where ``alpha`` is a
    weight with the shape of one sample (``input_shape[1:]``), learned like any other.
    ``shared_axes`` makes the slopes shared along some axes: for feature maps
    ``(batch, height, width, channels)``, ``shared_axes=[1, 2]`` learns one slope per
    channel (``alpha`` of shape ``(1, 1, channels)``).

    The rule is written ``relu(x) - alpha * relu(-x)``, so that ``d f / d alpha = min(x, 0)``.

    Args:
        alpha_initializer: initializer of the slopes (default ``"zeros"``: a ReLU at first).
        alpha_regularizer: regularizer of the slopes, or None.
        alpha_constraint: constraint of the slopes, or None.
        shared_axes: an int or a list of ints, the axes (1 = the first after the batch)
            along which one slope is shared; None for a slope per element.
        **kwargs: base layer arguments.

    Weights: ``alpha`` of shape ``input_shape[1:]`` with the shared axes set to 1.

    Input shape:
        Any rank >= 2. Output shape: the same.

    Raises:
        ValueError: for a ``shared_axes`` entry that is not a positive int, or that is
            not an axis of the input; for an input with another shape than at build time.

    Example:
        >>> import numpy as np
        >>> layer = PReLU(alpha_initializer="ones", shared_axes=[1, 2])
        >>> layer(np.full((2, 4, 4, 3), -1.0)).shape
        (2, 4, 4, 3)
        >>> layer.weights[0].shape
        (1, 1, 3)
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        with naming_errors(self):
            self.alpha_initializer = initializers.get(alpha_initializer)
            self.alpha_regularizer = regularizers.get(alpha_regularizer)
            self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ValueError(
                    f"PReLU {self.name!r}: `shared_axes` must be an int or a list of ints >= 1 "
                    f"(axis 0 is the batch), received shared_axes={shared_axes!r}."
                )
            self.shared_axes = [int(a) for a in axes]
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)
        self.alpha = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis >= len(input_shape):
                raise ValueError(
                    f"PReLU {self.name!r}: shared axis {axis} is not an axis of the input "
                    f"(expected axes 1..{len(input_shape) - 1}), received an input of shape {input_shape}."
                )
            param_shape[axis - 1] = 1
        if any(n is None for n in param_shape):
            raise ValueError(
                f"PReLU {self.name!r}: every axis of the input that is not shared must have a known "
                f"size, received input shape {input_shape} (shared_axes={self.shared_axes})."
            )
        self.alpha = self.add_weight(
            "alpha", param_shape, initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
        )
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
        return {**super().get_config(), **config}
