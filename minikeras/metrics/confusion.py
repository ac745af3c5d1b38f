"""Precision, Recall and AUC: metrics counted from a confusion matrix, threshold by threshold.

Every prediction is compared with each threshold ``t``: it says "positive" when
``y_pred > t`` (strictly). Over every element seen, with the sample weights ``w``:

    TP[t] = sum(w * (y_true != 0) * (y_pred > t))      FP[t] = sum(w * (y_true == 0) * (y_pred > t))
    FN[t] = sum(w * (y_true != 0) * (y_pred <= t))     TN[t] = sum(w * (y_true == 0) * (y_pred <= t))

    precision = TP / (TP + FP)          recall = TP / (TP + FN)         (0 where the sum is 0)

``top_k`` keeps only the ``k`` largest predictions of each sample (the others count as
negative) and ``class_id`` looks at one class (one column) only, as in Keras.

``AUC`` counts at ``num_thresholds`` thresholds evenly spaced over ``[0, 1]`` (plus one just
below 0 and one just above 1) and sums the area under the curve through those points
(Keras' Riemann sum): ROC plots recall against the false-positive rate ``FP / (FP + TN)``;
PR plots precision against recall, interpolated as Davis and Goadrich (2006) do.

Example:
    >>> p = Precision()
    >>> p.update_state([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.8])
    >>> round(float(p.result()), 4)   # 2 of the 3 predicted positives are right
    0.6667
    >>> auc = AUC(num_thresholds=3)
    >>> auc.update_state([0, 0, 1, 1], [0.0, 0.6, 0.6, 1.0])
    >>> float(auc.result())
    0.75
"""
import numpy as np

from minikeras import config
from minikeras.metrics.base_metric import Metric
from minikeras.metrics.reduction import same_rank, values_of
from minikeras.tensor import Tensor

__all__ = ["Precision", "Recall", "AUC", "confusion_counts"]

#: What ``top_k`` gives the predictions it drops (Keras' NEG_INF).
NEG_INF = -1e10


def _parse_thresholds(owner, thresholds, default):
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
                     dtype="float32"):
    """``(tp, fp, tn, fn)``, each of shape ``(len(thresholds),)``, for one batch.

    Follows Keras 3's ``update_confusion_matrix_variables`` (not multi-label): every element
    of ``y_pred`` is one prediction, ``y_true != 0`` is its label, ``sample_weight`` is
    broadcast to ``y_pred``'s shape.
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
    labels, predictions, weights = (y_true != 0).ravel(), y_pred.ravel(), weights.ravel()
    above = predictions[None, :] > np.asarray(thresholds, dtype=dtype)[:, None]  # (thresholds, elements)
    positive, negative = weights * labels, weights * ~labels
    return (np.sum(above * positive, axis=1), np.sum(above * negative, axis=1),
            np.sum(~above * negative, axis=1), np.sum(~above * positive, axis=1))


def _ratio(numerator, denominator):
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, 0, numerator / safe)


class _ThresholdedRatio(Metric):
    """Precision and Recall: two counts per threshold and their ratio."""

    _counts = ()  # the names of the two counts kept, e.g. ('true_positives', 'false_positives')

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k, self.class_id = top_k, class_id
        self.thresholds = _parse_thresholds(type(self).__name__, thresholds, 0.5 if top_k is None else NEG_INF)
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
        value = np.asarray(_ratio(tp, tp + other), dtype=self.dtype)
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


class AUC(Metric):
    """The area under the ROC or precision-recall curve, as Keras computes it.

    Args:
        num_thresholds: how many thresholds to count at (at least 2; default 200).
        curve: ``'ROC'`` or ``'PR'``.
        summation_method: ``'interpolation'`` (trapezoids for ROC, Davis-Goadrich for PR),
            ``'minoring'`` (lower rectangles) or ``'majoring'`` (upper rectangles).
        thresholds: explicit thresholds in ``[0, 1]`` instead of evenly spaced ones.
        from_logits: ``y_pred`` are logits (a sigmoid is applied first).
        name, dtype: as every ``Metric``.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        if multi_label or num_labels is not None or label_weights is not None:
            raise NotImplementedError("AUC: multi_label, num_labels and label_weights are not supported "
                                      "(one curve over every prediction only).")
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR'; received {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or 'majoring'; "
                             f"received {summation_method!r}.")
        super().__init__(name=name, dtype=dtype)
        self.curve, self.summation_method, self._from_logits = curve, summation_method, bool(from_logits)
        if thresholds is not None:
            inner = sorted(_parse_thresholds("AUC", thresholds, None))
            self.num_thresholds = len(inner) + 2
        else:
            if int(num_thresholds) <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1; received {num_thresholds!r}.")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        # The end points sit just outside [0, 1] so that 0 and 1 themselves are counted.
        epsilon = config.epsilon()
        self._thresholds = np.array([0.0 - epsilon] + inner + [1.0 + epsilon])
        self._init_thresholds = thresholds
        for count in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, count, self.add_variable(shape=(self.num_thresholds,), initializer="zeros", name=count))

    @property
    def thresholds(self):
        return list(self._thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = values_of(y_pred, self.dtype)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        tp, fp, tn, fn = confusion_counts("AUC", y_true, y_pred, self._thresholds, sample_weight=sample_weight,
                                          dtype=self.dtype)
        self.true_positives.assign_add(tp)
        self.false_positives.assign_add(fp)
        self.true_negatives.assign_add(tn)
        self.false_negatives.assign_add(fn)

    def result(self):
        tp, fp, tn, fn = (v.numpy().astype(np.float64) for v in
                          (self.true_positives, self.false_positives, self.true_negatives, self.false_negatives))
        if self.curve == "PR" and self.summation_method == "interpolation":
            return Tensor(np.asarray(self._interpolated_pr_auc(tp, fp, fn), dtype=self.dtype))
        recall = _ratio(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _ratio(fp, fp + tn), recall
        else:
            x, y = recall, _ratio(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return Tensor(np.asarray(np.sum((x[:-1] - x[1:]) * heights), dtype=self.dtype))

    @staticmethod
    def _interpolated_pr_auc(tp, fp, fn):
        """Davis and Goadrich's interpolation between the PR points (Keras' ``interpolate_pr_auc``):
        precision varies as ``TP / P`` along a straight line in (P, TP) between two thresholds."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _ratio(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = np.where(both, _ratio(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _ratio(slope * (dtp + intercept * np.log(p_ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return np.sum(increments)

    def get_config(self):
        return {"num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "thresholds": self._init_thresholds,
                "from_logits": self._from_logits, **super().get_config()}
