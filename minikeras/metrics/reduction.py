"""``Sum``, ``Mean`` and ``MeanMetricWrapper``: metrics that add up values over batches.

Weights follow Keras 3 (``reduce_to_samplewise_values``): values with more axes than the
sample weights are first averaged (``Mean``) or summed (``Sum``) over the extra axes, a
trailing axis of size 1 on either side is matched to the other, then

    Sum:   total += sum(values * w)
    Mean:  total += sum(values * w);  count += sum(w)    (count += batch size without weights)
           result = total / count   (0 when count is 0)

Example:
    >>> m = Mean()
    >>> m.update_state([1.0, 2.0, 3.0]); m.update_state([5.0], sample_weight=[3.0])
    >>> float(m.result())   # (1 + 2 + 3 + 5*3) / (3 + 3)
    3.5
"""
import numpy as np

from minikeras.metrics.base_metric import Metric
from minikeras.tensor import Tensor

__all__ = ["Sum", "Mean", "MeanMetricWrapper", "values_of", "same_rank"]


def values_of(x, dtype=None):
    """A NumPy array from a Tensor, an array, a list or a number (metrics are not differentiated)."""
    array = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    return array if dtype is None else array.astype(dtype, copy=False)


def same_rank(x1, x2, expand_rank_1=True):
    """Keras 3's ``squeeze_or_expand_to_same_rank``: match a trailing axis of size 1."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def samplewise(values, sample_weight, reduce_fn, dtype, owner):
    """``(values, weights)``: one value (and one weight) per sample, weights applied."""
    values = values_of(values, dtype)
    if sample_weight is not None:
        weights = values_of(sample_weight, dtype)
        values, weights = same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = reduce_fn(values, axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(
                f"Metric {owner.name!r}: sample_weight of shape {np.shape(sample_weight)} does not "
                f"broadcast to the values of shape {values.shape}.") from None
        values = values * weights
        if weights.ndim > 1:
            weights = reduce_fn(weights, axis=tuple(range(1, weights.ndim)))
    else:
        weights = None
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Sum(Metric):
    """The (weighted) sum of every value seen: ``total += sum(values * sample_weight)``."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = samplewise(values, sample_weight, np.sum, self.dtype, self)
        self.total.assign_add(np.sum(values))

    def result(self):
        return Tensor(self.total.numpy().copy())


class Mean(Metric):
    """The (weighted) mean of every value seen since the last reset.

    ``update_state(values, sample_weight=None)``; see the module docstring for the formula.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values, weights = samplewise(values, sample_weight, np.mean, self.dtype, self)
        self.total.assign_add(np.sum(values))
        if weights is not None:
            self.count.assign_add(np.sum(weights))
        else:
            self.count.assign_add(values.shape[0] if values.ndim else 1)

    def result(self):
        count = self.count.numpy()
        value = self.total.numpy() / count if count != 0 else np.zeros((), dtype=self.dtype)
        return Tensor(np.asarray(value, dtype=self.dtype))


class MeanMetricWrapper(Mean):
    """The weighted mean of ``fn(y_true, y_pred, **kwargs)`` over every sample seen.

    Args:
        fn: a function ``(y_true, y_pred) -> values`` (one value per sample, or more).
        name, dtype: as every ``Metric``.
        **kwargs: passed to ``fn`` at each call (e.g. ``threshold=0.7``).

    Example:
        >>> import numpy as np
        >>> m = MeanMetricWrapper(lambda t, p: np.abs(np.asarray(t) - np.asarray(p)), name="gap")
        >>> float(m([[0.0], [1.0]], [[0.5], [3.0]]))
        1.25
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper:
            from minikeras.metrics.functions import get

            config = dict(config)
            return cls(get(config.pop("fn")), **config)
        return cls(**config)
