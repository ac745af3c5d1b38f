"""Cross-entropies as metric objects: the loss functions, averaged over every sample seen.

``BinaryCrossentropy``, ``CategoricalCrossentropy`` and ``SparseCategoricalCrossentropy``
take the same settings as the losses of the same name (``from_logits``, ``label_smoothing``,
and for the categorical ones the class ``axis``, as in Keras 3) and average
``losses.<name>(y_true, y_pred)`` with the sample weights: values with more axes than the
weights (``(batch, steps)`` from ``axis=1`` on ``(batch, classes, steps)``) are first averaged
per sample.

Example:
    >>> m = BinaryCrossentropy()
    >>> m.update_state([[1.0]], [[0.5]])
    >>> round(float(m.result()), 4)   # -log(0.5)
    0.6931
"""
import numpy as np

from minikeras import losses
from minikeras.metrics.reduction import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"]


def _axis(name, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{name}: axis must be an integer; received axis={axis!r} of type {type(axis).__name__}.")
    return int(axis)


def _named(fn, name):
    """``fn`` with its errors naming the metric ``name`` rather than the loss function."""
    def values(y_true, y_pred, **kwargs):
        try:
            return fn(y_true, y_pred, **kwargs)
        except ValueError as error:
            raise ValueError(f"{name} (metric): {error}") from None

    values.__name__ = fn.__name__
    return values


class BinaryCrossentropy(MeanMetricWrapper):
    """The weighted mean of ``losses.binary_crossentropy`` (the mean over the last axis).

    Args:
        from_logits: ``y_pred`` are logits rather than probabilities.
        label_smoothing: targets become ``t * (1 - s) + s / 2``.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing))


class CategoricalCrossentropy(MeanMetricWrapper):
    """The weighted mean of ``losses.categorical_crossentropy`` for one-hot targets.

    Args:
        from_logits: ``y_pred`` are logits rather than probabilities.
        label_smoothing: targets become ``t * (1 - s) + s / classes`` (``classes``: the size of
            the last axis, as Keras computes it).
        axis: the class axis (default -1, the last), e.g. 1 for ``(batch, classes, steps)``.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0,
                 axis=-1):
        super().__init__(_named(losses.categorical_crossentropy, "CategoricalCrossentropy"), name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing),
                         axis=_axis("CategoricalCrossentropy", axis))


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The weighted mean of ``losses.sparse_categorical_crossentropy`` for integer targets.

    Args:
        from_logits: ``y_pred`` are logits rather than probabilities.
        ignore_class: only None (Keras 3's masking of one class is not supported).
        axis: the class axis of ``y_pred`` (default -1, the last); ``y_true`` has ``y_pred``'s
            shape without it, e.g. ``(batch, steps)`` for ``(batch, classes, steps)`` and ``axis=1``.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        if ignore_class is not None:
            raise NotImplementedError(f"SparseCategoricalCrossentropy: ignore_class={ignore_class!r} is not supported "
                                      "by minikeras (it needs Keras 3's loss masks).")
        super().__init__(_named(losses.sparse_categorical_crossentropy, "SparseCategoricalCrossentropy"), name=name,
                         dtype=dtype, from_logits=bool(from_logits), axis=_axis("SparseCategoricalCrossentropy", axis))
