"""Keras 2 / tf.keras HDF5 files (``.h5``, ``.hdf5``): whole models and weights only.

The layout Keras 2 writes, and that Keras 2, tf.keras and Keras 3 all read::

    /                         attrs: keras_version, backend, model_config (JSON),
                                     training_config (JSON, compiled models)
    /model_weights            attrs: layer_names (every layer, in the model's order)
    /model_weights/<layer>    attrs: weight_names, e.g. ["dense_1/kernel:0", "dense_1/bias:0"]
    /model_weights/<layer>/dense_1/kernel:0      one dataset per weight
    /optimizer_weights        attrs: weight_names; the optimizer's state (compiled models)

A weights-only file (``save_weights``) has the ``model_weights`` content at its root. Weights
are matched to the model's layers that have weights in order (Keras 2's "topological"
loading) or, with ``by_name=True``, by layer name.
"""
import json
import os
import warnings

import numpy as np

from minikeras.models.saving import keras_config, native
from minikeras.models.saving.h5_io import open_h5, read_array, require_h5py, write_h5
from minikeras.models.saving.keras3_weights import optimizer_state_from_keras3

__all__ = ["save_model", "save_weights", "load_model", "load_weights"]

KERAS_VERSION_WRITTEN = "2.2.4"
BACKEND_WRITTEN = "tensorflow"


# --- writing --------------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write ``model`` in Keras 2's HDF5 layout (architecture, weights, training config)."""
    require_h5py("save an .h5 file")

    def fill(f):
        f.attrs["keras_version"] = KERAS_VERSION_WRITTEN
        f.attrs["backend"] = BACKEND_WRITTEN
        f.attrs["model_config"] = json.dumps(_explicit_inputs(native.model_to_dict(model)))
        _write_layers(f.create_group("model_weights"), model)
        if getattr(model, "loss_functions", None) is not None and include_optimizer:
            training = native._training_config(model)
            optimizer = training["optimizer_config"]
            config = dict(optimizer["config"])
            config["lr"] = config.pop("learning_rate")  # the name every Keras 2 release reads
            training["optimizer_config"] = {"class_name": optimizer["class_name"], "config": config}
            f.attrs["training_config"] = json.dumps(training)
            state = model.optimizer.get_weights()
            group = f.create_group("optimizer_weights")
            names = [f"training/{type(model.optimizer).__name__}/Variable_{i}:0" for i in range(len(state))]
            _write_names(group, "weight_names", names)
            for name, value in zip(names, state):
                group.create_dataset(name, data=np.asarray(value))

    write_h5(filepath, fill, overwrite=overwrite)


