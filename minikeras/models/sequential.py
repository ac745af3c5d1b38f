"""Sequential: a plain stack of layers, each taking the previous one's output.

    model = Sequential([Dense(32, activation="relu", input_shape=(784,)), Dense(10)])
    model.add(Activation("softmax"))

A Sequential model is a functional ``Model`` whose graph is a chain: as soon as the input
shape is known (``input_shape=``/``input_dim=``/``batch_input_shape=`` on the first layer,
or an ``Input``/``InputLayer`` added first) an ``Input`` is created and each added layer is
called on the previous output. Without an input shape the model stays *deferred*: layers
are kept in a list and the graph is built the first time the model sees data (a call,
``fit``, ``predict``) or ``model.build(input_shape)``.
"""
import warnings

import numpy as np

from minikeras.layers.base_layer import Layer
from minikeras.layers.core.input_layer import Input, InputLayer
from minikeras.layers.symbolic import KerasTensor
from minikeras.models.functional import Model
from minikeras.models.registry import deserialize_layer, register_model_class

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers to add, in order.
        name: the model's name (default ``sequential_1``, ...).

    Raises:
        TypeError: when something that is not a layer is added.
        ValueError: when a layer has several outputs, or an input layer comes after others.

    Example:
        >>> from minikeras.layers.core.dense import Dense
        >>> model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
        >>> model.output_shape
        (None, 2)
    """

    _is_sequential = True

    def __init__(self, layers=None, name=None, **kwargs):
        self._init_model_state(name=name, **kwargs)
        self._stack = []            # the added layers (an explicit InputLayer excluded)
        self._stack_outputs = []    # the symbolic output of each, once the graph exists
        self._input_tensor = None   # the Input the chain starts from
        self._explicit_input = False
        self.built = False
        for layer in layers or []:
            self.add(layer)

    # --- adding and removing layers ----------------------------------------------------------
    def add(self, layer):
        """Append a layer (or an ``Input`` tensor / ``InputLayer`` as the very first thing)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential {self.name!r}: the added layer must be an instance of class Layer. "
                f"Found: {layer!r:.100}"
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ValueError(
                    f"Sequential {self.name!r}: an InputLayer (or Input) can only be added first; "
                    f"the model already has layers {[l.name for l in self._stack]}."
                )
            self._input_tensor = layer._inbound_nodes[0].output_tensors[0]
            self._explicit_input = True
            self._rebuild_graph()
            return
        previous = self._stack_outputs[-1] if self._stack_outputs else self._input_tensor
        if previous is None and not self._stack and _batch_input_shape_of(layer) is not None:
            previous = Input(batch_shape=_batch_input_shape_of(layer), dtype=layer.dtype,
                             name=f"{layer.name}_input")
        if previous is None:  # deferred: the graph is built when the input shape is known
            self._stack.append(layer)
            if len(self._stack) == 1:
                self.dtype = layer.dtype  # data given to a deferred model takes this dtype
            return
        output = self._call_in_chain(layer, previous)  # may raise: nothing is changed yet
        if self._input_tensor is None:
            self._input_tensor = previous
        self._stack.append(layer)
        self._stack_outputs.append(output)
        try:
            self._rebuild_graph()
        except ValueError:  # e.g. a duplicate layer name: leave the model as it was
            self._stack.pop()
            self._stack_outputs.pop()
            if not self._stack and not self._explicit_input:
                self._input_tensor = None
            self._rebuild_graph()
            raise

    def pop(self):
        """Remove the last layer."""
        if not self._stack:
            raise TypeError(f"Sequential {self.name!r}: there are no layers in the model.")
        layer = self._stack.pop()
        if self._stack_outputs:
            output = self._stack_outputs.pop()
            node = output._keras_history[0]._inbound_nodes[output._keras_history[1]]
            for inbound in node.inbound_layers:
                if node in inbound._outbound_nodes:
                    inbound._outbound_nodes.remove(node)
        if not self._stack and not self._explicit_input:
            self._input_tensor = None
        self._rebuild_graph()
        return layer

    def predict_proba(self, x, batch_size=32, verbose=0):
        """The model's outputs for ``x``, which should be probabilities (Keras 2 Sequential).

        Same as ``predict``; warns when an output falls outside [0, 1].
        """
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if np.min(probabilities) < 0.0 or np.max(probabilities) > 1.0:
            warnings.warn(f"Sequential {self.name!r}: predict_proba returned values outside "
                          "[0, 1]; is the last activation a softmax or a sigmoid?")
        return probabilities

    def predict_classes(self, x, batch_size=32, verbose=0):
        """The predicted class of each sample (Keras 2 Sequential), an integer array.

        With more than one output unit: the index of the largest output, shape ``(n,)``.
        With one (a sigmoid): ``1`` where the output is above 0.5, else ``0``, shape ``(n, 1)``.

        Example:
            >>> from minikeras.layers import Dense
            >>> model = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
            >>> model.predict_classes(np.zeros((4, 2), "float32")).shape
            (4,)
        """
        outputs = self.predict(x, batch_size=batch_size, verbose=verbose)
        if outputs.shape[-1] > 1:
            return outputs.argmax(axis=-1)
        return (outputs > 0.5).astype("int32")

    def build(self, input_shape=None):
        """Create the graph for inputs of shape ``input_shape`` (batch axis first)."""
        if self._input_tensor is not None:
            self.built = bool(self.outputs)
            return
        if input_shape is None:
            raise ValueError(
                f"Sequential {self.name!r}: build() needs an input_shape (with the batch axis "
                "first, e.g. (None, 784)), or give the first layer an input_shape."
            )
        if not self._stack:
            raise ValueError(f"Sequential {self.name!r}: cannot build a model without layers.")
        first = self._stack[0]
        self._input_tensor = Input(batch_shape=tuple(input_shape), dtype=first.dtype,
                                   name=f"{first.name}_input")
        previous = self._input_tensor
        for layer in self._stack:
            previous = self._call_in_chain(layer, previous)
            self._stack_outputs.append(previous)
        self._rebuild_graph()

    def _call_in_chain(self, layer, previous):
        output = layer(previous)
        if isinstance(output, (list, tuple)):
            raise ValueError(
                f"Sequential {self.name!r}: all layers in a Sequential model should have a single "
                f"output tensor; layer {layer.name!r} returns {len(output)}. For multi-output "
                "layers, use the functional API."
            )
        return output

    def _rebuild_graph(self):
        if self._input_tensor is None:
            self.inputs, self.outputs, self._graph_layers = [], [], []
            self.input_spec = None
            self.built = False
            return
        output = self._stack_outputs[-1] if self._stack_outputs else self._input_tensor
        self._init_graph(self._input_tensor, output)

    # --- what the model is made of -------------------------------------------------------------
    @property
    def layers(self):
        """The added layers, in order (the input layer is not listed, as in Keras 2)."""
        return list(self._stack)

    @property
    def output_names(self):
        if self.outputs:
            return super().output_names
        return [self._stack[-1].name] if self._stack else []

    def _maybe_build(self, inputs):
        if not self.outputs:
            shape = tuple(inputs.shape) if not isinstance(inputs, list) else tuple(inputs[0].shape)
            self.build((None,) + shape[1:])
        self.built = True

    # --- configuration --------------------------------------------------------------------------
    def get_config(self):
        """``{"name": ..., "layers": [{"class_name": ..., "config": ...}, ...]}``.

        When the input shape is not stored in the first layer's config (the model was built
        from data or started with an Input), an ``InputLayer`` entry comes first.
        """
        layer_configs = []
        if self._input_tensor is not None and (self._explicit_input or not self._stack
                                               or self._stack[0]._batch_input_shape is None):
            input_layer = self._input_tensor._keras_history[0]
            layer_configs.append({"class_name": "InputLayer", "config": input_layer.get_config()})
        for layer in self._stack:
            layer_configs.append({"class_name": type(layer).__name__, "config": layer.get_config()})
        return {"name": self.name, "layers": layer_configs}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """Rebuild from ``get_config()`` (also accepts Keras 2.2's plain list of layers)."""
        if isinstance(config, list):
            name, layer_configs = None, config
        else:
            name, layer_configs = config.get("name"), config["layers"]
        model = cls(name=name)
        for layer_config in layer_configs:
            model.add(deserialize_layer(layer_config, custom_objects=custom_objects, safe_mode=safe_mode))
        return model


def _batch_input_shape_of(layer):
    """The input shape a first layer announces: its ``input_shape`` or, for a model, its input's."""
    if isinstance(layer, Model):
        return tuple(layer.inputs[0].shape) if len(layer.inputs) == 1 else None
    return layer._batch_input_shape


register_model_class("Sequential", Sequential)
