"""Precision and Recall: metrics counted from a confusion matrix, threshold by threshold.

Every prediction is compared with each threshold ``t``: it says "positive" when
``y_pred > t`` (strictly). Over every element seen, with the sample weights ``w``:

    TP[t] = sum(w * (y_true != 0) * (y_pred > t))      FP[t] = sum(w * (y_true == 0) * (y_pred > t))
    FN[t] = sum(w * (y_true != 0) * (y_pred <= t))     TN[t] = sum(w * (y_true == 0) * (y_pred <= t))

    precision = TP / (TP + FP)          recall = TP / (TP + FN)         (0 where the sum is 0)

``top_k`` keeps only the ``k`` largest predictions of each sample (the others count as
negative) and ``class_id`` looks at one class (one column) only, as in Keras.
``confusion_counts`` is shared with ``AUC`` (``auc.py``), which counts at many thresholds.

Example:
    >>> p = Precision()
    >>> p.update_state([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.8])
    >>> round(float(p.result()), 4)   # 2 of the 3 predicted positives are right
    0.6667
"""
import numpy as np

from minikeras.metrics.base_metric import Metric
from minikeras.metrics.reduction import same_rank, values_of
from minikeras.tensor import Tensor

__all__ = ["Precision", "Recall", "confusion_counts"]

#: What ``top_k`` gives the predictions it drops (Keras' NEG_INF).
NEG_INF = -1e10


def parse_thresholds(owner, thresholds, default):
    if thresholds is None:
        return [default]
    values = [float(t) for t in np.atleast_1d(thresholds)]
    bad = [t for t in values if not 0.0 <= t <= 1.0]
    if bad:
        raise ValueError(f"{owner}: thresholds must be in [0, 1]; received {bad}.")
    return values


