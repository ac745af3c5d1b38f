"""Keras 3's ``ops.binary_crossentropy``, ``categorical_crossentropy`` and
``sparse_categorical_crossentropy``: the backend's cross-entropies, element by element (binary)
or reduced over the class axis (categorical), on values or on symbolic tensors.

Example:
    >>> round(float(categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])[0]), 4)   # log 2
    0.6931
"""
from minikeras.dispatch import symbolic_aware

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]


@symbolic_aware
def binary_crossentropy(target, output, from_logits=False):
    """``-(t log(p) + (1 - t) log(1 - p))`` element by element (``p`` clipped to ``[eps, 1 - eps]``)."""
    from minikeras import backend

    return backend.binary_crossentropy(target, output, from_logits=from_logits)


@symbolic_aware
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log(output), axis)`` (probabilities rescaled to sum 1, then clipped)."""
    from minikeras import backend

    return backend.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


@symbolic_aware
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``categorical_crossentropy`` with integer labels as targets."""
    from minikeras import backend

    return backend.sparse_categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)
