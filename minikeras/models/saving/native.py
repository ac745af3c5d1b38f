"""Saving and loading models: a documented ``.npz`` + JSON format that can never run code.

File format (version 1)
-----------------------
Both ``model.save(path)`` and ``model.save_weights(path)`` write one NumPy ``.npz`` archive
(a zip of ``.npy`` arrays, written with ``np.savez``) at exactly ``path`` (no extension is
added). Every entry is a plain numeric or text array; nothing is pickled, and loading uses
``np.load(..., allow_pickle=False)`` and ``json.loads`` only. The entries:

``__minikeras_format__``
    a text scalar: ``"minikeras.weights/1"`` (``save_weights``) or ``"minikeras.model/1"``
    (``save``).
``__weight_manifest__``
    JSON (UTF-8 bytes as a ``uint8`` array): the layers that have weights, in the model's
    order, ``[{"layer": name, "weights": [[weight name, shape, dtype], ...]}, ...]``.
``<layer name>/<index>_<weight name>``
    one array per weight, e.g. ``dense_1/0_kernel``, ``dense_1/1_bias`` (index = position
    in ``layer.get_weights()``; a nested model counts as one layer).
``__model_config__`` (model files)
    JSON: ``{"class_name": "Sequential" | "Model", "config": model.get_config(), ...}``.
``__training_config__`` (model files of compiled models)
    JSON: optimizer (``optimizers.serialize``), loss, metrics, loss_weights,
    sample_weight_mode, weighted_metrics.
``__optimizer__/<index>`` (optional)
    the optimizer state, ``optimizer.get_weights()``.

Loading checks everything before assigning anything: a truncated or corrupted file, a
file for another architecture (other layers, other weight counts or shapes) or a file
holding pickled objects gives a ``ValueError`` naming the layer and weight, and the
model's weights stay as they were. Writes are atomic: the archive is written to a
temporary file in the same folder, flushed to disk (``fsync``) and moved over ``path``
with ``os.replace``, so a crash or Ctrl-C while saving leaves the previous file intact.

A ``Lambda`` layer is stored as a *reference* to its function (``"module:qualname"``).
Rebuilding it from a file imports that module, so ``load_model``/``model_from_json``
refuse it unless the caller passes ``safe_mode=False`` (or gives the function in
``custom_objects``). A lambda expression can never be rebuilt.
"""
import json
import os
import zipfile

import numpy as np

from minikeras.models.registry import deserialize_layer
from minikeras.utils.io_utils import atomic_write

__all__ = [
    "save_model", "load_model", "save_weights", "load_weights", "model_from_json",
    "model_from_config", "model_to_dict", "deserialize_layer",
]

MODEL_FORMAT = "minikeras.model/1"
WEIGHTS_FORMAT = "minikeras.weights/1"


