"""How ``K`` functions, ``ops`` and Tensor operators reach the functional graph.

A functional model is described with symbolic tensors (``Input(...)`` and layer outputs:
``KerasTensor``), which have shapes but no values. Keras programs do math on them between
layers, as tf.keras allows::

    z_mean = Dense(2)(h)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)

Each such call cannot compute anything yet; instead it becomes a node of the graph: a small
layer (``OpLayer``, in ``minikeras/layers/op_layer.py``) that calls the same function again
when the model runs on data. This module is the meeting point, and imports only ``Tensor`` from
minikeras: ``backend``, ``ops`` and ``KerasTensor`` ask ``has_symbolic`` and hand the call to
``symbolic_call``, and ``op_layer.py`` registers the code that builds the node.

``K.function(inputs, outputs)`` (Keras 2's way to read a layer's output on data) needs a
model; the models package registers how to make one here (``register_function_builder``).
"""
import functools

import numpy as np

from minikeras.tensor import Tensor

__all__ = [
    "has_symbolic", "symbolic_call", "symbolic_aware", "register_node_builder",
    "register_function_builder", "graph_function",
]

_node_builder = None
_function_builder = None
_PLAIN = (Tensor, np.ndarray, np.generic, int, float, bool, str, type(None))


def register_node_builder(builder):
    """``builder(function, args, kwargs, name)`` returns the symbolic output of a new node."""
    global _node_builder
    _node_builder = builder


def has_symbolic(args, kwargs=None):
    """True if any argument, also inside lists, tuples and dicts, is a symbolic tensor."""
    # Every operation asks this, so the usual case (flat Tensors and numbers) is made quick.
    nested = False
    for item in (args if not kwargs else (*args, *kwargs.values())):
        if isinstance(item, _PLAIN):
            continue
        if getattr(item, "_is_symbolic", False):
            return True
        nested = nested or isinstance(item, (list, tuple, dict))
    if not nested:
        return False
    stack = list(args) + list((kwargs or {}).values())
    while stack:
        item = stack.pop()
        if getattr(item, "_is_symbolic", False):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False


def symbolic_call(function, args, kwargs=None, name=None):
    """A graph node that calls ``function(*args, **kwargs)`` when the model runs."""
    if _node_builder is None:  # only if minikeras.layers was never imported
        raise RuntimeError("Symbolic tensors need minikeras.layers: import minikeras first.")
    return _node_builder(function, tuple(args), dict(kwargs or {}), name or function.__name__)


def symbolic_aware(function):
    """Decorate a function of tensors so that symbolic arguments build a graph node instead."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_symbolic(args, kwargs):
            return symbolic_call(function, args, kwargs)
        return function(*args, **kwargs)

    wrapper.__wrapped_function__ = function
    return wrapper


def register_function_builder(builder):
    """``builder(inputs, outputs)`` returns the callable of ``K.function``."""
    global _function_builder
    _function_builder = builder


def graph_function(inputs, outputs):
    if _function_builder is None:  # only if minikeras.models was never imported
        raise RuntimeError("K.function needs minikeras.models: import minikeras first.")
    return _function_builder(inputs, outputs)
