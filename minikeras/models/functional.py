"""The functional ``Model``: a graph of layer calls, run in topological order.

    x = Input(shape=(32,))
    y = Dense(16, activation="softmax")(x)
    model = Model(x, y)                # also Model(inputs=x, outputs=y), Model(input=x, output=y)

Building the model gives every ``Node`` of the graph (one layer call) a *depth*: 0 for the
output nodes, and the inputs deepest; ``graph.py`` holds that walk and the checks that the
graph can be run. Running the model then visits the nodes from the deepest (the inputs) to
depth 0, so that every node's inputs are computed before it runs::

    values = {input tensors: the data}
    for node in nodes by decreasing depth:
        values[node.outputs] = node.layer(values[node.inputs], **node.arguments)
    return values[model outputs]

A ``Model`` is itself a ``Layer``: it can be called on symbolic tensors (a nested model,
recorded as one node of the outer graph) or on data. Its weights are the weights of its
layers. Training (``compile``/``fit``/...) lives in ``training.py``, the config
(``get_config``/``from_config``) in ``functional_config.py``, saving in ``saving.py`` and the
summary table in ``summary.py``.
"""
import json

import numpy as np

from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.models.added_losses import AddedLosses, LossAdder
from minikeras.models.generator_training import GeneratorTrainer
from minikeras.models.functional_config import functional_config, functional_from_config
from minikeras.models.graph import check_connected, check_graph_ends, collect_nodes, node_depths
from minikeras.models.backend_function import register_function_builder
from minikeras.models.registry import register_model_class
from minikeras.models import subclassing
from minikeras.models.training import Trainer

__all__ = ["Model"]