def _explicit_inputs(entry):
    """A Sequential's input as an explicit first ``InputLayer`` entry (also in nested ones).

    Keras 2 lets the first layer of a Sequential carry ``batch_input_shape``; tf.keras and
    Keras 3 read an explicit InputLayer more reliably, and Keras 2.2.4 accepts one too.
    """
    if not isinstance(entry, dict):
        return entry
    config = entry.get("config")
    if entry.get("class_name") == "Sequential" and isinstance(config, dict):
        layers = [_explicit_inputs(layer) for layer in config["layers"]]
        if layers and layers[0]["class_name"] != "InputLayer" and "batch_input_shape" in layers[0]["config"]:
            first = dict(layers[0]["config"])
            shape = first.pop("batch_input_shape")
            input_entry = {"class_name": "InputLayer", "config": {
                "batch_input_shape": shape, "dtype": first.get("dtype", "float32"), "sparse": False,
                "name": f"{first.get('name', 'input')}_input"}}
            layers = [input_entry, {**layers[0], "config": first}] + layers[1:]
        return {**entry, "config": {**config, "layers": layers}}
    if entry.get("class_name") in ("Model", "Functional") and isinstance(config, dict):
        return {**entry, "config": {**config, "layers": [_explicit_inputs(layer) for layer in config["layers"]]}}
    return entry


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights as a Keras 2 HDF5 weights file."""
    require_h5py("save an .h5 file")
    write_h5(filepath, lambda f: _write_layers(f, model), overwrite=overwrite)


def _write_layers(group, model):
    _write_names(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = BACKEND_WRITTEN
    group.attrs["keras_version"] = KERAS_VERSION_WRITTEN
    for layer in model.layers:
        layer_group = group.create_group(layer.name)
        names = _weight_names(layer)
        _write_names(layer_group, "weight_names", names)
        for name, weight in zip(names, native._weights_of(layer)):
            layer_group.create_dataset(name, data=np.asarray(weight.numpy()))


HDF5_ATTRIBUTE_LIMIT = 64000  # bytes an HDF5 object header can hold for one attribute


def _write_names(group, key, names):
    """Names as Keras 2 stores them: fixed-length bytes, in chunks ``key0, key1, ...`` when
    the list would not fit in one HDF5 attribute."""
    array = np.array([n.encode("utf-8") for n in names], dtype="S") if names else np.zeros(0, dtype="S1")
    chunks = max(1, -(-array.nbytes // HDF5_ATTRIBUTE_LIMIT))
    if chunks == 1:
        group.attrs[key] = array
        return
    for index, part in enumerate(np.array_split(array, chunks)):
        group.attrs[f"{key}{index}"] = part


def _read_names(group, key):
    """The names under ``key``, also when Keras split them into ``key0, key1, ...``."""
    if key in group.attrs:
        return _names(group.attrs[key])
    names, index = [], 0
    while f"{key}{index}" in group.attrs:
        names.extend(_names(group.attrs[f"{key}{index}"]))
        index += 1
    return names


def _weight_names(layer):
    """Keras 2's ``"<layer>/<weight>:0"`` names; a nested model names its own layers' weights."""
    if getattr(layer, "_is_model", False):
        owners = {}
        for sublayer in layer.layers:
            for weight in sublayer.weights:
                owners[id(weight)] = sublayer.name
        names = [f"{owners.get(id(w), layer.name)}/{w.name}:0" for w in native._weights_of(layer)]
    else:
        names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
    seen = {}
    unique = []
    for name in names:  # two weights of one name would collide in the group
        seen[name] = seen.get(name, -1) + 1
        unique.append(name if not seen[name] else name.replace(":0", f"_{seen[name]}:0"))
    return unique


# --- reading --------------------------------------------------------------------------------------
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model from a Keras 2, tf.keras or Keras 3 ``.h5`` model file."""
    filepath = os.fspath(filepath)
    with open_h5(filepath, filepath) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"Cannot load {filepath!r} as a model: it has no 'model_config' (it holds "
                             "weights only); build the model and call model.load_weights(path).")
        config = _json_attribute(raw, "model_config", filepath)
        _check_keras_version(f, filepath)
        model = native.model_from_config(keras_config.model_config_from_keras(config, custom_objects),
                                         custom_objects=custom_objects, safe_mode=safe_mode)
        group = f.get("model_weights")
        if group is None:
            raise ValueError(f"Cannot load {filepath!r}: the group 'model_weights' is missing.")
        for variable, value in _read_layers(group, model, filepath, by_name=False, skip_mismatch=False):
            variable.assign(value)
        training = f.attrs.get("training_config")
        if compile and training is not None:
            _compile(model, _json_attribute(training, "training_config", filepath), custom_objects,
                     f.get("optimizer_weights"), filepath)
    return model


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load a Keras 2 HDF5 weights (or model) file into ``model``; nothing changes on error."""
    filepath = os.fspath(filepath)
    with open_h5(filepath, filepath) as f:
        _check_keras_version(f, filepath)
        group = f["model_weights"] if "model_weights" in f else f
        assignments = _read_layers(group, model, filepath, by_name, skip_mismatch)
    for variable, value in assignments:
        variable.assign(value)


def _check_keras_version(f, filepath):
    version = f.attrs.get("keras_version")
    if version is None and "model_weights" in f:
        version = f["model_weights"].attrs.get("keras_version")
    version = version.decode() if isinstance(version, bytes) else version
    if version is not None and str(version).startswith("1"):
        raise NotImplementedError(f"Cannot load {filepath!r}: it was written by Keras {version}; "
                                  "minikeras reads files of Keras 2 and later only.")


def _json_attribute(raw, name, filepath):
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    try:
        return json.loads(str(raw))
    except ValueError as error:
        raise ValueError(f"Cannot load {filepath!r}: the attribute {name!r} is not valid JSON ({error}).") from None


def _names(attribute):
    if attribute is None:
        return []
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in np.asarray(attribute).ravel()]


def _read_layers(group, model, filepath, by_name, skip_mismatch):
    """``[(variable, array)]`` for the weights the file gives ``model``, all checked first."""
    if "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
        raise ValueError(f"Cannot load {filepath!r}: it is not a Keras HDF5 weights file (no 'layer_names').")
    stored = []
    for name in _read_names(group, "layer_names"):
        if name not in group:
            raise ValueError(f"Cannot load {filepath!r}: layer {name!r} is listed but its group is missing.")
        weight_names = _read_names(group[name], "weight_names")
        if weight_names:
            stored.append((name, weight_names))
    layers = [layer for layer in model.layers if native._weights_of(layer)]
    if by_name:
        by_layer = dict(stored)
        pairs = [(layer, layer.name, by_layer[layer.name]) for layer in layers if layer.name in by_layer]
    else:
        if len(stored) != len(layers):
            raise ValueError(
                f"Cannot load {filepath!r} into model {model.name!r}: the file holds weights for "
                f"{len(stored)} layer(s) {[name for name, _ in stored]}, but the model has "
                f"{len(layers)} layer(s) with weights {[layer.name for layer in layers]}.")
        pairs = [(layer, name, names) for layer, (name, names) in zip(layers, stored)]
    assignments = []
    for layer, stored_name, weight_names in pairs:
        variables = native._weights_of(layer)
        where = f"layer {layer.name!r}" + ("" if stored_name == layer.name else f" ({stored_name!r} in the file)")
        if len(weight_names) != len(variables):
            if skip_mismatch:
                warnings.warn(f"Skipping {where}: it has {len(variables)} weight(s), the file {len(weight_names)}.")
                continue
            raise ValueError(
                f"Cannot load {filepath!r}: {where} has {len(variables)} weight(s) "
                f"{[v.name for v in variables]}, but the file has {len(weight_names)} for it {weight_names}.")
        layer_group = group[stored_name]
        values = []
        for variable, weight_name in zip(variables, weight_names):
            dataset = layer_group.get(weight_name)
            if dataset is None:
                raise ValueError(f"Cannot load {filepath!r}: weight {weight_name!r} of {where} is missing.")
            if skip_mismatch and tuple(dataset.shape) != tuple(variable.shape):
                warnings.warn(f"Skipping {where}: weight {weight_name!r} has shape {tuple(dataset.shape)}, "
                              f"the model needs {tuple(variable.shape)}.")
                values = None
                break
            values.append(read_array(dataset, variable.shape, f"{where}, weight {weight_name!r}", filepath))
        if values:
            assignments.extend(zip(variables, values))
    return assignments


def _compile(model, training_config, custom_objects, optimizer_group, filepath):
    compiled = keras_config.compile_from_keras(
        model, training_config.get("optimizer_config"), training_config.get("loss"),
        training_config.get("metrics"), training_config.get("weighted_metrics"),
        training_config.get("loss_weights"), custom_objects, filepath)
    if not compiled:
        return
    if optimizer_group is None:
        return
    names = _read_names(optimizer_group, "weight_names")
    try:
        state = [read_array(optimizer_group[n], None, f"optimizer weight {n!r}", filepath) for n in names]
        if names and names[0].split("/")[-1].startswith("iteration:") or \
                len(names) > 1 and names[0].endswith("iteration") and "learning_rate" in names[1]:
            # tf.keras 2.11+ ("iteration:0", then each variable's slots) or Keras 3's
            # legacy writer (the same with the learning rate second)
            state = optimizer_state_from_keras3(model.optimizer, state, model.trainable_weights,
                                                with_learning_rate=not names[0].endswith(":0"))
            if state is None:
                raise ValueError("its slots are laid out for another optimizer or model")
        model.optimizer.build(model.trainable_weights)
        model.optimizer.set_weights(state)
    except (KeyError, ValueError) as error:
        warnings.warn(f"load_model({filepath!r}): the optimizer state in the file does not fit "
                      f"minikeras' {type(model.optimizer).__name__} ({error}); it starts afresh.", stacklevel=3)

