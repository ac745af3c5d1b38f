"""``model.summary()``: Keras 2's table of layers, output shapes and parameter counts.

A chain of layers (every Sequential model, and functional models where each layer is
called once on one input) prints three columns in 65 characters::

    _________________________________________________________________
    Layer (type)                 Output Shape              Param #
    =================================================================
    dense_1 (Dense)              (None, 32)                25120
    ...
    =================================================================
    Total params: 25,450
    Trainable params: 25,450
    Non-trainable params: 0
    _________________________________________________________________

Any other graph adds a "Connected to" column in 98 characters: for each call of the
layer, the inputs as ``layer_name[node_index][tensor_index]``.
"""
import numpy as np

from minikeras.models.training import check_trainable_weights_consistency

__all__ = ["print_summary"]


def print_summary(model, line_length=None, positions=None, print_fn=None, explain=False, expand_nested=False,
                  show_trainable=False):
    """Print the summary of ``model``.

    Args:
        model: a built model.
        line_length: the width of the table (65 or 98 by default).
        positions: where each column ends, as fractions of ``line_length`` (``[.45, .85, 1.]``
            or ``[.33, .55, .67, 1.]``) or as character positions.
        print_fn: called with each line (default ``print``); e.g. ``lines.append``.
        explain: add under each layer, indented, ``layer.explain(input_shape)`` for the
            shape it receives in this model (the padding formula, strides, ...).
        expand_nested: list the layers of a nested model under its row, marked ``| ``
            (tf.keras).
        show_trainable: add a "Trainable" column, ``Y`` or ``N`` (tf.keras).

    Raises:
        ValueError: if the model has not been built yet.
    """
    print_fn = print_fn or print
    if not model.built or not model.outputs:
        raise ValueError(
            f"Model {model.name!r} has not been built yet, so its weights do not exist and no "
            "summary can be displayed. Give the first layer an input_shape, call the model on "
            "data, or call model.build(input_shape)."
        )
    relevant_nodes = [node for nodes in model._nodes_by_depth.values() for node in nodes]
    sequential_like = _is_chain(model, relevant_nodes)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:  # tf.keras: one more column of 11 characters
        line_length += 11
        positions = list(positions) + [line_length]
        headers = headers + ["Trainable"]

    def row(fields):
        # Each field is cut at its column's end; the last character of a column is always a
        # space, so that two neighbouring fields never run into each other.
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line = (line + str(field))[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    print_fn("_" * line_length)
    row(headers)
    print_fn("=" * line_length)
    def trainable_field(layer):
        return ["Y" if layer.trainable else "N"] if show_trainable else []

    layers = model.layers
    for i, layer in enumerate(layers):
        fields = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer, relevant_nodes),
                  layer.count_params()]
        if sequential_like:
            row(fields + trainable_field(layer))
        else:
            connections = _connections(layer, relevant_nodes)
            row(fields + [connections[0] if connections else ""] + trainable_field(layer))
            for connection in connections[1:]:
                row(["", "", "", connection])
        if expand_nested and getattr(layer, "_is_model", False):
            for inner, depth in _nested_layers(layer, 1):
                inner_nodes = [node for nodes in layer._nodes_by_depth.values() for node in nodes]
                inner_fields = ["| " * depth + f"{inner.name} ({type(inner).__name__})",
                                _output_shape(inner, inner_nodes), inner.count_params()]
                row(inner_fields + ([] if sequential_like else [""]) + trainable_field(inner))
        if explain:
            for line in _explanation(layer, relevant_nodes):
                print_fn("    " + line)
        print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)

    # As Keras 2: the trainable count is what compile() collected (a layer frozen after
    # compile is still trained until the next compile, and a warning says so).
    collected = getattr(model, "_collected_trainable_weights", None)
    if collected is not None:
        check_trainable_weights_consistency(model)
    trainable = _count(collected if collected is not None else model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)


def _nested_layers(model, depth):
    """The layers of a nested model, depth first, with their nesting depth."""
    for layer in model.layers:
        yield layer, depth
        if getattr(layer, "_is_model", False):
            yield from _nested_layers(layer, depth + 1)


def _is_chain(model, relevant_nodes):
    """True when every depth has one node with at most one input and no layer is reused."""
    if getattr(model, "_is_sequential", False):
        return True
    for nodes in model._nodes_by_depth.values():
        if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].inbound_layers) > 1):
            return False
    for layer in model.layers:
        if sum(node in relevant_nodes for node in layer._inbound_nodes) > 1:
            return False
    return True


def _output_shape(layer, relevant_nodes):
    """The output shape of the layer's calls in this model, or 'multiple' if they differ."""
    shapes = [node.output_shapes for node in layer._inbound_nodes if node in relevant_nodes]
    if not shapes:
        return "multiple"
    return shapes[0] if all(shape == shapes[0] for shape in shapes) else "multiple"


def _explanation(layer, relevant_nodes):
    """The lines of ``layer.explain`` for the input shape of its first call in this model."""
    nodes = [node for node in layer._inbound_nodes if node in relevant_nodes and node.inbound_layers]
    if not nodes:
        return []
    return str(layer.explain(nodes[0].input_shapes)).splitlines()[1:]


def _connections(layer, relevant_nodes):
    # In Keras 2 a model's node 0 is the model itself (its inputs to its outputs), so its
    # first call is node 1: a nested model is printed with that numbering.
    return [
        f"{inbound.name}[{node_index + (1 if getattr(inbound, '_is_model', False) else 0)}][{tensor_index}]"
        for node in layer._inbound_nodes if node in relevant_nodes
        for inbound, node_index, tensor_index in zip(node.inbound_layers, node.node_indices, node.tensor_indices)
    ]


def _count(weights):
    return int(sum(np.prod(w.shape, dtype=np.int64) for w in weights))
