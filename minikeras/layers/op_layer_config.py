"""How an ``OpLayer`` is stored in a model config, and rebuilt from it without running code.

An OpLayer holds a function and its arguments. The config stores the function by a name in
one of a few namespaces that minikeras itself defines, never by an importable path::

    {"function": "K:square", "arguments": {"args": [{"slot": 0}], "kwargs": {}}, ...}

* ``K:<name>``: a backend function (``minikeras.backend.__all__``);
* ``ops:<name>``: a minikeras operation (``minikeras.ops.__all__``);
* ``losses:<name>``: a loss function (``minikeras.losses``), e.g. a VAE's reconstruction;
* ``operator:getitem``: indexing, ``x[:, 0]``.

Arguments are JSON values, with tagged forms for what JSON lacks: ``{"slot": i}`` (the
i-th symbolic input), ``{"tuple": [...]}``, ``{"slice": [start, stop, step]}``,
``{"ellipsis": true}``, ``{"array": [...], "dtype": "float32"}`` and ``{"dict": {...}}``.
Anything else (a Variable, a Python function, an object) cannot be stored: ``encode``
raises ``NotImplementedError`` saying so, as Keras 2 does for any backend math between
layers. Loading looks a name up in these namespaces only, so a config can never make
minikeras import or run other code.
"""
import operator

import numpy as np

__all__ = ["function_name", "function_from_name", "encode", "decode", "Slot"]


class Slot:
    """Where the ``index``-th symbolic tensor goes back among the arguments."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"<input {self.index}>"


def _namespaces():
    from minikeras import backend, losses, ops

    return {
        "K": {name: getattr(backend, name) for name in backend.__all__},
        "ops": {name: getattr(ops, name) for name in ops.__all__},
        "losses": {name: getattr(losses, name) for name in losses.__all__
                   if callable(getattr(losses, name)) and not isinstance(getattr(losses, name), type)},
        "operator": {"getitem": operator.getitem},
    }


def function_name(function):
    """``"K:square"`` for ``K.square`` (or its undecorated self), else None."""
    for space, functions in _namespaces().items():
        for name, candidate in functions.items():
            if candidate is function or getattr(candidate, "__wrapped_function__", None) is function:
                return f"{space}:{name}"
    return None


def function_from_name(reference, layer_name):
    space, _, name = str(reference).partition(":")
    found = _namespaces().get(space, {}).get(name)
    if found is None:
        raise ValueError(
            f"OpLayer {layer_name!r}: unknown function {reference!r} in the config; an OpLayer can "
            "only name a function of minikeras' backend (K:), ops (ops:), losses (losses:) or "
            "operator:getitem."
        )
    return found


class NotStorable(Exception):
    """An argument that a config cannot hold."""


def encode(value):
    """``value`` as JSON, with the tagged forms of the module docstring."""
    if isinstance(value, Slot):
        return {"slot": value.index}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, np.bool_):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, slice):
        return {"slice": [encode(value.start), encode(value.stop), encode(value.step)]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": {key: encode(item) for key, item in value.items()}}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and type(value) is np.ndarray:
        return {"array": value.tolist(), "dtype": str(value.dtype)}
    raise NotStorable(type(value).__name__)


def decode(value):
    """The inverse of ``encode``."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"slot"}:
        return Slot(int(value["slot"]))
    if set(value) == {"tuple"}:
        return tuple(decode(item) for item in value["tuple"])
    if set(value) == {"slice"}:
        return slice(*[decode(item) for item in value["slice"]])
    if set(value) == {"ellipsis"}:
        return Ellipsis
    if set(value) == {"dict"}:
        return {key: decode(item) for key, item in value["dict"].items()}
    if set(value) == {"array", "dtype"}:
        return np.asarray(value["array"], dtype=value["dtype"])
    raise ValueError(f"OpLayer config: unknown argument form {value!r:.100}.")