class Model(LossAdder, GeneratorTrainer, Trainer, Layer):
    """A model made of layers: inputs and outputs of the functional API.

    Args:
        inputs: an ``Input(...)`` tensor or a list of them (Keras 2 also spells it ``input``).
        outputs: the tensor(s) computed from them (also ``output``).
        name: the model's name (default ``model_1``, ...).

    Raises:
        ValueError: when an input does not come from ``Input``, an output does not come
            from a layer, an output cannot be computed from the inputs ("graph
            disconnected"), or two layers share a name.

    Example:
        >>> from minikeras.layers.core.input_layer import Input
        >>> from minikeras.layers.core.dense import Dense
        >>> x = Input(shape=(32,))
        >>> model = Model(x, Dense(16, activation="softmax")(x))
        >>> model.output_shape
        (None, 16)
    """

    # Read by saving, summary and the config code instead of importing this class, so that
    # the models modules do not import each other in a cycle.
    _is_model = True
    _is_sequential = False

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        if "input" in kwargs and inputs is None:  # Keras 2 spelling
            inputs = kwargs.pop("input")
        if "output" in kwargs and outputs is None:
            outputs = kwargs.pop("output")
        self._init_model_state(name=name, **kwargs)
        if inputs is None and outputs is None and _own_model_class(type(self)):
            self._tracked_layers = []  # a subclassed model (see subclassing.py)
            self.built = False
            return
        if inputs is None or outputs is None:
            raise TypeError(
                f"Model {self.name!r}: both inputs and outputs are required, e.g. "
                "Model(inputs=x, outputs=y) with x = Input(shape=...). "
                f"Received inputs={inputs!r}, outputs={outputs!r}."
            )
        self._init_graph(inputs, outputs)

    def _init_model_state(self, name=None, **kwargs):
        Layer.__init__(self, name=name, **kwargs)
        self.inputs, self.outputs = [], []
        self._input_layers, self._output_layers = [], []
        self._graph_layers = []
        self._nodes_by_depth = {}
        self._network_nodes = set()
        self._execution_order = []
        self._single_input = self._single_output = True
        self._input_keys = None  # a subclassed model built from a dict: its keys (subclassing.py)
        self._last_output_masks = None
        self.supports_masking = True
        self.stop_training = False
        self.history = None
        self.optimizer = None
        self._compiled = None
        self._added = AddedLosses()  # model.add_loss / model.add_metric (added_losses.py)

    # --- building the graph ---------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        self._single_input = not isinstance(inputs, (list, tuple))
        self._single_output = not isinstance(outputs, (list, tuple))
        inputs = [inputs] if self._single_input else list(inputs)
        outputs = [outputs] if self._single_output else list(outputs)
        check_graph_ends(inputs, outputs, self.name)
        self.inputs, self.outputs = inputs, outputs
        self._input_layers = [x._keras_history[0] for x in inputs]
        self._output_layers = [x._keras_history[0] for x in outputs]

        # The graph also computes the tensors given to add_loss / add_metric.
        nodes_in_order, layer_order = collect_nodes(outputs + self._added.tensors)
        self._network_nodes = set(nodes_in_order)
        node_depth, layer_depth = node_depths(nodes_in_order)
        self._nodes_by_depth = {}
        for node, depth in node_depth.items():
            self._nodes_by_depth.setdefault(depth, []).append(node)
        # Layers by decreasing depth; among equals, in the order the walk met them (Keras 2).
        self._graph_layers = sorted(layer_depth, key=lambda l: (-layer_depth[l], layer_order[l]))
        self._execution_order = [
            node for depth in sorted(self._nodes_by_depth, reverse=True)
            for node in self._nodes_by_depth[depth] if node.inbound_layers
        ]
        check_connected(self.inputs, self._input_layers, self._nodes_by_depth, self.name)
        names = [layer.name for layer in self._graph_layers]
        for layer_name in names:
            if names.count(layer_name) > 1:
                raise ValueError(
                    f"Model {self.name!r}: the name {layer_name!r} is used {names.count(layer_name)} "
                    "times in the model. All layer names should be unique."
                )
        self.input_spec = [_spec_of(x) for x in inputs]
        self.dtype = str(outputs[0].dtype)  # the dtype of what the model returns
        self._compiled = None  # metric names depend on the outputs: resolved again when needed
        self.built = True

    # --- running the graph ----------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Run the layers in topological order on concrete Tensors (masks travel with them)."""
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        values = {id(x): value for x, value in zip(self.inputs, flat)}
        for node in self._execution_order:
            arguments = dict(node.arguments)
            arguments.setdefault("training", training)
            xs = [values[id(x)] for x in node.input_tensors]
            result = node.outbound_layer(xs if node.list_input else xs[0], **arguments)
            results = list(result) if isinstance(result, (list, tuple)) else [result]
            if len(results) != len(node.output_tensors):
                raise ValueError(
                    f"Layer {node.outbound_layer.name!r} returned {len(results)} output(s), but its "
                    f"compute_output_shape announced {len(node.output_tensors)}."
                )
            for x, value in zip(node.output_tensors, results):
                values[id(x)] = value
        self._losses.extend(self._added.record(values))
        outputs = [values[id(x)] for x in self.outputs]
        self._last_output_masks = [getattr(t, "_keras_mask", None) for t in outputs]
        return outputs[0] if self._single_output else outputs

    def compute_mask(self, inputs, mask=None):
        # The masks were computed layer by layer while the graph ran.
        masks = self._last_output_masks or [None] * len(self.outputs)
        return masks[0] if self._single_output else masks

    def compute_output_shape(self, input_shape):
        """The output shape(s) for ``input_shape``, by running the shapes through the graph
        (a subclassed model: the shapes its build found, with this batch size)."""
        if self._is_subclassed:
            if not self.outputs:
                self.build(input_shape)
            batch = (input_shape[0] if self._single_input else input_shape[0][0]) if input_shape else None
            shapes = [(batch,) + tuple(x.shape[1:]) for x in self.outputs]
            return shapes[0] if self._single_output else shapes
        shapes = [input_shape] if self._single_input else list(input_shape)
        if len(shapes) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} input shape(s), received {input_shape}."
            )
        known = {id(x): tuple(shape) for x, shape in zip(self.inputs, shapes)}
        for node in self._execution_order:
            shape_in = [known[id(x)] for x in node.input_tensors]
            shape_out = node.outbound_layer.compute_output_shape(shape_in if node.list_input else shape_in[0])
            if len(node.output_tensors) == 1:
                shape_out = [shape_out]
            for x, shape in zip(node.output_tensors, shape_out):
                known[id(x)] = tuple(shape)
        result = [known[id(x)] for x in self.outputs]
        return result[0] if self._single_output else result

    def build(self, input_shape=None):
        """A functional model is built when it is created; a subclassed model runs its
        ``call`` once on zeros of ``input_shape`` (batch axis first)."""
        if self._is_subclassed and not self.outputs:
            if input_shape is None:
                raise ValueError(f"Model {self.name!r}: build() needs an input_shape, e.g. (None, 784).")
            subclassing.build_from_shapes(self, input_shape)
        self.built = True

    @property
    def _is_subclassed(self):
        return "_tracked_layers" in self.__dict__

    def __setattr__(self, name, value):
        # A subclassed model's layers are the ones assigned to its attributes (Keras 2).
        if name != "_tracked_layers" and _own_model_class(type(self)) and not name.startswith("_"):
            subclassing.track_layer_attribute(self, value)
        super().__setattr__(name, value)

    def _to_tensors(self, inputs):
        """Data for the model: each input takes its Input's dtype (not the model's)."""
        if isinstance(inputs, dict) and self._is_subclassed and (not self.outputs or getattr(self, "_input_keys", None)):
            return {key: self._to_tensor(value) for key, value in inputs.items()}  # call() takes the dict
        if isinstance(inputs, dict):
            inputs = self._inputs_from_dict(inputs)
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self._input_layers):
            return Layer._to_tensors(self, inputs)  # the input spec check reports the count
        tensors = [layer._to_tensor(x) for layer, x in zip(self._input_layers, flat)]
        return tensors if isinstance(inputs, (list, tuple)) else tensors[0]

    def _inputs_from_dict(self, data):
        missing = [name for name in self.input_names if name not in data]
        if missing:
            raise ValueError(
                f"Model {self.name!r}: no data provided for input(s) {missing}. "
                f"Need data for each key in: {self.input_names}"
            )
        values = [data[name] for name in self.input_names]
        return values[0] if self._single_input else values

    # --- what the model is made of ---------------------------------------------------------
    @property
    def layers(self):
        """The layers in topological order (input layers first, as in Keras 2); for a
        subclassed model, the layers assigned to it, in that order."""
        if self._is_subclassed:
            return list(self._tracked_layers)
        return list(self._graph_layers)

    @property
    def input_names(self):
        if self._is_subclassed:
            return [x.name for x in self.inputs]
        return [layer.name for layer in self._input_layers]

    @property
    def output_names(self):
        """The output layers' names; a layer giving several outputs adds ``_1``, ``_2``, ..."""
        if self._is_subclassed:
            return [x.name for x in self.outputs]
        names, counts = [], {}
        for layer in self._output_layers:
            name = layer.name
            while name in names:
                counts[layer.name] = counts.get(layer.name, 0) + 1
                name = f"{layer.name}_{counts[layer.name]}"
            names.append(name)
        return names

    @property
    def input(self):
        self._require_graph("input")
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        self._require_graph("output")
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def input_shape(self):
        self._require_graph("input_shape")
        shapes = [tuple(x.shape) for x in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        self._require_graph("output_shape")
        shapes = [tuple(x.shape) for x in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _require_graph(self, what):
        if not self.outputs:
            raise AttributeError(
                f"Model {self.name!r} has no {what} yet: it has not been built. Give the first "
                "layer an input_shape, or call the model on data (or model.build(input_shape))."
            )

    def get_layer(self, name=None, index=None):
        """A layer by its name or by its index in ``model.layers``."""
        if index is not None:
            if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
                raise TypeError(
                    f"Model {self.name!r}: get_layer(index=...) expects an integer, received "
                    f"{type(index).__name__}: {index!r}."
                )
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Model {self.name!r}: was asked to retrieve the layer at index {index}, but the "
                    f"model only has {len(self.layers)} layers."
                )
            return self.layers[index]
        if not name:
            raise ValueError(f"Model {self.name!r}: provide either a layer name or a layer index.")
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"Model {self.name!r}: no such layer: {name!r}. "
            f"The layers are: {[layer.name for layer in self.layers]}"
        )

    # --- weights and losses ----------------------------------------------------------------
    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        own = list(self._trainable_weights)  # add_weight on a subclassed model itself
        return _unique(own + [w for layer in self.layers for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self):
        weights = list(self._non_trainable_weights) + [w for layer in self.layers for w in layer.non_trainable_weights]
        if not self.trainable:
            weights = list(self._trainable_weights) + [w for layer in self.layers for w in layer.trainable_weights] + weights
        return _unique(weights)

    def get_weights(self):
        """The weights of every layer, layer after layer, each in Keras' order (Keras 2)."""
        return [np.array(w.numpy()) for w in self._ordered_weights()]

    def set_weights(self, weights):
        """Set every weight from a list in the order of ``get_weights``; all checked first."""
        params = self._ordered_weights()
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Model {self.name!r}: set_weights expected a list of {len(params)} arrays, "
                f"but received {len(weights)}."
            )
        self._assign_checked(f"Model {self.name!r}", params, weights, owners=self._weight_owners())

    def _ordered_weights(self):
        return [weight for weight, _ in self._weights_with_owners()]

    def _weight_owners(self):
        """The name of the layer that holds each weight of ``_ordered_weights``."""
        return [owner for _, owner in self._weights_with_owners()]

    def _weights_with_owners(self):
        pairs, seen = [], set()
        for layer in self.layers:
            nested = layer._weights_with_owners() if isinstance(layer, Model) else [(w, layer.name) for w in layer.weights]
            for weight, owner in nested:
                if id(weight) not in seen:
                    seen.add(id(weight))
                    pairs.append((weight, owner))
        for weight in self._trainable_weights + self._non_trainable_weights:  # a subclassed model's own
            if id(weight) not in seen:
                seen.add(id(weight))
                pairs.append((weight, self.name))
        return pairs

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on model {self.name!r}, but it isn't built yet. "
                "Give its first layer an input_shape, or call it on data first."
            )
        return int(sum(np.prod(w.shape, dtype=np.int64) for w in self.weights))

    @property
    def losses(self):
        """The penalties of every layer (weight and activity regularizers) from the last run,
        and the losses added with ``add_loss`` (callables are called now)."""
        losses = list(self._losses)
        for layer in self.layers:
            losses.extend(layer.losses)
        return losses + self._added.callable_losses(self.name)

    # --- configuration and saving -----------------------------------------------------------
    def get_config(self):
        """Keras 2's functional config: the layers, how each was called, inputs and outputs."""
        if self._is_subclassed:
            subclassing.refuse_config(self, "get_config()")
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """Rebuild a model from ``get_config()``: create each layer, then replay its calls."""
        return functional_from_config(cls, config, custom_objects=custom_objects, safe_mode=safe_mode)

    def to_json(self, **kwargs):
        """The model's architecture (no weights) as a JSON string; see ``models.model_from_json``."""
        from minikeras.models.saving import model_to_dict

        if self._is_subclassed:
            subclassing.refuse_config(self, "to_json()")
        return json.dumps(model_to_dict(self), **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Save architecture, weights and optimizer in one file (see ``models/saving.py``)."""
        from minikeras.models.saving import save_model

        if self._is_subclassed:
            subclassing.refuse_config(self, "save()")
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights only, at exactly ``filepath`` (an ``.npz`` archive)."""
        from minikeras.models.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False):
        """Load weights saved by ``save_weights`` or ``save``; nothing changes if any fails."""
        from minikeras.models.saving import load_weights

        if self._is_subclassed and not self.outputs:
            raise ValueError(
                f"Model {self.name!r} is a subclassed model that is not built yet, so its weights "
                "do not exist: call it on data (or fit, or model.build(input_shape)) before load_weights."
            )
        load_weights(self, filepath, by_name=by_name)

    def summary(self, line_length=None, positions=None, print_fn=None, explain=False, expand_nested=False,
                show_trainable=False):
        """Print Keras 2's summary table; ``print_fn`` receives each line.

        ``explain=True`` adds under each layer how its output shape follows from its input
        (``layer.explain``); ``expand_nested`` lists the layers of nested models and
        ``show_trainable`` adds a Trainable column (tf.keras).
        """
        from minikeras.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      explain=explain, expand_nested=expand_nested, show_trainable=show_trainable)


register_model_class("Model", Model)
register_function_builder(Model)  # K.function(inputs, outputs) runs a Model (backend_function.py)
register_model_class("Functional", Model)  # tf.keras' name for a functional model


def _own_model_class(cls):
    """A subclass with its own ``call`` (Keras 2), or with its own ``train_step`` and no
    ``call`` at all (a Keras 3 GAN): its layers are its attributes (see subclassing.py)."""
    from minikeras.models.custom_steps import StepsMixin

    return cls.call is not Model.call or cls.train_step is not StepsMixin.train_step


def _spec_of(x):
    """An InputSpec checking rank and every known size except the batch axis."""
    axes = {axis: size for axis, size in enumerate(x.shape) if axis > 0 and size is not None}
    return InputSpec(ndim=len(x.shape), axes=axes)


def _unique(items):
    seen, result = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result
