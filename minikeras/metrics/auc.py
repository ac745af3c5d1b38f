"""AUC: the area under the ROC or precision-recall curve, as Keras approximates it.

The predictions are counted at ``T`` thresholds (``confusion_counts`` in ``confusion.py``):
by default ``T = num_thresholds`` evenly spaced over ``[0, 1]``, the first just below 0 and
the last just above 1 so that predictions of exactly 0 and 1 are counted. Each threshold ``i``
gives one point of the curve:

    ROC: x = FP / (FP + TN) (false-positive rate),  y = TP / (TP + FN) (recall)
    PR:  x = recall,                                y = TP / (TP + FP) (precision)

and the area is a Riemann sum over the ``T - 1`` intervals between the points:

    area = sum_i (x[i] - x[i + 1]) * height_i

with ``height_i`` the mean of ``y[i]`` and ``y[i + 1]`` (``'interpolation'``), their minimum
(``'minoring'``) or their maximum (``'majoring'``). PR with ``'interpolation'`` instead
interpolates TP and FP linearly between thresholds (Davis and Goadrich, 2006).

Several labels (``y_pred`` of shape ``(batch, labels)``):

* ``multi_label=True``: every column has its own counts, of shape ``(T, labels)``, and its own
  area; the result is their mean, or ``sum(area * label_weights) / sum(label_weights)``.
* ``multi_label=False`` (default): every element is one more prediction of a single curve;
  ``label_weights`` then multiply the sample weights of each column.

Example:
    >>> auc = AUC(num_thresholds=3)
    >>> auc.update_state([0, 0, 1, 1], [0.0, 0.6, 0.6, 1.0])
    >>> float(auc.result())
    0.75
    >>> per_label = AUC(multi_label=True, num_labels=2, label_weights=[3.0, 1.0])
    >>> per_label.update_state([[0, 1], [1, 0]], [[0.2, 0.9], [0.8, 0.9]])
    >>> float(per_label.result())   # (3 * 1.0 + 1 * 0.5) / 4: label 1 cannot tell its samples apart
    0.875
"""
import numpy as np

from minikeras import config
from minikeras.metrics.base_metric import Metric
from minikeras.metrics.confusion import confusion_counts, parse_thresholds, ratio
from minikeras.metrics.reduction import values_of
from minikeras.tensor import Tensor

__all__ = ["AUC"]

_COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _evenly_spaced(inner):
    """Keras' test: ``[0] + inner + [1]`` are ``i / (n - 1)`` within ``epsilon``."""
    points = np.array([0.0] + list(inner) + [1.0])
    if len(points) < 3:
        return False
    even = np.arange(len(points), dtype=np.float32) / (len(points) - 1)
    return bool(np.allclose(points, even, atol=config.epsilon()))