# --- writing ------------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights to ``filepath`` (see the module docstring for the format)."""
    entries = {"__minikeras_format__": np.array(WEIGHTS_FORMAT)}
    entries.update(_weight_entries(model))
    _write_atomically(filepath, entries, overwrite)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write architecture, weights and (if compiled) training config and optimizer state."""
    entries = {
        "__minikeras_format__": np.array(MODEL_FORMAT),
        "__model_config__": _json_bytes(model_to_dict(model)),
    }
    entries.update(_weight_entries(model))
    if getattr(model, "loss_functions", None) is not None and include_optimizer:
        entries["__training_config__"] = _json_bytes(_training_config(model))
        for i, value in enumerate(model.optimizer.get_weights()):
            entries[f"__optimizer__/{i}"] = np.asarray(value)
    _write_atomically(filepath, entries, overwrite)


def model_to_dict(model):
    """``{"class_name", "config", "backend"}``: what ``to_json`` serializes."""
    return {"class_name": type(model).__name__, "config": model.get_config(), "backend": "minikeras"}


def _weight_entries(model):
    manifest, entries = [], {}
    for layer in _layers_with_weights(model):
        weights = _weights_of(layer)
        described = []
        for index, weight in enumerate(weights):
            name = weight.name or f"weight{index}"
            entries[f"{layer.name}/{index}_{name}"] = np.array(weight.numpy())
            described.append([name, list(weight.shape), str(weight.dtype)])
        manifest.append({"layer": layer.name, "weights": described})
    entries["__weight_manifest__"] = _json_bytes(manifest)
    return entries


def _layers_with_weights(model):
    return [layer for layer in model.layers if _weights_of(layer)]


def _weights_of(layer):
    # A nested model lists its weights layer by layer (``Model._ordered_weights``).
    return layer._ordered_weights() if getattr(layer, "_is_model", False) else layer.weights


def _training_config(model):
    from minikeras import losses, metrics, optimizers

    def serialize_loss(loss):
        return losses.serialize(losses.get(loss))

    return {
        "optimizer_config": optimizers.serialize(model.optimizer),
        "loss": _serialize_entries(model.loss, serialize_loss),
        "metrics": _serialize_entries(model._compile_metrics_argument, metrics.serialize),
        "weighted_metrics": _serialize_entries(model.weighted_metrics, metrics.serialize),
        "loss_weights": model.loss_weights,
        "sample_weight_mode": model.sample_weight_mode,
    }


def _serialize_entries(value, serialize):
    """``serialize`` applied to each loss (or metric) of a ``compile`` argument.

    The argument may be one entry, a list or a dict per output; None and names are kept as
    they are (a name is already what ``compile`` accepts).
    """
    if isinstance(value, dict):
        return {k: _serialize_entries(v, serialize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_entries(v, serialize) for v in value]
    if value is None or isinstance(value, str):
        return value
    return serialize(value)


def _json_bytes(value):
    return np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8)


def _write_atomically(filepath, entries, overwrite):
    atomic_write(filepath, lambda f: np.savez(f, **entries), overwrite=overwrite)


# --- reading ------------------------------------------------------------------------------------
def _read_archive(filepath):
    """Every entry of a minikeras archive, as a dict of arrays; ValueError if it is not one."""
    filepath = os.fspath(filepath)
    if not os.path.isfile(filepath):
        raise ValueError(f"Cannot load {filepath!r}: no such file.")
    with open(filepath, "rb") as f:
        head = f.read(4)
    if head[:1] == b"\x80":  # the first byte of every binary pickle
        raise ValueError(
            f"Refusing to load {filepath!r}: it is a Python pickle, which could run code when "
            "loaded. minikeras files are .npz archives and never contain pickled objects."
        )
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ValueError(
            f"Cannot load {filepath!r}: not a minikeras file (it is not an .npz archive; it starts "
            f"with {head!r}). It may be truncated or corrupted."
        )
    try:
        with np.load(filepath, allow_pickle=False) as archive:
            entries = {key: archive[key] for key in archive.files}
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise ValueError(
                f"Refusing to load {filepath!r}: it contains pickled Python objects, which could run "
                "code when loaded. minikeras files never contain any."
            ) from None
        raise ValueError(f"Cannot load {filepath!r}: not a valid minikeras file ({error}).") from None
    except AttributeError:  # np.load returned a bare array: an .npy file, not an archive
        raise ValueError(f"Cannot load {filepath!r}: it is a single .npy array, not a minikeras archive.") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as error:
        raise ValueError(
            f"Cannot load {filepath!r}: the file is truncated or corrupted ({type(error).__name__}: {error})."
        ) from None
    marker = entries.get("__minikeras_format__")
    if marker is None or str(marker) not in (MODEL_FORMAT, WEIGHTS_FORMAT):
        raise ValueError(
            f"Cannot load {filepath!r}: not a minikeras file (format marker "
            f"{None if marker is None else str(marker)!r}; expected {MODEL_FORMAT!r} or {WEIGHTS_FORMAT!r})."
        )
    return entries


def _json_entry(entries, key, filepath):
    array = entries.get(key)
    if array is None:
        raise ValueError(f"Cannot load {filepath!r}: the entry {key!r} is missing.")
    try:
        return json.loads(array.astype(np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"Cannot load {filepath!r}: the entry {key!r} is not valid JSON ({error}).") from None


def load_weights(model, filepath, by_name=False):
    """Assign the weights stored in ``filepath`` to ``model``, all checked first.

    Args:
        model: the model to load into.
        filepath: a file written by ``save_weights`` or ``save``.
        by_name: False (default, Keras 2): the file's layers with weights are matched to the
            model's layers with weights in order, so a rebuilt model whose layers have other
            names loads fine. True: layers are matched by name; model layers absent from
            the file keep their weights.

    Raises:
        ValueError: when the file is unreadable or does not fit the model; then no weight
            has been changed.
    """
    entries = _read_archive(filepath)
    manifest = _json_entry(entries, "__weight_manifest__", filepath)
    assignments = _match_weights(model, manifest, entries, filepath, by_name)
    for variable, value in assignments:  # everything was checked: now assign
        variable.assign(value)


def _check_manifest(manifest, filepath):
    """The manifest must be ``[{"layer": name, "weights": [[name, shape, dtype], ...]}, ...]``."""
    def malformed(detail):
        return ValueError(f"Cannot load {filepath!r}: the weight manifest is malformed ({detail}).")

    if not isinstance(manifest, list):
        raise malformed(f"expected a list of layers, found {type(manifest).__name__}")
    for position, item in enumerate(manifest):
        if not isinstance(item, dict) or not isinstance(item.get("layer"), str) \
                or not isinstance(item.get("weights"), list):
            raise malformed(f"entry #{position} is not {{'layer': name, 'weights': [...]}}: {item!r:.100}")
        for weight in item["weights"]:
            if not (isinstance(weight, list) and len(weight) == 3 and isinstance(weight[0], str)
                    and isinstance(weight[1], list) and isinstance(weight[2], str)):
                raise malformed(f"layer {item['layer']!r} lists a weight that is not "
                                f"[name, shape, dtype]: {weight!r:.100}")


def _match_weights(model, manifest, entries, filepath, by_name):
    layers = _layers_with_weights(model)
    _check_manifest(manifest, filepath)
    if by_name:
        stored = {item.get("layer"): item for item in manifest}
        pairs = [(layer, stored[layer.name]) for layer in layers if layer.name in stored]
    else:
        if len(manifest) != len(layers):
            raise ValueError(
                f"Cannot load {filepath!r} into model {model.name!r}: the file holds weights for "
                f"{len(manifest)} layer(s) {[item.get('layer') for item in manifest]}, but the model "
                f"has {len(layers)} layer(s) with weights {[layer.name for layer in layers]}."
            )
        pairs = list(zip(layers, manifest))
    assignments = []
    for position, (layer, item) in enumerate(pairs):
        stored_name = item.get("layer")
        where = (f"layer {layer.name!r}" if stored_name == layer.name
                 else f"layer {layer.name!r} (#{position}; {stored_name!r} in the file)")
        weights = _weights_of(layer)
        described = item.get("weights", [])
        if len(described) != len(weights):
            raise ValueError(
                f"Cannot load {filepath!r}: {where} has {len(weights)} weight(s) "
                f"{[w.name for w in weights]}, but the file has {len(described)} for it."
            )
        for index, (variable, (name, _, _)) in enumerate(zip(weights, described)):
            key = f"{stored_name}/{index}_{name}"
            if key not in entries:
                raise ValueError(f"Cannot load {filepath!r}: weight {key!r} for {where} is missing from the file.")
            value = entries[key]
            if value.shape != tuple(variable.shape):
                raise ValueError(
                    f"Cannot load {filepath!r}: {where}, weight {variable.name!r} expects shape "
                    f"{tuple(variable.shape)}, but the file holds shape {value.shape}."
                )
            if value.dtype.kind not in "fiub":
                raise ValueError(
                    f"Cannot load {filepath!r}: {where}, weight {variable.name!r} is stored with the "
                    f"non-numeric dtype {value.dtype}."
                )
            assignments.append((variable, value))
    return assignments


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved by ``model.save``: architecture, weights, and (if compiled) its
    optimizer, loss and metrics.

    Args:
        filepath: the file.
        custom_objects: ``{name: class or function}`` for your own layers, losses, metrics
            or Lambda functions.
        compile: compile the model as it was when saved (if it was).
        safe_mode: True (default) refuses to import the module function of a Lambda layer;
            pass False only for files you trust.

    Raises:
        ValueError: for a file that is not a valid minikeras model file.
    """
    entries = _read_archive(filepath)
    if str(entries["__minikeras_format__"]) != MODEL_FORMAT:
        raise ValueError(
            f"Cannot load {filepath!r} as a model: it holds weights only (written by save_weights); "
            "build the model and call model.load_weights(path)."
        )
    model = model_from_config(_json_entry(entries, "__model_config__", filepath),
                              custom_objects=custom_objects, safe_mode=safe_mode)
    manifest = _json_entry(entries, "__weight_manifest__", filepath)
    for variable, value in _match_weights(model, manifest, entries, filepath, by_name=False):
        variable.assign(value)
    if compile and "__training_config__" in entries:
        _compile_from_config(model, _json_entry(entries, "__training_config__", filepath), custom_objects)
        state = [entries[f"__optimizer__/{i}"] for i in range(len(entries))
                 if f"__optimizer__/{i}" in entries]
        if state:
            # The slots follow the order of model.trainable_weights, as in training: create
            # them now, so that the restored state is there at once (optimizer.get_weights()).
            if len(state) > 1:  # [iterations] alone: the optimizer had not taken a step
                model.optimizer.build(model.trainable_weights)
            try:
                model.optimizer.set_weights(state)
            except ValueError as error:
                raise ValueError(f"Cannot load {filepath!r}: the optimizer state does not fit the model ({error})") from None
    return model


