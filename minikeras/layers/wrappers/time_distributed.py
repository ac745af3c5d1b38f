"""TimeDistributed: apply one layer to every timestep of a sequence, with shared weights."""
import inspect

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer, layer_label

__all__ = ["TimeDistributed", "Wrapper"]


class Wrapper(Layer):
    """A layer around another layer: its weights are the inner layer's; its config holds it."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: expected a Layer to wrap, received {layer!r}.")
        kwargs.setdefault("dtype", layer.dtype)
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        config = {"layer": {"class_name": type(self.layer).__name__, "config": self.layer.get_config()}}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.models.saving import deserialize_layer

        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects=custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every temporal slice of the input: ``output[:, t] = layer(inputs[:, t])``.

    The batch and time axes are merged, ``(batch * timesteps, ...)``, the layer runs once
    on that, and the result gets both axes back. The weights are the inner layer's, shared
    by all timesteps. A mask of the input is passed on unchanged.

    Args:
        layer: the layer to apply (Dense, Conv2D, ...).

    Input shape:
        ``(batch, timesteps, ...)``, rank >= 3: what ``layer`` takes, with a time axis.

    Output shape:
        ``(batch, timesteps, ...)``: what ``layer`` gives, with the time axis.

    Raises:
        ValueError: for something that is not a layer or an input of rank < 3.

    Example:
        >>> import numpy as np
        >>> from minikeras.layers import Dense
        >>> TimeDistributed(Dense(8))(np.zeros((32, 10, 16))).shape
        (32, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"{layer_label(self)}: expected an input of rank >= 3 (batch, "
                             f"timesteps, ...), received shape {input_shape}.")
        if not self.layer.built:
            self.layer.build((input_shape[0],) + input_shape[2:])
            self.layer.built = True
        self._trainable_weights = list(self.layer.trainable_weights)
        self._non_trainable_weights = list(self.layer.non_trainable_weights)
        self.input_spec = InputSpec(shape=input_shape, min_ndim=3)
        self.built = True

    def call(self, inputs, training=None):
        N, T = inputs.shape[0], inputs.shape[1]
        merged = ops.reshape(inputs, (N * T,) + tuple(inputs.shape[2:]))
        arguments = {}
        if "training" in inspect.signature(self.layer.call).parameters:
            arguments["training"] = training
        outputs = self.layer(merged, **arguments)
        self._losses.extend(self.layer.losses)
        return ops.reshape(outputs, (N, T) + tuple(outputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"{layer_label(self)}: expected an input of rank >= 3 (batch, "
                             f"timesteps, ...), received shape {input_shape}.")
        inner = self.layer.compute_output_shape((input_shape[0],) + input_shape[2:])
        return (inner[0], input_shape[1]) + tuple(inner[1:])
