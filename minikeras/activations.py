"""Activation functions, looked up by name as Keras 2 does: ``Dense(10, activation="relu")``.

Each activation is a function of one Tensor returning a Tensor of the same shape, built
from ``minikeras.ops`` so that a ``GradientTape`` records it. ``get`` turns what a user
writes (a name, a callable, ``None``) into such a function, and ``serialize`` turns it
back into the name that a layer's ``get_config`` stores.

The formulas are Keras 2's; where Keras 3 changed one, Keras 2 wins:

=================  ==============================================================
``softmax``        ``exp(x) / sum(exp(x))`` along ``axis`` (the last by default);
                   a 1-D input is refused, as in Keras 2 (it has no batch axis).
``elu``            ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``
``selu``           ``scale * elu(x, alpha)`` with the self-normalising constants
``softplus``       ``log(1 + exp(x))``
``softsign``       ``x / (1 + |x|)``
``relu``           ``max(x, 0)`` (with ``alpha``, ``max_value``, ``threshold``)
``tanh``           ``tanh(x)``
``sigmoid``        ``1 / (1 + exp(-x))``
``hard_sigmoid``   ``clip(0.2 * x + 0.5, 0, 1)`` (Keras 2; Keras 3 uses ``x / 6``)
``exponential``    ``exp(x)``
``linear``         ``x`` (what ``activation=None`` means)
=================  ==============================================================
"""
from minikeras import ops
from minikeras.tensor import as_tensor
from minikeras.utils.generic_utils import with_custom_objects

__all__ = [
    "softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
    "hard_sigmoid", "exponential", "linear", "get", "serialize", "deserialize",
]


def softmax(x, axis=-1):
    """Softmax along ``axis``: non-negative values that sum to 1 along it.

    Raises:
        ValueError: for a 1-D (or 0-D) tensor, which Keras 2 refuses: an activation
            acts on a batch, so the input needs a batch axis and a feature axis.

    Example:
        >>> import numpy as np
        >>> softmax(np.array([[0.0, 0.0]])).numpy()
        array([[0.5, 0.5]])
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(
            f"softmax: cannot apply softmax to a tensor that is {x.ndim}-D (shape {x.shape}); "
            "expected a tensor of rank >= 2 with the batch axis first."
        )
    return ops.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return ops.elu(x, alpha)


def selu(x):
    """Scaled exponential linear unit (Klambauer et al., 2017)."""
    return ops.selu(x)


def softplus(x):
    """``log(1 + exp(x))``, computed without overflow."""
    return ops.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    return ops.softsign(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: ``max(x, 0)`` with the defaults.

    With the arguments: ``max_value`` for ``x >= max_value``, ``x`` for
    ``threshold <= x < max_value``, ``alpha * (x - threshold)`` below the threshold.
    """
    return ops.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``."""
    return ops.hard_sigmoid(x)


def exponential(x):
    """``exp(x)``."""
    return ops.exp(x)


def linear(x):
    """The identity: what ``activation=None`` means."""
    return as_tensor(x)


_ACTIVATIONS = {
    f.__name__: f
    for f in (softmax, elu, selu, softplus, softsign, relu, tanh, sigmoid, hard_sigmoid,
              exponential, linear)
}


def serialize(activation):
    """The name under which ``activation`` is stored in a config (``"relu"``, ...).

    A user's own function is stored by its ``__name__``, as Keras does: rebuilding the
    layer then needs it in ``custom_objects``.
    """
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(
            f"Cannot serialize the activation {activation!r}: expected a function with a "
            "__name__ (one of the built-in activations, or your own named function)."
        )
    return name


def deserialize(name, custom_objects=None):
    """The activation function called ``name`` (or given as ``{"class_name": name, ...}``)."""
    if isinstance(name, dict):
        if "class_name" not in name:
            raise ValueError(f"Cannot deserialize the activation {name!r}: it has no 'class_name'.")
        name = name["class_name"]
    custom_objects = with_custom_objects(custom_objects)  # the global ones as well
    if name in custom_objects:
        return custom_objects[name]
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"Unknown activation function: {name!r}. Expected one of "
            f"{', '.join(sorted(_ACTIVATIONS))}, or a callable."
        )
    return _ACTIVATIONS[name]


def get(identifier):
    """Turn ``identifier`` into an activation function.

    Args:
        identifier: ``None`` (the identity, ``linear``), a name such as ``"relu"``, a
            serialized dict ``{"class_name": "relu", "config": {}}``, or any callable
            (returned unchanged).

    Returns:
        A function of one Tensor.

    Raises:
        ValueError: for an unknown name or something that is not callable.

    Example:
        >>> get("relu") is relu, get(None) is linear
        (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r} "
        "(expected a name, a serialized dict, a callable or None)."
    )
