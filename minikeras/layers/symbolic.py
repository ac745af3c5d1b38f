"""Symbolic tensors and the nodes of the functional graph.

The functional API describes a model before any data exists::

    x = Input(shape=(32,))          # a KerasTensor: shape (None, 32), no values
    h = Dense(16)(x)                # Dense builds its weights from (None, 32) and
    y = Dense(1)(h)                 # records a Node: "dense_1 was called on x, gave h"
    model = Model(x, y)             # walks the Nodes back from y to x

A ``KerasTensor`` is a placeholder: a shape whose batch axis is ``None``, a dtype, and its
``_keras_history = (layer, node_index, tensor_index)``: the layer that produced it, which
call of that layer (``layer._inbound_nodes[node_index]``) and which of that call's outputs.
A ``Node`` remembers one call: the input tensors, the output tensors and the extra keyword
arguments (``training=...``). It is appended to the called layer's ``_inbound_nodes`` and
to each input layer's ``_outbound_nodes``; a layer called twice (a shared layer) has two
nodes. ``Model`` turns these nodes into an ordered list and replays it on real Tensors.

Nothing here computes values: ``call_layer`` only builds the layer (its weights need the
shapes), checks ``input_spec`` and asks ``compute_output_shape`` for the output shapes.
"""
import operator

import numpy as np

from minikeras import config, dispatch, ops

__all__ = ["KerasTensor", "Node", "call_layer", "node_attribute"]


class KerasTensor:
    """A symbolic tensor of the functional API: a shape and a dtype, but no value.

    Args:
        shape: the full shape, batch axis included; ``None`` marks an unknown size.
        dtype: the dtype the values will have (default ``K.floatx()``).
        name: a readable name, ``"<layer name>:<output index>"``.
        keras_history: ``(layer, node_index, tensor_index)``, where the tensor comes from.
    """

    _is_symbolic = True

    def __init__(self, shape, dtype=None, name=None, keras_history=None):
        self.shape = tuple(None if n is None else int(n) for n in shape)
        self.dtype = np.dtype(dtype or config.floatx())
        self.name = name
        self._keras_history = keras_history

    @property
    def ndim(self):
        return len(self.shape)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"KerasTensor {self.name!r} is symbolic: it has a shape {self.shape} but no values. "
            "Symbolic tensors only flow through layers; to compute something, build a Model "
            "with Model(inputs, outputs) and call it on data (or wrap the function in a Lambda layer)."
        )

    def __len__(self):
        raise TypeError(f"KerasTensor {self.name!r} is symbolic: len() is not defined.")

    def __repr__(self):
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name!r}>"

    # Operators build graph nodes (``layers/op_layer.py``), as ``K`` functions do: ``1 + x``,
    # ``x[:, 0]``, ``-x`` between layers of a functional model. ``==`` keeps its identity
    # meaning (symbolic tensors are looked up in lists), as in tf.keras.
    def __add__(self, other):
        return dispatch.symbolic_call(ops.add, (self, other))

    def __radd__(self, other):
        return dispatch.symbolic_call(ops.add, (other, self))

    def __sub__(self, other):
        return dispatch.symbolic_call(ops.subtract, (self, other))

    def __rsub__(self, other):
        return dispatch.symbolic_call(ops.subtract, (other, self))

    def __mul__(self, other):
        return dispatch.symbolic_call(ops.multiply, (self, other))

    def __rmul__(self, other):
        return dispatch.symbolic_call(ops.multiply, (other, self))

    def __truediv__(self, other):
        return dispatch.symbolic_call(ops.divide, (self, other))

    def __rtruediv__(self, other):
        return dispatch.symbolic_call(ops.divide, (other, self))

    def __pow__(self, other):
        return dispatch.symbolic_call(ops.power, (self, other))

    def __rpow__(self, other):
        return dispatch.symbolic_call(ops.power, (other, self))

    def __matmul__(self, other):
        return dispatch.symbolic_call(ops.matmul, (self, other))

    def __rmatmul__(self, other):
        return dispatch.symbolic_call(ops.matmul, (other, self))

    def __neg__(self):
        return dispatch.symbolic_call(ops.negative, (self,))

    def __abs__(self):
        return dispatch.symbolic_call(ops.abs, (self,))

    def __getitem__(self, index):
        # Through Tensor.__getitem__, so that integer data (K.shape(x)[0]) stays integer.
        return dispatch.symbolic_call(operator.getitem, (self, index))

    # Tensor operators defined by numpy must not see a symbolic tensor as an array.
    __array_priority__ = 1000


class Node:
    """One call of ``layer`` on symbolic tensors.

    Attributes:
        outbound_layer: the layer that was called.
        input_tensors / output_tensors: lists of KerasTensors.
        inbound_layers, node_indices, tensor_indices: for each input tensor, its
            ``_keras_history`` split in three lists (Keras 2's names).
        arguments: the keyword arguments of the call (e.g. ``training``), replayed when
            the model runs.
        list_input: whether the layer was called on a list (so it is called on a list again).
        input_shapes / output_shapes: a shape, or a list of shapes for several tensors.
    """

    def __init__(self, layer, input_tensors, output_tensors, arguments=None, list_input=False):
        self.outbound_layer = layer
        self.input_tensors = list(input_tensors)
        self.output_tensors = list(output_tensors)
        self.arguments = dict(arguments or {})
        self.list_input = bool(list_input)
        self.inbound_layers = [t._keras_history[0] for t in self.input_tensors]
        self.node_indices = [t._keras_history[1] for t in self.input_tensors]
        self.tensor_indices = [t._keras_history[2] for t in self.input_tensors]
        self.input_shapes = (_unwrap([t.shape for t in self.input_tensors], self.list_input)
                             if self.input_tensors else None)
        self.output_shapes = _unwrap([t.shape for t in self.output_tensors], len(self.output_tensors) > 1)
        layer._inbound_nodes.append(self)
        for inbound in dict.fromkeys(self.inbound_layers):  # each layer once, in order
            inbound._outbound_nodes.append(self)

    def __repr__(self):
        inbound = ", ".join(f"{l.name}[{n}][{t}]" for l, n, t in
                            zip(self.inbound_layers, self.node_indices, self.tensor_indices))
        return f"<Node {self.outbound_layer.name}({inbound})>"


