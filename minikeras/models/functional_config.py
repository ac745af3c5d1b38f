"""A functional model as a config (Keras 2's layout) and back: ``get_config``/``from_config``.

The config lists every layer with the calls that make the graph, e.g. for
``Model(x, Dense(2)(x))``::

    {"name": "model_1",
     "layers": [{"name": "input_1", "class_name": "InputLayer", "config": {...},
                 "inbound_nodes": []},
                {"name": "dense_1", "class_name": "Dense", "config": {...},
                 "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
     "input_layers": [["input_1", 0, 0]],
     "output_layers": [["dense_1", 0, 0]]}

``inbound_nodes`` has one list per call of the layer, holding ``[layer name, node index,
tensor index, call kwargs]`` for each tensor the call read. A node index counts only the
calls that belong to this model (a shared layer may have been called elsewhere too). As in
Keras 2, the calls of a nested model are counted from 1: Keras 2 gives every model a node 0
of its own (its inputs to its outputs), so that configs written by Keras 2 load here.
Rebuilding creates each layer from its config, then replays the calls in passes: a call runs
as soon as every tensor it reads exists.
"""
import json

from minikeras.models.registry import deserialize_layer

__all__ = ["functional_config", "functional_from_config"]


def functional_config(model):
    """Keras 2's functional config: the layers, how each was called, inputs and outputs."""
    node_index_in_model = {}  # (layer, global node index) -> index among this model's nodes
    for layer in model.layers:
        kept = _first_call_index(layer)
        for index, node in enumerate(layer._inbound_nodes):
            if node in model._network_nodes:
                node_index_in_model[(id(layer), index)] = kept
                kept += 1
    layer_configs = []
    for layer in model.layers:
        inbound_nodes = []
        for node in layer._inbound_nodes:
            if node not in model._network_nodes or not node.inbound_layers:
                continue
            inbound_nodes.append([
                [inbound.name, node_index_in_model[(id(inbound), index)], tensor_index,
                 _jsonable(node.arguments)]
                for inbound, index, tensor_index in
                zip(node.inbound_layers, node.node_indices, node.tensor_indices)
            ])
        layer_configs.append({
            "name": layer.name,
            "class_name": type(layer).__name__,
            "config": layer.get_config(),
            "inbound_nodes": inbound_nodes,
        })

    def ends(tensors):
        return [[layer.name, node_index_in_model[(id(layer), index)], tensor_index]
                for layer, index, tensor_index in (x._keras_history for x in tensors)]

    return {
        "name": model.name,
        "layers": layer_configs,
        "input_layers": ends(model.inputs),
        "output_layers": ends(model.outputs),
    }


def functional_from_config(cls, config, custom_objects=None, safe_mode=True):
    """Rebuild a model of class ``cls`` from a config: create each layer, then replay its calls."""
    _check_config(config)
    layers = {}
    pending = []  # (layer, list of inbound-node data) in config order
    for layer_data in config["layers"]:
        layer = deserialize_layer(
            {"class_name": layer_data["class_name"], "config": layer_data["config"]},
            custom_objects=custom_objects, safe_mode=safe_mode,
        )
        layers[layer_data["name"]] = layer
        pending.append((layer, list(layer_data.get("inbound_nodes", []))))
    # Replay the calls in passes: a call runs once all the tensors it reads exist.
    while any(nodes for _, nodes in pending):
        progressed = False
        for layer, nodes in pending:
            while nodes and _replay_call(layer, nodes[0], layers):
                nodes.pop(0)
                progressed = True
        if not progressed:
            stuck = [layer.name for layer, nodes in pending if nodes]
            raise ValueError(f"Model config {config.get('name')!r}: cannot rebuild the calls of {stuck}.")

    def tensors(ends):
        return [_output_of(layers, name, node_index, tensor_index)
                for name, node_index, tensor_index in ends]

    inputs, outputs = tensors(config["input_layers"]), tensors(config["output_layers"])
    return cls(inputs=inputs[0] if len(inputs) == 1 else inputs,
               outputs=outputs[0] if len(outputs) == 1 else outputs,
               name=config.get("name"))


