"""Keras 3 ``.keras`` archives: the way from minikeras to Keras 3, and back.

A ``.keras`` file is a zip archive of three members:

``metadata.json``     ``{"keras_version": ..., "date_saved": ...}``
``config.json``       the model's config in Keras 3's dialect (see ``keras_config.py``), with
                      a ``compile_config`` when the model was compiled
``model.weights.h5``  the weights in Keras 3's layout (see ``keras3_weights.py``), and the
                      optimizer's state under ``optimizer/vars``

Reading never extracts anything to disk: the members are read into memory after checking
their names (none may point outside the archive's folder), their sizes and their
compression ratio (a zip bomb is refused before it is inflated).
"""
import contextlib
import datetime
import io
import json
import os
import posixpath
import warnings
import zipfile


from minikeras.models.saving import keras_config, native
from minikeras.models.saving.h5_io import h5_bytes, open_h5, require_h5py
from minikeras.models.saving.keras3_weights import (
    optimizer_state_from_keras3, optimizer_state_to_keras3, read_weights, write_weights,
)
from minikeras.utils.io_utils import atomic_write, check_writable_path

__all__ = ["save_model", "load_model", "open_archive_member"]

KERAS_VERSION_WRITTEN = "3.0.0"   # the oldest Keras 3 whose loader reads what is written here
MAX_CONFIG_BYTES = 64 << 20
MAX_WEIGHTS_BYTES = 1 << 34
MAX_COMPRESSION_RATIO = 1000


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write ``model`` as a Keras 3 ``.keras`` archive that ``keras.models.load_model`` opens."""
    require_h5py("save a .keras archive")
    check_writable_path(filepath, overwrite)
    config = keras_config.model_config_to_keras3(model)
    optimizer_state = None
    if getattr(model, "loss_functions", None) is not None:
        config["compile_config"] = _compile_config(model)
        if include_optimizer:
            arrays = optimizer_state_to_keras3(model.optimizer)
            if arrays is not None:
                optimizer_state = (type(model.optimizer).__name__.lower(), arrays)
            else:
                warnings.warn(f"The state of the {type(model.optimizer).__name__} optimizer is not "
                              "saved in the .keras file: Keras 3's optimizer of that name keeps "
                              "other state.", stacklevel=3)
    weights = h5_bytes(lambda f: write_weights(f, model, optimizer_state))
    metadata = {"keras_version": KERAS_VERSION_WRITTEN,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "producer": "minikeras"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights, compress_type=zipfile.ZIP_STORED)
    content = buffer.getvalue()
    atomic_write(filepath, lambda f: f.write(content), overwrite=overwrite)


def _compile_config(model):
    training = native._training_config(model)
    return {
        "optimizer": keras_config.optimizer_to_keras3(training["optimizer_config"]),
        "loss": training["loss"], "loss_weights": training["loss_weights"],
        "metrics": training["metrics"], "weighted_metrics": training["weighted_metrics"],
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    }


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Open a ``.keras`` archive written by Keras 3 or by minikeras: a model, its weights and
    (with ``compile=True``) its optimizer, loss and metrics. Nothing in it is ever run."""
    require_h5py("load a .keras archive")
    filepath = os.fspath(filepath)
    with _open_archive(filepath) as archive:
        config = _read_json_member(archive, "config.json", filepath)
        with open_archive_member(archive, "model.weights.h5", filepath) as member:
            weights_bytes = member.read()
    compile_config = config.get("compile_config") if isinstance(config, dict) else None
    minikeras_config = keras_config.model_config_from_keras(config, custom_objects)
    model = native.model_from_config(minikeras_config, custom_objects=custom_objects, safe_mode=safe_mode)
    with open_h5(io.BytesIO(weights_bytes), filepath) as h5file:
        for variable, value in read_weights(h5file, model, filepath):
            variable.assign(value)
        optimizer_arrays = _optimizer_arrays(h5file, filepath)
    if compile and compile_config:
        _compile(model, compile_config, custom_objects, optimizer_arrays, filepath)
    return model


def _open_archive(filepath):
    if not os.path.isfile(filepath):
        raise ValueError(f"Cannot load {filepath!r}: no such file.")
    if not zipfile.is_zipfile(filepath):
        raise ValueError(f"Cannot load {filepath!r}: it is not a .keras archive (not a zip file); "
                         "it may be truncated or corrupted.")
    try:
        archive = zipfile.ZipFile(filepath)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"Cannot load {filepath!r}: the archive is corrupted ({error}).") from None
    for info in archive.infolist():
        _check_member_name(info.filename, filepath)
    return archive


def _check_member_name(name, filepath):
    normalized = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or normalized.startswith("..") or ":" in name.split("/")[0]:
        raise ValueError(f"Refusing to load {filepath!r}: the archive member {name!r} would unpack "
                         "outside its folder.")


@contextlib.contextmanager
def open_archive_member(archive, name, filepath):
    """A readable in-memory file of one member, after the checks on its size and compression."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"Cannot load {filepath!r}: the archive has no {name!r} "
                         f"(members: {archive.namelist()[:10]}).") from None
    limit = MAX_CONFIG_BYTES if name.endswith(".json") else MAX_WEIGHTS_BYTES
    if info.file_size > limit:
        raise ValueError(f"Cannot load {filepath!r}: {name!r} claims {info.file_size} bytes, more than {limit}.")
    if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
        raise ValueError(f"Refusing to load {filepath!r}: {name!r} is compressed {info.file_size // info.compress_size} "
                         "to 1, as a zip bomb is.")
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as error:
        raise ValueError(f"Cannot load {filepath!r}: {name!r} is truncated or corrupted ({error}).") from None
    if len(data) != info.file_size:
        raise ValueError(f"Cannot load {filepath!r}: {name!r} holds {len(data)} bytes, its header says {info.file_size}.")
    yield io.BytesIO(data)


def _read_json_member(archive, name, filepath):
    with open_archive_member(archive, name, filepath) as member:
        try:
            return json.loads(member.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"Cannot load {filepath!r}: {name!r} is not valid JSON ({error}).") from None


def _optimizer_arrays(h5file, filepath):
    group = h5file.get("optimizer/vars")
    if group is None:
        return None
    from minikeras.models.saving.h5_io import read_array

    count = len(group.keys())
    return [read_array(group[str(i)], None, f"optimizer variable #{i}", filepath)
            for i in range(count) if str(i) in group]


def _compile(model, compile_config, custom_objects, optimizer_arrays, filepath):
    compiled = keras_config.compile_from_keras(
        model, compile_config.get("optimizer"), compile_config.get("loss"), compile_config.get("metrics"),
        compile_config.get("weighted_metrics"), compile_config.get("loss_weights"), custom_objects, filepath)
    if not compiled:
        return
    if optimizer_arrays:
        variables = model.trainable_weights
        state = optimizer_state_from_keras3(model.optimizer, optimizer_arrays, variables)
        if state is None:
            warnings.warn(f"load_model({filepath!r}): the optimizer state in the file does not fit "
                          f"minikeras' {type(model.optimizer).__name__}; it starts afresh.", stacklevel=3)
            return
        model.optimizer.build(variables)
        model.optimizer.set_weights(state)

