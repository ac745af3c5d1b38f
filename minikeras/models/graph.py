"""The graph of a functional model: which layer calls it runs, in which order, and checks.

``Model(inputs, outputs)`` walks the graph backwards from the outputs through the ``Node`` of
each layer call (see ``minikeras/layers/symbolic.py``) and gives every node a *depth*: the
output nodes have depth 0, and a node's depth is one more than the deepest node that uses
its outputs. Running the model visits the nodes from the deepest (the inputs) to depth 0, so
that every node's inputs are computed before it runs (``Model.call`` in ``functional.py``)::

    nodes, layer_order = collect_nodes(outputs)        # each node after the nodes it reads
    node_depth, layer_depth = node_depths(nodes)

Before that order is used, ``check_graph_ends`` checks the model's inputs and outputs and
``check_connected`` that every node can be computed from the inputs ("graph disconnected").
"""
from minikeras.layers.core.input_layer import InputLayer
from minikeras.layers.symbolic import KerasTensor

__all__ = ["check_graph_ends", "collect_nodes", "node_depths", "check_connected"]


def check_graph_ends(inputs, outputs, model_name):
    """Every input comes from ``Input(...)`` (once), every output from a layer call."""
    if len({id(x) for x in inputs}) != len(inputs):
        raise ValueError(
            f"Model {model_name!r}: the list of inputs is redundant: every input should "
            f"appear only once. Received: {inputs}"
        )
    for x in inputs:
        history = getattr(x, "_keras_history", None)
        if not isinstance(x, KerasTensor) or history is None or not isinstance(history[0], InputLayer):
            raise ValueError(
                f"Model {model_name!r}: input tensors to a Model must come from Input(...). "
                f"Received: {x!r}"
            )
    for x in outputs:
        if not isinstance(x, KerasTensor) or getattr(x, "_keras_history", None) is None:
            raise ValueError(
                f"Model {model_name!r}: output tensors to a Model must be the output of a layer "
                f"called on Input(...) tensors. Received: {x!r:.200}"
            )


def collect_nodes(outputs):
    """Depth-first walk back from the outputs: the nodes, each after the nodes it reads."""
    finished, in_progress, ordered = set(), set(), []
    layer_order = {}

    def visit(layer, node_index):
        node = layer._inbound_nodes[node_index]
        if node in in_progress:
            raise ValueError(f"The graph has a cycle through layer {layer.name!r}.")
        if node in finished:
            return
        layer_order.setdefault(layer, len(layer_order))
        in_progress.add(node)
        for inbound, index in zip(node.inbound_layers, node.node_indices):
            visit(inbound, index)
        in_progress.discard(node)
        finished.add(node)
        ordered.append(node)

    for x in outputs:
        layer, node_index, _ = x._keras_history
        visit(layer, node_index)
    return ordered, layer_order


def node_depths(nodes_in_order):
    """Depth 0 at the outputs; a node is one deeper than the deepest node reading it.

    A shared layer takes the largest depth of its nodes, so that it is listed once,
    before every layer that reads one of its outputs.
    """
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes_in_order):  # readers before the nodes they read
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.outbound_layer, 0))
        layer_depth[node.outbound_layer] = depth
        node_depth[node] = depth
        for inbound, index in zip(node.inbound_layers, node.node_indices):
            parent = inbound._inbound_nodes[index]
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    return node_depth, layer_depth


def check_connected(inputs, input_layers, nodes_by_depth, model_name):
    """Every node's inputs are computed by a deeper node or given as a model input."""
    computable = {id(x) for x in inputs}
    done = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for x in node.input_tensors:
                if id(x) not in computable:
                    raise ValueError(
                        f"Model {model_name!r}: graph disconnected: cannot obtain value for tensor "
                        f"{x.name!r} at layer {node.outbound_layer.name!r}. The following "
                        f"previous layers were accessed without issue: {done}"
                    )
            if not node.inbound_layers and id(node.output_tensors[0]) not in computable:
                raise ValueError(
                    f"Model {model_name!r}: graph disconnected: the outputs need the input "
                    f"{node.outbound_layer.name!r}, which is not among the model's inputs "
                    f"{[layer.name for layer in input_layers]}."
                )
            computable.update(id(x) for x in node.output_tensors)
            done.append(node.outbound_layer.name)
