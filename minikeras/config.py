"""Global settings: the default float type, epsilon and the image data format.

They start from the config file ``~/.minikeras/minikeras.json`` when it exists (the
directory can be moved with the ``MINIKERAS_HOME`` environment variable), for example::

    {"floatx": "float32", "epsilon": 1e-07, "image_data_format": "channels_last"}

and can be changed at run time with the ``set_*`` functions, which ``minikeras.backend``
(``K``) re-exports. The file is read as JSON, never executed.
"""
import json
import os

__all__ = [
    "floatx", "set_floatx", "epsilon", "set_epsilon",
    "image_data_format", "set_image_data_format", "config_path", "backend", "set_backend",
]


def backend():
    """The name of the backend, as Keras 3's ``keras.config.backend()``: ``'minikeras'``
    (NumPy arrays and the tape of ``minikeras.tape``)."""
    return "minikeras"


def set_backend(name):
    """Keras 3's ``keras.config.set_backend``: minikeras has one backend, ``'minikeras'``.

    Asking for it does nothing. Asking for another (``"tensorflow"``, ``"jax"``, ``"torch"``, as
    the Keras 3 notebooks do before a backend's own cells) raises ``NotImplementedError``: those
    cells use that framework's functions. Their Keras calls run here unchanged, with
    ``minikeras.GradientTape`` where they write ``tf.GradientTape``.
    """
    if name != "minikeras":
        raise NotImplementedError(
            f"keras.config.set_backend({name!r}): minikeras has a single backend, 'minikeras' (NumPy "
            "and its own tape). Skip this line: the Keras calls that follow run as they are, with "
            "minikeras.GradientTape in place of tf.GradientTape; cells that call TensorFlow, JAX or "
            "PyTorch functions themselves have no minikeras equivalent."
        )


_FLOAT_TYPES = ("float16", "float32", "float64")
_DATA_FORMATS = ("channels_last", "channels_first")

_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def config_path():
    """Where the config file is read from: ``$MINIKERAS_HOME/minikeras.json``."""
    home = os.environ.get("MINIKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".minikeras")
    return os.path.join(home, "minikeras.json")


def floatx():
    """The default float type as a string, ``'float32'`` unless changed."""
    return _settings["floatx"]


def set_floatx(value):
    """Set the default float type: one of ``'float16'``, ``'float32'``, ``'float64'``."""
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(f"Unknown floatx type: {value!r}. Expected one of {_FLOAT_TYPES}.")
    _settings["floatx"] = value


def epsilon():
    """The fuzz factor used to avoid divisions by zero, ``1e-7`` unless changed."""
    return _settings["epsilon"]


def set_epsilon(value):
    _settings["epsilon"] = float(value)


def image_data_format():
    """``'channels_last'`` (default) or ``'channels_first'``: the layout of image tensors."""
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            f"Unknown data_format: {data_format!r}. Expected one of {_DATA_FORMATS}."
        )
    _settings["image_data_format"] = str(data_format)


def _load_config_file():
    path = config_path()
    if not os.path.exists(path):
        return
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return  # an unreadable config file must not stop the import; defaults stay.
    if not isinstance(saved, dict):
        return
    if saved.get("floatx") in _FLOAT_TYPES:
        _settings["floatx"] = saved["floatx"]
    if isinstance(saved.get("epsilon"), (int, float)):
        _settings["epsilon"] = float(saved["epsilon"])
    if saved.get("image_data_format") in _DATA_FORMATS:
        _settings["image_data_format"] = saved["image_data_format"]


_load_config_file()
