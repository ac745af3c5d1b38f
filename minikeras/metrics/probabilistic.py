"""Cross-entropies as metric objects: the loss functions, averaged over every sample seen.

``BinaryCrossentropy``, ``CategoricalCrossentropy`` and ``SparseCategoricalCrossentropy``
take the same settings as the losses of the same name (``from_logits``, ``label_smoothing``)
and average ``losses.<name>(y_true, y_pred)`` with the sample weights.

Example:
    >>> m = BinaryCrossentropy()
    >>> m.update_state([[1.0]], [[0.5]])
    >>> round(float(m.result()), 4)   # -log(0.5)
    0.6931
"""
from minikeras import losses
from minikeras.metrics.reduction import MeanMetricWrapper

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"]


def _check_axis(name, axis):
    if axis != -1:
        raise NotImplementedError(f"{name}: axis={axis!r} is not supported; the classes are on the last axis (-1).")


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
        label_smoothing: targets become ``t * (1 - s) + s / classes``.
        axis: the class axis; only -1.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0.0,
                 axis=-1):
        _check_axis("CategoricalCrossentropy", axis)
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing))


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The weighted mean of ``losses.sparse_categorical_crossentropy`` for integer targets.

    Args:
        from_logits: ``y_pred`` are logits rather than probabilities.
        axis: the class axis; only -1.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        _check_axis("SparseCategoricalCrossentropy", axis)
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits))
