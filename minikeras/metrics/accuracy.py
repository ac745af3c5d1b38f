"""The accuracy metrics as objects: the fraction of right answers over every batch seen.

Each is a ``MeanMetricWrapper`` around one rule (Keras 3's): a 1 for each right answer, a 0
for each wrong one, averaged with the sample weights.

=============================== ==========================================================
``Accuracy``                    ``y_pred == y_true`` (already labels)
``BinaryAccuracy(threshold)``   ``(y_pred > threshold) == y_true``, element by element
``CategoricalAccuracy``         ``argmax(y_pred) == argmax(y_true)`` (one-hot targets)
``SparseCategoricalAccuracy``   ``argmax(y_pred) == y_true`` (integer targets)
``TopKCategoricalAccuracy(k)``  the one-hot target's class among the ``k`` largest scores
``SparseTopKCategorical...(k)`` the integer target among the ``k`` largest scores (or, with
                                ``from_sorted_ids=True``, among the first ``k`` ids of ``y_pred``)
=============================== ==========================================================

Example:
    >>> m = SparseCategoricalAccuracy()
    >>> m.update_state([2, 0], [[0.1, 0.2, 0.7], [0.3, 0.6, 0.1]])
    >>> float(m.result())
    0.5
"""
import numpy as np

from minikeras.metrics.reduction import MeanMetricWrapper, same_rank, values_of

__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
]


def _pair(y_true, y_pred):
    y_pred = values_of(y_pred)
    return same_rank(values_of(y_true, y_pred.dtype), y_pred)


def _accuracy(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == y_pred).astype(np.float32)


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == (y_pred > threshold)).astype(np.float32)


def _categorical_accuracy(y_true, y_pred):
    y_true, y_pred = values_of(y_true), values_of(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _sparse_labels(y_true, y_pred, name):
    """Integer labels of shape ``y_pred.shape[:-1]`` (a trailing axis of 1 is dropped)."""
    labels, y_pred = values_of(y_true), values_of(y_pred)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{name}: expected integer labels of shape {y_pred.shape[:-1]} (or with a trailing axis "
            f"of 1) for predictions of shape {y_pred.shape}; received labels of shape {np.shape(y_true)}.")
    return labels.astype(np.int64), y_pred


def _sparse_categorical_accuracy(y_true, y_pred):
    labels, y_pred = _sparse_labels(y_true, y_pred, "SparseCategoricalAccuracy")
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _in_top_k(predictions, targets, k):
    """TensorFlow's ``in_top_k``: fewer than ``k`` classes score strictly higher than the target."""
    target_scores = np.take_along_axis(predictions, targets[..., None], axis=-1)
    return (np.sum(predictions > target_scores, axis=-1) < k).astype(np.float32)


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = values_of(y_true), values_of(y_pred)
    return _in_top_k(y_pred, np.argmax(y_true, axis=-1), k)


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    if from_sorted_ids:
        return in_sorted_ids(y_true, y_pred, k, "SparseTopKCategoricalAccuracy")
    labels, y_pred = _sparse_labels(y_true, y_pred, "SparseTopKCategoricalAccuracy")
    return _in_top_k(y_pred, labels, k)


def _integer_ids(values, what, name):
    """``values`` as int64, or a ValueError if any of them is not a whole number."""
    values = values_of(values)
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if values.dtype.kind == "b" or not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"{name}: with from_sorted_ids=True, {what} must be integer class ids; received "
                         f"dtype {values.dtype}.")
    whole = np.isfinite(values) & (values == np.round(values))
    if not np.all(whole):
        raise ValueError(
            f"{name}: with from_sorted_ids=True, {what} must be integer class ids (sorted from the highest "
            f"score); received {float(values[~whole].ravel()[0])!r} among them (dtype {values.dtype}). Pass "
            "from_sorted_ids=False for the scores of every class.")
    return values.astype(np.int64)


def in_sorted_ids(y_true, y_pred, k, name="sparse_top_k_categorical_accuracy"):
    """1 where the label is among the first ``k`` ids of ``y_pred``, else 0 (Keras 3's
    ``from_sorted_ids=True``).

    ``y_pred`` of shape ``(batch, ..., N)`` holds, per sample, the ids of the ``N`` best classes
    from the highest score down (``N`` may be below ``k``: then all ``N`` count); ``y_true`` of
    shape ``(batch, ...)`` (or with a trailing axis of 1) the integer labels. An id repeated
    among the first ``k`` counts once.
    """
    ids = _integer_ids(y_pred, "y_pred (the top ids)", name)
    labels, ids = _sparse_labels(_integer_ids(y_true, "y_true (the labels)", name), ids, name)
    return np.any(labels[..., None] == ids[..., :k], axis=-1).astype(np.float32)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` (both already labels)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(_accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``(y_pred > threshold)`` equals the 0/1 target.

    Args:
        threshold: the probability above which a prediction counts as 1 (default 0.5).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(_binary_accuracy, name=name, dtype=dtype, threshold=float(threshold))


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction is at the one-hot target's class."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(_categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction is at the integer label (``(batch,)`` or ``(batch, 1)``)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(_sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the ``k`` largest predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(_top_k_categorical_accuracy, name=name, dtype=dtype, k=int(k))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` largest predictions.

    Args:
        k: how many of the best classes count (default 5).
        from_sorted_ids: ``y_pred`` holds, instead of one score per class, the ids of the best
            classes sorted from the highest score down, shape ``(batch, N)``; the label must be
            among the first ``k`` of them (Keras 3). For models that return their top ids only.

    Example:
        >>> m = SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)
        >>> m.update_state([2, 1], [[1, 0, 3], [1, 2, 3]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(_sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=int(k))
        self.k, self.from_sorted_ids = int(k), bool(from_sorted_ids)
        if self.from_sorted_ids:  # in the config only when True, as Keras writes it
            self._fn_kwargs["from_sorted_ids"] = True