def _keep_top_k(y_pred, k):
    """The ``k`` largest values of the last axis kept, the others set to ``NEG_INF``."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(y_pred.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, y_pred, NEG_INF)


def confusion_counts(owner, y_true, y_pred, thresholds, top_k=None, class_id=None, sample_weight=None,
                     dtype="float32", multi_label=False, label_weights=None, evenly_spaced=False):
    """``(tp, fp, tn, fn)`` for one batch: each of shape ``(len(thresholds),)``, or
    ``(len(thresholds), labels)`` with ``multi_label``.

    Follows Keras 3's ``update_confusion_matrix_variables``: every element of ``y_pred`` is one
    prediction, ``y_true != 0`` is its label, ``sample_weight`` is broadcast to ``y_pred``'s
    shape. With ``multi_label`` (``y_pred`` of shape ``(batch, labels)``) each column is
    counted apart; otherwise ``label_weights`` (one weight per column, the last axis) multiply
    the sample weights. ``evenly_spaced`` thresholds ``[-eps, 1/(T-1), ..., 1 + eps]`` are
    counted by buckets, as Keras does (``_bucket_counts``).
    """
    y_pred = values_of(y_pred, dtype)
    y_true = values_of(y_true, dtype)
    y_pred, y_true = same_rank(y_pred, y_true)
    weights = None
    if sample_weight is not None:
        weights = values_of(sample_weight, dtype)[..., None]
        _, weights = same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(f"{owner}: class_id={class_id} needs predictions with a class axis; received "
                             f"predictions of shape {y_pred.shape}.")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{owner}: y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape} "
                         "do not match.")
    if weights is None:
        weights = np.ones(y_pred.shape, dtype=dtype)
    else:
        try:
            weights = np.broadcast_to(weights, y_pred.shape)
        except ValueError:
            raise ValueError(f"{owner}: sample_weight of shape {np.shape(sample_weight)} does not broadcast "
                             f"to the predictions of shape {y_pred.shape}.") from None
    if label_weights is not None:
        label_weights = np.asarray(label_weights, dtype=dtype)
        if y_pred.ndim < 2 or label_weights.shape[0] not in (1, y_pred.shape[-1]):
            raise ValueError(f"{owner}: label_weights has {label_weights.shape[0]} entries; expected one per "
                             f"label, the last axis of y_pred, received y_pred of shape {y_pred.shape}.")
        weights = weights * label_weights
    labels = y_true != 0
    if multi_label:  # one column per label: (batch, labels)
        predictions, positive, negative = y_pred, weights * labels, weights * ~labels
    else:
        predictions, positive, negative = y_pred.ravel(), (weights * labels).ravel(), (weights * ~labels).ravel()
    thresholds = np.asarray(thresholds, dtype=dtype)
    if evenly_spaced:
        tp, fp = (_bucket_counts(predictions, part, len(thresholds)) for part in (positive, negative))
        return tp, fp, np.sum(negative, axis=0) - fp, np.sum(positive, axis=0) - tp
    above = predictions[None] > thresholds.reshape((-1,) + (1,) * predictions.ndim)  # (T, elements...)
    return (np.sum(above * positive, axis=1), np.sum(above * negative, axis=1),
            np.sum(~above * negative, axis=1), np.sum(~above * positive, axis=1))


def _bucket_counts(predictions, weights, num_thresholds):
    """How much weight lies above each of the evenly spaced thresholds (Keras' fast path).

    A prediction ``p`` falls in bucket ``max(ceil(p * (T - 1)) - 1, 0)`` (``p`` clipped to
    ``[0, 1]`` first); it is above threshold ``i`` exactly when its bucket is ``>= i``, so the
    counts are the buckets' weights summed from the top down. Shapes: ``predictions`` and
    ``weights`` ``(n,)`` or ``(n, labels)``; the result ``(T,)`` or ``(T, labels)``.
    """
    steps = predictions.dtype.type(num_thresholds - 1)
    buckets = np.maximum(np.ceil(np.clip(predictions, 0, 1) * steps) - 1, 0).astype(np.int64)
    totals = np.zeros((num_thresholds,) + predictions.shape[1:], dtype=weights.dtype)
    if predictions.ndim == 1:
        np.add.at(totals, buckets, weights)
    else:
        np.add.at(totals, (buckets, np.broadcast_to(np.arange(predictions.shape[1]), predictions.shape)), weights)
    return np.cumsum(totals[::-1], axis=0)[::-1]


def ratio(numerator, denominator):
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, 0, numerator / safe)


class _ThresholdedRatio(Metric):
    """Precision and Recall: two counts per threshold and their ratio."""

    _counts = ()  # the names of the two counts kept, e.g. ('true_positives', 'false_positives')

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k, self.class_id = top_k, class_id
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, 0.5 if top_k is None else NEG_INF)
        for count in self._counts:
            setattr(self, count, self.add_variable(shape=(len(self.thresholds),), initializer="zeros", name=count))

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, tn, fn = confusion_counts(type(self).__name__, y_true, y_pred, self.thresholds, self.top_k,
                                          self.class_id, sample_weight, self.dtype)
        found = {"true_positives": tp, "false_positives": fp, "true_negatives": tn, "false_negatives": fn}
        for count in self._counts:
            getattr(self, count).assign_add(found[count])

    def result(self):
        tp, other = (getattr(self, count).numpy() for count in self._counts)
        value = np.asarray(ratio(tp, tp + other), dtype=self.dtype)
        return Tensor(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id,
                **super().get_config()}


class Precision(_ThresholdedRatio):
    """The fraction of predicted positives that are positive: ``TP / (TP + FP)``.

    Args:
        thresholds: a float or a list of floats in ``[0, 1]`` (default 0.5; with ``top_k``,
            every kept prediction counts); with a list, ``result()`` is one value per threshold.
        top_k: only the ``k`` largest predictions of each sample can be positive.
        class_id: only this class (the index on the last axis) is counted.
        name, dtype: as every ``Metric``.
    """

    _counts = ("true_positives", "false_positives")


class Recall(_ThresholdedRatio):
    """The fraction of positives that are predicted positive: ``TP / (TP + FN)``.

    Arguments as ``Precision``.
    """

    _counts = ("true_positives", "false_negatives")