def _compile_from_config(model, training_config, custom_objects):
    from minikeras import losses, metrics, optimizers

    custom_objects = custom_objects or {}

    def loss_of(entry):
        if isinstance(entry, str) and entry in custom_objects:
            return custom_objects[entry]
        return losses.deserialize(entry, custom_objects)

    def metric_of(entry):
        if isinstance(entry, str) and entry in custom_objects:
            return custom_objects[entry]
        if isinstance(entry, str):
            return entry  # as written: it is the name the metric is logged under (compile checks it)
        return metrics.deserialize(entry, custom_objects)

    model.compile(
        optimizer=optimizers.deserialize(training_config["optimizer_config"], custom_objects),
        loss=_deserialize_entries(training_config["loss"], loss_of),
        metrics=_deserialize_entries(training_config.get("metrics"), metric_of),
        weighted_metrics=_deserialize_entries(training_config.get("weighted_metrics"), metric_of),
        loss_weights=training_config.get("loss_weights"),
        sample_weight_mode=training_config.get("sample_weight_mode"),
    )


def _deserialize_entries(entry, deserialize):
    """``deserialize`` applied to each saved loss (or metric): ``_serialize_entries`` undone.

    A dict is a dict per output unless it is one serialized object (it has a 'class_name').
    """
    if isinstance(entry, dict) and "class_name" not in entry:
        return {k: _deserialize_entries(v, deserialize) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_deserialize_entries(v, deserialize) for v in entry]
    if entry is None:
        return None
    return deserialize(entry)


# --- architectures --------------------------------------------------------------------------------
def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A new (untrained) model from ``model.to_json()``; see ``load_model`` for the arguments."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json: the string is not valid JSON ({error}).") from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_config(config, custom_objects=None, safe_mode=True):
    """A new model from ``{"class_name": ..., "config": ...}``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "model_from_config expects a dict {'class_name': ..., 'config': ...} (as model.to_json() "
            f"writes); received {type(config).__name__}."
        )
    return deserialize_layer(config, custom_objects=custom_objects, safe_mode=safe_mode)