def call_layer(layer, inputs, *args, **kwargs):
    """Call ``layer`` on KerasTensors: build it, record a Node, return the output KerasTensor(s).

    The base ``Layer.__call__`` sends symbolic inputs here. The layer is built from the
    symbolic shapes (batch axis ``None``), its ``input_spec`` is checked, and
    ``compute_output_shape`` gives the output shapes: a list of shapes means a list of
    outputs. Keyword arguments (``training=True``) are stored on the node and passed
    again each time the model runs.
    """
    list_input = isinstance(inputs, (list, tuple))
    flat = list(inputs) if list_input else [inputs]
    for position, x in enumerate(flat):
        if not isinstance(x, KerasTensor):
            raise TypeError(
                f"Layer {layer.name!r} was called on a mix of symbolic tensors (from Input) and "
                f"concrete values: input {position} is a {type(x).__name__}. In a functional model "
                "every input of a layer must come from Input(...) or from another layer."
            )
        if x._keras_history is None:
            raise ValueError(
                f"Layer {layer.name!r}: input {position} ({x!r}) has no layer history; "
                "symbolic inputs must be created with Input(...)."
            )
    if args:
        raise TypeError(
            f"Layer {layer.name!r}: in a functional model, extra arguments must be passed by "
            f"keyword (e.g. training=True); got {len(args)} extra positional argument(s)."
        )
    if kwargs.get("mask") is not None:
        raise ValueError(
            f"Layer {layer.name!r}: an explicit mask= cannot be given in a functional model; masks "
            "are passed from layer to layer automatically when the model runs."
        )
    kwargs.pop("mask", None)

    inputs = flat if list_input else flat[0]
    layer._check_input_spec(flat)
    if not layer.built:
        layer._maybe_build(inputs)
    # The weight penalties exist as soon as the weights do (as in Keras' symbolic graph);
    # the activity penalties appear when the model runs on data.
    if not layer._losses:
        layer._record_losses([])

    shapes = [tuple(x.shape) for x in flat] if list_input else tuple(flat[0].shape)
    output_shapes = _split_shapes(layer.compute_output_shape(shapes), layer)
    node_index = len(layer._inbound_nodes)
    outputs = [
        KerasTensor(shape, dtype=layer.dtype, name=f"{layer.name}:{i}" if node_index == 0
                    else f"{layer.name}_{node_index}:{i}", keras_history=(layer, node_index, i))
        for i, shape in enumerate(output_shapes)
    ]
    Node(layer, flat, outputs, arguments=kwargs, list_input=list_input)
    return outputs if len(outputs) > 1 else outputs[0]


def node_attribute(layer, attribute, node_index=None):
    """Keras 2's ``layer.input``, ``output``, ``input_shape``, ``output_shape``.

    With ``node_index`` the value of that call of the layer; without, the layer must have
    been called once (or every call gave the same shape), otherwise the notion is
    ill-defined and, as in Keras, an ``AttributeError`` says so.
    """
    nodes = layer._inbound_nodes
    if not nodes:
        raise AttributeError(
            f"Layer {layer.name!r} has never been called on a symbolic tensor and thus has no "
            f"defined {attribute.replace('_', ' ')}."
        )
    if node_index is not None:
        if not 0 <= node_index < len(nodes):
            raise ValueError(
                f"Layer {layer.name!r}: asked for node {node_index}, but the layer has only "
                f"{len(nodes)} inbound node(s)."
            )
        return _value_of_node(nodes[node_index], attribute)
    values = [_value_of_node(node, attribute) for node in nodes]
    if attribute in ("input_shape", "output_shape"):
        if all(v == values[0] for v in values):
            return values[0]
        raise AttributeError(
            f"Layer {layer.name!r} has multiple inbound nodes with different {attribute.replace('_', ' ')}s; "
            f"the notion of its {attribute.replace('_', ' ')} is ill-defined. "
            f"Use get_{attribute}_at(node_index) instead."
        )
    if len(values) > 1:
        raise AttributeError(
            f"Layer {layer.name!r} has multiple inbound nodes, hence the notion of 'layer "
            f"{attribute}' is ill-defined. Use get_{attribute}_at(node_index) instead."
        )
    return values[0]


def _value_of_node(node, attribute):
    if attribute == "input":
        if not node.inbound_layers:  # an InputLayer: its input is its output
            return _unwrap(node.output_tensors, False)
        return _unwrap(node.input_tensors, node.list_input)
    if attribute == "output":
        return _unwrap(node.output_tensors, len(node.output_tensors) > 1)
    if attribute == "input_shape":
        return node.output_shapes if not node.inbound_layers else node.input_shapes
    return node.output_shapes


def _unwrap(items, as_list):
    return list(items) if as_list else items[0]


def _split_shapes(shape, layer):
    """A list of shapes (several outputs) or one shape, as a list of tuples."""
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [_as_shape(s, layer) for s in shape]
    return [_as_shape(shape, layer)]


def _as_shape(shape, layer):
    try:
        return tuple(None if n is None else int(n) for n in shape)
    except TypeError:
        raise TypeError(
            f"Layer {layer.name!r}: compute_output_shape must return a shape tuple (or a list of "
            f"them), got {shape!r}."
        ) from None
