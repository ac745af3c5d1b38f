"""Keras 3's weights layout: ``.weights.h5`` files and the ``model.weights.h5`` of ``.keras``.

Keras 3 stores each layer's variables under a path made of the attributes that lead to it,
where a layer inside a model's ``layers`` list is named after its *class* in snake case,
counted per class in the model's layer order (names the user gave are only an attribute)::

    layers/conv2d/vars/0                      Conv2D kernel   (first Conv2D)
    layers/conv2d/vars/1                      Conv2D bias
    layers/conv2d_1/vars/0                    the second Conv2D's kernel
    layers/lstm/cell/vars/0..2                an LSTM's kernel, recurrent kernel, bias
    layers/bidirectional/forward_layer/cell/vars/0
    layers/sequential/layers/dense/vars/0     a Dense inside a nested Sequential
    optimizer/vars/0, 1, ...                  iteration, learning rate, then the slots

So a file fits any model of the same architecture, whatever its layers are called: loading
is "by order" in Keras 2's words. Each layer's ``vars`` group carries its real name as an
attribute; ``by_name=True`` matches on that instead.
"""
import numpy as np

from minikeras.models.saving.h5_io import open_h5, read_array, write_h5
from minikeras.models.saving.keras_config import keras3_class_name, snake_case

__all__ = ["weight_groups", "save_weights", "load_weights", "write_weights", "read_weights",
           "optimizer_state_to_keras3", "optimizer_state_from_keras3"]


def weight_groups(model):
    """``[(path, layer, variables)]``: every object of ``model`` that Keras 3 gives a ``vars``
    group, with its path and its variables in Keras' order (an empty list for layers without)."""
    groups = [("vars", model, [])]
    _walk_model(model, "", groups)
    return groups


def _walk_model(model, prefix, groups):
    counters = {}
    layers = model.layers
    if getattr(model, "_is_sequential", False):
        layers = [layer for layer in layers if type(layer).__name__ != "InputLayer"]
    for layer in layers:
        name = snake_case(keras3_class_name(layer))
        if name in counters:
            counters[name] += 1
            name = f"{name}_{counters[name]}"
        else:
            counters[name] = 0
        _walk_layer(layer, f"{prefix}layers/{name}", groups)


def _walk_layer(layer, path, groups):
    from minikeras.layers.base_layer import Layer

    if getattr(layer, "_is_model", False):
        groups.append((f"{path}/vars", layer, []))
        _walk_model(layer, f"{path}/", groups)
        return
    children = [(attribute, getattr(layer, attribute, None))
                for attribute in ("forward_layer", "backward_layer", "cell", "layer")]
    children = [(a, child) for a, child in children if isinstance(child, Layer) and child is not layer]
    cells = getattr(layer, "cells", None)
    if children or isinstance(cells, (list, tuple)):
        groups.append((f"{path}/vars", layer, []))
        for attribute, child in children:
            _walk_layer(child, f"{path}/{attribute}", groups)
        if isinstance(cells, (list, tuple)):
            counters = {}
            for cell in cells:
                name = snake_case(type(cell).__name__)
                counters[name] = counters.get(name, -1) + 1
                suffix = f"_{counters[name]}" if counters[name] else ""
                _walk_layer(cell, f"{path}/cells/{name}{suffix}", groups)
        return
    groups.append((f"{path}/vars", layer, list(layer.weights)))


# --- writing --------------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights as a Keras 3 ``.weights.h5`` file (atomically)."""
    _require_built(model, "save_weights")
    write_h5(filepath, lambda f: write_weights(f, model), overwrite=overwrite)


def write_weights(h5file, model, optimizer_state=None):
    """Fill an open HDF5 file with Keras 3's groups for ``model`` (and the optimizer's vars)."""
    for path, layer, variables in weight_groups(model):
        group = h5file.require_group(path)
        group.attrs["name"] = layer.name
        for index, variable in enumerate(variables):
            group.create_dataset(str(index), data=np.asarray(variable.numpy()))
    h5file.require_group("layers")
    if optimizer_state is not None:
        name, arrays = optimizer_state
        group = h5file.require_group("optimizer/vars")
        group.attrs["name"] = name
        for index, value in enumerate(arrays):
            group.create_dataset(str(index), data=np.asarray(value))


def _require_built(model, what):
    if not getattr(model, "built", True) or not model.weights and not model.layers:
        raise ValueError(f"{what}: model {model.name!r} has not been built yet (call it on data or give an input shape).")


