"""Regression metrics as objects: mean squared and absolute errors, and their root.

``MeanSquaredError`` and ``MeanAbsoluteError`` average the loss functions of the same name
(one value per sample: the mean over the last axis) with the sample weights;
``RootMeanSquaredError`` is ``sqrt(weighted mean of (y_pred - y_true)**2)`` over every
element seen, so it is not the mean of per-batch roots.

Example:
    >>> m = RootMeanSquaredError()
    >>> m.update_state([[0.0], [0.0]], [[3.0], [4.0]])
    >>> float(m.result())   # sqrt((9 + 16) / 2)
    3.535533905029297
"""
import numpy as np

from minikeras import losses
from minikeras.metrics.reduction import Mean, MeanMetricWrapper, same_rank, values_of
from minikeras.tensor import Tensor

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError"]


class MeanSquaredError(MeanMetricWrapper):
    """The weighted mean of ``mean((y_pred - y_true)**2, axis=-1)`` over the samples seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The weighted mean of ``mean(|y_pred - y_true|, axis=-1)`` over the samples seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the weighted mean of ``(y_pred - y_true)**2`` over everything seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = values_of(y_pred, self.dtype)
        y_true, y_pred = same_rank(values_of(y_true, self.dtype), y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return Tensor(np.sqrt(super().result().numpy()))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