def _check_config(config):
    """The layout above, checked before anything is built: a clear ValueError, not a KeyError."""
    def malformed(detail):
        name = config.get("name") if isinstance(config, dict) else None
        return ValueError(f"Model config {name!r} is malformed: {detail}.")

    def is_end(entry, length):
        return (isinstance(entry, (list, tuple)) and len(entry) >= length and isinstance(entry[0], str)
                and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in entry[1:3]))

    if not isinstance(config, dict):
        raise malformed(f"expected a dict, found {type(config).__name__}")
    for key in ("layers", "input_layers", "output_layers"):
        if not isinstance(config.get(key), list):
            raise malformed(f"{key!r} should be a list, found {config.get(key)!r:.80}")
    for layer_data in config["layers"]:
        if not isinstance(layer_data, dict) or not isinstance(layer_data.get("name"), str) \
                or "class_name" not in layer_data or "config" not in layer_data:
            raise malformed(f"a layer entry needs 'name', 'class_name' and 'config': {layer_data!r:.100}")
        nodes = layer_data.get("inbound_nodes", [])
        if not isinstance(nodes, list) or not all(
                isinstance(node, list) and node and all(is_end(e, 3) for e in node) for node in nodes):
            raise malformed(f"layer {layer_data['name']!r} has inbound_nodes that are not lists of "
                            f"[layer name, node index, tensor index, kwargs]: {nodes!r:.100}")
        for node in nodes:
            for entry in node:
                if len(entry) > 3 and not isinstance(entry[3], dict):
                    raise malformed(f"layer {layer_data['name']!r}: call arguments must be a dict, found {entry[3]!r:.60}")
    for key in ("input_layers", "output_layers"):
        if not config[key] or not all(is_end(e, 3) for e in config[key]):
            raise malformed(f"{key!r} should list [layer name, node index, tensor index], found {config[key]!r:.100}")


def _replay_call(layer, node_data, layers):
    """Call ``layer`` as one node of a saved config says, if its inputs exist; True if done."""
    inputs, arguments = [], {}
    for name, node_index, tensor_index, *rest in node_data:
        inbound = layers.get(name)
        if inbound is None:
            raise ValueError(f"Model config: layer {layer.name!r} reads from unknown layer {name!r}.")
        nodes = inbound._inbound_nodes
        node_index -= _first_call_index(inbound)
        if node_index >= len(nodes):
            return False
        if node_index < 0:
            raise ValueError(f"Model config: layer {layer.name!r} reads a call of {name!r} that does not exist.")
        inputs.append(_tensor_of(nodes[node_index], name, tensor_index))
        arguments = rest[0] if rest else {}
    layer(inputs if len(inputs) > 1 else inputs[0], **arguments)
    return True


def _output_of(layers, name, node_index, tensor_index):
    if name not in layers:
        raise ValueError(f"Model config: unknown layer {name!r} among the model's inputs or outputs.")
    nodes = layers[name]._inbound_nodes
    position = node_index - _first_call_index(layers[name])
    if not 0 <= position < len(nodes):
        raise ValueError(f"Model config: layer {name!r} has no call #{node_index} (it has {len(nodes)}).")
    return _tensor_of(nodes[position], name, tensor_index)


def _first_call_index(layer):
    """The config's index of the first call of ``layer``: 1 for a model (Keras 2), else 0."""
    return 1 if getattr(layer, "_is_model", False) else 0


def _tensor_of(node, name, tensor_index):
    if tensor_index >= len(node.output_tensors):
        raise ValueError(
            f"Model config: layer {name!r} gives {len(node.output_tensors)} output(s), but the "
            f"config asks for output #{tensor_index}."
        )
    return node.output_tensors[tensor_index]


def _jsonable(arguments):
    try:
        json.dumps(arguments)
    except TypeError:
        raise ValueError(
            f"A layer was called with keyword arguments {arguments!r} that cannot be saved in a "
            "config (only JSON values can)."
        ) from None
    return dict(arguments)
