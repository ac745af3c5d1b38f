"""Saving and loading models and weights, in the format the file name asks for.

============================  ===============================================  ==================
file name                     format                                           read by
============================  ===============================================  ==================
``*.keras``                   Keras 3 archive: a zip of ``config.json``,       Keras 3, minikeras
                              ``metadata.json`` and ``model.weights.h5``
``*.weights.h5``              Keras 3 weights file (HDF5)                      Keras 3, minikeras
``*.h5``, ``*.hdf5``          Keras 2 / tf.keras HDF5 (``model_config`` and    Keras 2, tf.keras,
                              ``model_weights``)                               Keras 3, minikeras
anything else                 minikeras' own ``.npz`` + JSON (``native.py``)   minikeras
============================  ===============================================  ==================

Which one to use: the native format needs nothing but NumPy and is the default. Save as
``.keras`` to take a model to Keras 3 (and from there to JAX, TensorFlow or PyTorch); ``.h5``
for Keras 2 or tf.keras. The HDF5 formats need ``h5py`` (``pip install "minikeras[h5]"``).

Loading never runs code, whatever the format: configs are read with ``json.loads``, arrays
with ``np.load(allow_pickle=False)`` or ``h5py`` (numeric datasets only); a ``Lambda`` layer
is rebuilt only with ``safe_mode=False`` and custom layers only through ``custom_objects``.
Everything a file holds is checked against the model before any weight is assigned, so a
file that does not fit leaves the model unchanged. Writes are atomic.
"""
import os

from minikeras.models.saving import native
from minikeras.models.saving.native import (
    deserialize_layer, model_from_config, model_from_json, model_to_dict,
)

__all__ = [
    "save_model", "load_model", "save_weights", "load_weights", "model_from_json",
    "model_from_config", "model_to_dict", "deserialize_layer", "file_format",
]

KERAS_ARCHIVE, KERAS3_WEIGHTS, LEGACY_H5, NATIVE = "keras", "weights.h5", "h5", "native"


def file_format(filepath):
    """The format a file name asks for: ``'keras'``, ``'weights.h5'``, ``'h5'`` or ``'native'``.

    Example:
        >>> file_format("model.keras"), file_format("w.weights.h5"), file_format("m.h5")
        ('keras', 'weights.h5', 'h5')
        >>> file_format("m.hdf5"), file_format("model.npz"), file_format("checkpoint")
        ('h5', 'native', 'native')
    """
    name = os.fspath(filepath).lower() if isinstance(filepath, (str, os.PathLike)) else ""
    if name.endswith(".keras"):
        return KERAS_ARCHIVE
    if name.endswith(".weights.h5"):
        return KERAS3_WEIGHTS
    if name.endswith((".h5", ".hdf5", ".keras.h5")):
        return LEGACY_H5
    return NATIVE


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save architecture, weights and (if compiled) the optimizer, in the format of the name."""
    kind = file_format(filepath)
    if kind == KERAS_ARCHIVE:
        from minikeras.models.saving import keras_archive
        return keras_archive.save_model(model, filepath, overwrite=overwrite,
                                        include_optimizer=include_optimizer)
    if kind == LEGACY_H5:
        from minikeras.models.saving import legacy_h5
        return legacy_h5.save_model(model, filepath, overwrite=overwrite,
                                    include_optimizer=include_optimizer)
    if kind == KERAS3_WEIGHTS:
        raise ValueError(
            f"model.save: {os.fspath(filepath)!r} names a weights-only file (.weights.h5); use "
            "model.save_weights for it, or save the whole model as '.keras' or '.h5'."
        )
    return native.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def save_weights(model, filepath, overwrite=True):
    """Save the weights only, in the format of the name."""
    kind = file_format(filepath)
    if kind == KERAS3_WEIGHTS:
        from minikeras.models.saving import keras3_weights
        return keras3_weights.save_weights(model, filepath, overwrite=overwrite)
    if kind == LEGACY_H5:
        from minikeras.models.saving import legacy_h5
        return legacy_h5.save_weights(model, filepath, overwrite=overwrite)
    if kind == KERAS_ARCHIVE:
        raise ValueError(
            f"model.save_weights: {os.fspath(filepath)!r} names a whole-model archive (.keras); "
            "use model.save for it, or give the weights file a name ending in '.weights.h5'."
        )
    return native.save_weights(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load weights into ``model`` from a file of any of the formats; nothing changes on error."""
    kind = file_format(filepath)
    if kind == KERAS3_WEIGHTS or kind == KERAS_ARCHIVE:
        from minikeras.models.saving import keras3_weights
        return keras3_weights.load_weights(model, filepath, by_name=by_name,
                                           skip_mismatch=skip_mismatch)
    if kind == LEGACY_H5:
        from minikeras.models.saving import legacy_h5
        return legacy_h5.load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch)
    if skip_mismatch:
        raise NotImplementedError("load_weights: skip_mismatch=True is supported for HDF5 files only.")
    return native.load_weights(model, filepath, by_name=by_name)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved by ``model.save`` (or by Keras), in the format of the name.

    Args:
        filepath: the file: ``.keras``, ``.h5``/``.hdf5`` or a minikeras native file.
        custom_objects: ``{name: class or function}`` for your own layers, losses, metrics
            or Lambda functions.
        compile: compile the model as it was when saved (if it was).
        safe_mode: True (default) refuses to rebuild a ``Lambda`` layer (its function would
            be imported); pass False only for files you trust.
    """
    kind = file_format(filepath)
    if kind == KERAS_ARCHIVE:
        from minikeras.models.saving import keras_archive
        return keras_archive.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                        safe_mode=safe_mode)
    if kind == LEGACY_H5:
        from minikeras.models.saving import legacy_h5
        return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                    safe_mode=safe_mode)
    if kind == KERAS3_WEIGHTS:
        raise ValueError(
            f"load_model: {os.fspath(filepath)!r} is a weights-only file (.weights.h5); build the "
            "model and call model.load_weights on it."
        )
    return native.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)