# --- reading --------------------------------------------------------------------------------------
def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load a Keras 3 ``.weights.h5`` file (or the weights of a ``.keras`` archive) into ``model``."""
    import zipfile

    from minikeras.models.saving.keras_archive import open_archive_member

    if str(filepath).lower().endswith(".keras"):
        with zipfile.ZipFile(filepath) as archive, open_archive_member(archive, "model.weights.h5", filepath) as member:
            with open_h5(member, filepath) as h5file:
                assignments = read_weights(h5file, model, filepath, by_name, skip_mismatch)
    else:
        with open_h5(filepath, filepath) as h5file:
            assignments = read_weights(h5file, model, filepath, by_name, skip_mismatch)
    for variable, value in assignments:  # everything was checked: now assign
        variable.assign(value)


def read_weights(h5file, model, filepath, by_name=False, skip_mismatch=False):
    """``[(variable, array)]`` for every weight of ``model``, all checked, none assigned yet."""
    named = _groups_by_layer_name(h5file) if by_name else None
    assignments = []
    for path, layer, variables in weight_groups(model):
        if not variables:
            continue
        if by_name:
            if layer.name not in named:
                continue
            path = named[layer.name]
        where = f"layer {layer.name!r} ({path} in the file)"
        group = h5file.get(path)
        stored = [] if group is None else [key for key in group.keys()]
        if len(stored) != len(variables):
            if skip_mismatch:
                continue
            raise ValueError(
                f"Cannot load {filepath!r} into model {model.name!r}: {where} has {len(variables)} "
                f"weight(s) {[v.name for v in variables]}, but the file has {len(stored)} for it. The "
                "file was written for another architecture.")
        values = []
        for index, variable in enumerate(variables):
            if str(index) not in group:
                raise ValueError(f"Cannot load {filepath!r}: weight #{index} of {where} is missing.")
            dataset = group[str(index)]
            if skip_mismatch and tuple(dataset.shape) != tuple(variable.shape):
                values = None
                break
            values.append(read_array(dataset, variable.shape, f"{where}, weight {variable.name!r}", filepath))
        if values:
            assignments.extend(zip(variables, values))
    return assignments


def _groups_by_layer_name(h5file):
    found = {}

    def visit(name, obj):
        if name.endswith("/vars") and "name" in obj.attrs and len(obj.keys()):
            layer_name = obj.attrs["name"]
            layer_name = layer_name.decode() if isinstance(layer_name, bytes) else str(layer_name)
            found.setdefault(layer_name, name)

    h5file.visititems(visit)
    return found


# --- the optimizer's state -----------------------------------------------------------------------
# Keras 3 keeps [iteration, learning_rate], then the slots: for each group below, every slot
# of the group for the first variable, then for the second, ... (interleaved); groups follow
# each other. minikeras keeps [iterations], then every variable's first slot, then the second.
_KERAS3_SLOT_GROUPS = {
    "Adam": [("m", "v"), ("vhat",)], "Adamax": [("m", "u")], "Adagrad": [("accumulators",)],
    "Adadelta": [("accumulators", "delta_accumulators")], "RMSprop": [("accumulators",)],
    "SGD": [("moments",)],
}


def optimizer_state_to_keras3(optimizer):
    """Keras 3's optimizer vars for ``optimizer``'s state, or None when Keras 3 cannot take it."""
    groups = _slot_groups(optimizer)
    if groups is None:
        return None
    state = optimizer.get_weights()
    variables = optimizer._variables
    slots = _slots_by_name(optimizer, state[1:], len(variables))
    arrays = [np.asarray(state[0], dtype=np.int64),
              np.asarray(float(np.asarray(optimizer._learning_rate)), dtype=np.float32)]
    for group in groups:
        for v in range(len(variables)):
            arrays.extend(slots[name][v] for name in group)
    return arrays


def optimizer_state_from_keras3(optimizer, arrays, variables, with_learning_rate=True):
    """minikeras' ``get_weights()`` order from Keras 3's optimizer vars, or None if it does not fit.

    ``with_learning_rate=False`` reads tf.keras 2.11+'s layout, the same without the learning
    rate. A slot Keras 3 does not keep (SGD's moments without momentum) starts at zero.
    """
    n_variables = len(variables)
    groups = _slot_groups(optimizer)
    first_slot = 2 if with_learning_rate else 1
    if groups is None or len(arrays) < first_slot:
        return None
    expected = first_slot + sum(len(group) for group in groups) * n_variables
    if len(arrays) != expected:
        return None
    slots, position = {}, first_slot
    for group in groups:
        for v in range(n_variables):
            for name in group:
                slots.setdefault(name, []).append(arrays[position])
                position += 1
    state = [np.asarray(arrays[0], dtype=np.int64)]
    for name in optimizer._slot_names:
        state.extend(slots.get(name) or [np.zeros(v.shape, dtype=v.dtype) for v in variables])
    return state


def _slot_groups(optimizer):
    name = type(optimizer).__name__
    groups = _KERAS3_SLOT_GROUPS.get(name)
    if groups is None:
        return None
    if name == "Adam" and not optimizer.amsgrad:
        groups = groups[:1]
    if name == "SGD" and not getattr(optimizer, "momentum", 0):
        groups = []
    return groups


def _slots_by_name(optimizer, flat, n_variables):
    slots = {}
    for index, name in enumerate(optimizer._slot_names):
        slots[name] = flat[index * n_variables:(index + 1) * n_variables]
    return slots