def _label_weights(label_weights, num_labels):
    if label_weights is None:
        return None
    if isinstance(label_weights, dict) and label_weights.get("class_name") == "__tensor__":
        label_weights = (label_weights.get("config") or {}).get("value")  # as a Keras 3 file stores it
    weights = np.asarray(values_of(label_weights), dtype=np.float64)
    if weights.ndim != 1 or not weights.size:
        raise ValueError(f"AUC: label_weights must be a list of one weight per label; received shape "
                         f"{weights.shape}.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"AUC: label_weights must be finite and non-negative; received {weights.tolist()}.")
    if num_labels is not None and len(weights) != num_labels:
        raise ValueError(f"AUC: label_weights has {len(weights)} entries; expected num_labels={num_labels}.")
    return weights


class AUC(Metric):
    """The area under the ROC or precision-recall curve, as Keras computes it.

    Args:
        num_thresholds: how many thresholds to count at (at least 2; default 200).
        curve: ``'ROC'`` or ``'PR'``.
        summation_method: ``'interpolation'`` (trapezoids for ROC, Davis-Goadrich for PR),
            ``'minoring'`` (lower rectangles) or ``'majoring'`` (upper rectangles).
        name, dtype: as every ``Metric``.
        thresholds: explicit thresholds in ``[0, 1]`` instead of evenly spaced ones (sorted;
            ``num_thresholds`` becomes ``len(thresholds) + 2``).
        multi_label: one curve per label (the last axis of ``y_pred``, of shape
            ``(batch, labels)``), their areas averaged; else one curve over every element.
        num_labels: with ``multi_label``, the number of labels: the state is created at once
            (otherwise at the first ``update_state``).
        label_weights: one non-negative weight per label: with ``multi_label`` the weights of
            the average of the areas; without, they multiply the sample weights of each column.
        from_logits: ``y_pred`` are logits (a sigmoid is applied first).

    State: ``true_positives``, ``false_positives``, ``true_negatives``, ``false_negatives``,
    each of shape ``(num_thresholds,)``, or ``(num_thresholds, labels)`` with ``multi_label``.

    Raises:
        ValueError: for a curve or summation method Keras does not know, fewer than 2
            thresholds, ``num_labels`` without ``multi_label``, label weights that are
            negative or not one per label, and data whose labels do not match ``num_labels``.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR'; received {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or 'majoring'; "
                             f"received {summation_method!r}.")
        if num_labels is not None:
            if not multi_label:
                raise ValueError(f"AUC: num_labels is needed only when multi_label is True; received "
                                 f"num_labels={num_labels!r} with multi_label=False.")
            if isinstance(num_labels, bool) or int(num_labels) != num_labels or num_labels < 1:
                raise ValueError(f"AUC: num_labels must be a positive integer; received {num_labels!r}.")
            num_labels = int(num_labels)
        super().__init__(name=name, dtype=dtype)
        self.curve, self.summation_method, self._from_logits = curve, summation_method, bool(from_logits)
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        self.label_weights = _label_weights(label_weights, num_labels)
        if thresholds is not None:
            inner = sorted(parse_thresholds("AUC", thresholds, None))
            self.num_thresholds = len(inner) + 2
        else:
            if isinstance(num_thresholds, bool) or int(num_thresholds) <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1; received {num_thresholds!r}.")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        self._evenly_spaced = _evenly_spaced(inner)
        # The end points sit just outside [0, 1] so that 0 and 1 themselves are counted.
        epsilon = config.epsilon()
        self._thresholds = np.array([0.0 - epsilon] + inner + [1.0 + epsilon])
        self._init_thresholds = None if thresholds is None else inner
        self._num_labels = None  # the labels the state is built for (multi_label only)
        if not self.multi_label:
            self._build(())
        elif num_labels is not None:
            self._build((num_labels,))

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, label_shape):
        """Create the four counts, of shape ``(num_thresholds,) + label_shape``."""
        self._num_labels = label_shape[0] if label_shape else None
        for count in _COUNTS:
            setattr(self, count, self.add_variable(shape=(self.num_thresholds,) + tuple(label_shape),
                                                   initializer="zeros", name=count))

    def _check_labels(self, y_pred):
        """With ``multi_label``: ``y_pred`` must be ``(batch, labels)`` with the labels built for."""
        if y_pred.ndim != 2:
            raise ValueError(f"AUC: with multi_label=True, y_pred must have rank 2, (batch, labels); received "
                             f"y_pred of shape {y_pred.shape}.")
        labels = y_pred.shape[1]
        if self._num_labels is None:
            if self.label_weights is not None and len(self.label_weights) != labels:
                raise ValueError(f"AUC: label_weights has {len(self.label_weights)} entries; expected one per "
                                 f"label, received y_pred of shape {y_pred.shape} ({labels} labels).")
            self._build((labels,))
        elif labels != self._num_labels:
            expected = f"num_labels={self._num_labels}" if self.num_labels is not None else \
                f"{self._num_labels} labels, as in the first batch"
            raise ValueError(f"AUC: expected {expected}; received y_pred of shape {y_pred.shape} "
                             f"({labels} labels).")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the counts. ``y_true`` and ``y_pred`` of the same shape (``y_true``
        0 or 1; ``y_pred`` probabilities, or logits with ``from_logits``); ``sample_weight``
        broadcast to them."""
        y_pred = values_of(y_pred, self.dtype)
        if self.multi_label:
            self._check_labels(y_pred)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        counts = confusion_counts(
            "AUC", y_true, y_pred, self._thresholds, sample_weight=sample_weight, dtype=self.dtype,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights,
            evenly_spaced=self._evenly_spaced)
        for count, value in zip(_COUNTS, counts):
            getattr(self, count).assign_add(value)

    def result(self):
        """The area: a scalar (with ``multi_label``, the weighted mean of the labels' areas)."""
        if self.multi_label and self._num_labels is None:  # nothing seen yet
            return Tensor(np.zeros((), dtype=self.dtype))
        tp, fp, tn, fn = (getattr(self, count).numpy().astype(np.float64) for count in _COUNTS)
        if self.curve == "PR" and self.summation_method == "interpolation":
            areas = self._interpolated_pr_auc(tp, fp, fn)
        else:
            recall = ratio(tp, tp + fn)
            if self.curve == "ROC":
                x, y = ratio(fp, fp + tn), recall
            else:
                x, y = recall, ratio(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            areas = np.sum((x[:-1] - x[1:]) * heights, axis=0)  # one per label with multi_label
        if not self.multi_label:
            value = areas
        elif self.label_weights is None:
            value = np.mean(areas)
        else:
            value = ratio(np.sum(areas * self.label_weights), np.sum(self.label_weights))
        return Tensor(np.asarray(value, dtype=self.dtype))

    @staticmethod
    def _interpolated_pr_auc(tp, fp, fn):
        """Davis and Goadrich's interpolation between the PR points (Keras' ``interpolate_pr_auc``):
        precision varies as ``TP / P`` along a straight line in (P, TP) between two thresholds.
        The counts are ``(T,)`` or ``(T, labels)``; the areas ``()`` or ``(labels,)``."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = ratio(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = np.where(both, ratio(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = ratio(slope * (dtp + intercept * np.log(p_ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return np.sum(increments, axis=0)

    def get_config(self):
        return {"num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "thresholds": self._init_thresholds,
                "multi_label": self.multi_label, "num_labels": self.num_labels,
                "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                "from_logits": self._from_logits, **super().get_config()}
