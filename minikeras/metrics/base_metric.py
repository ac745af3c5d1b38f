"""``Metric``: a number that accumulates over batches (tf.keras and Keras 3).

A metric function (``functions.py``) gives one value per sample and the model averages them.
A ``Metric`` object keeps its own state in variables instead: ``update_state`` adds a batch
to the state, ``result`` computes the number from the state, ``reset_state`` starts over::

    m = SparseCategoricalAccuracy()
    for x, y in batches:
        m.update_state(y, model(x))
    print(float(m.result()))        # the accuracy over every batch seen so far
    m.reset_state()                  # e.g. at the start of the next epoch

A model compiled with ``metrics=[m]`` does exactly this: it resets the metric at the start of
each epoch (and of each evaluation), updates it after each batch, and logs ``m.result()``
under ``m.name``.

Writing your own: subclass ``Metric``, create the state with ``add_weight`` (or
``add_variable``) in ``__init__``, and write ``update_state`` and ``result``.

Example:
    >>> import numpy as np
    >>> class Positives(Metric):
    ...     def __init__(self, name="positives", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.count = self.add_weight(name="count", shape=(), initializer="zeros")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.count.assign_add(np.sum(np.asarray(y_pred) > 0))
    ...     def result(self):
    ...         return self.count
    >>> m = Positives()
    >>> m.update_state(None, [1.0, -2.0, 3.0]); float(m.result())
    2.0
    >>> float(m(None, [5.0])), m.reset_state(), float(m.result())
    (3.0, None, 0.0)
"""
import re

import numpy as np

from minikeras import config
from minikeras.tensor import Tensor, Variable

__all__ = ["Metric", "snake_name"]


def snake_name(class_name):
    """``'SparseCategoricalAccuracy'`` -> ``'sparse_categorical_accuracy'``, ``'AUC'`` -> ``'auc'``
    (Keras' default names: acronyms stay one word)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Metric:
    """The base class of stateful metrics.

    Args:
        name: the name the metric is logged under (default: the class name in snake case).
        dtype: the dtype of its state and result (default ``config.floatx()``).

    Subclasses implement ``update_state(y_true, y_pred, sample_weight=None)`` and
    ``result()``; ``reset_state`` sets every state variable back to zeros (override it for
    another starting state).

    Raises:
        TypeError: when a subclass that does not implement ``update_state`` or ``result`` is
            created.
    """

    def __init__(self, dtype=None, name=None):
        missing = [method for method in ("update_state", "result")
                   if getattr(type(self), method) is getattr(Metric, method)]
        if missing:
            raise TypeError(
                f"Metric {type(self).__name__}: a Metric subclass must implement "
                f"{' and '.join(m + '()' for m in missing)}; {type(self).__name__} does not define "
                f"{'them' if len(missing) > 1 else 'it'}."
            )
        self.name = name or snake_name(type(self).__name__)
        self._dtype = str(np.dtype(dtype or config.floatx()))
        self._variables = []

    # --- state --------------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        """The state variables, in the order they were added."""
        return list(self._variables)

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a state variable (not trainable); Keras 3's spelling of ``add_weight``."""
        return self.add_weight(name=name, shape=shape, initializer=initializer, dtype=dtype,
                               aggregation=aggregation)

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                   synchronization=None):
        """Create a state variable of ``shape`` filled by ``initializer`` (default zeros).

        ``aggregation`` (how replicas combine the state on several devices) is accepted for
        compatibility; minikeras runs on one device, so it changes nothing.
        """
        from minikeras import initializers

        if aggregation not in ("sum", "mean", "only_first_replica", "none", None):
            raise ValueError(
                f"Metric {self.name!r}: add_weight(aggregation=...) must be 'sum', 'mean', "
                f"'only_first_replica' or 'none'; received {aggregation!r}.")
        try:
            shape = tuple(int(n) for n in (shape if shape is not None else ()))
        except (TypeError, ValueError):
            raise ValueError(
                f"Metric {self.name!r}: add_weight({name!r}) needs a shape, a tuple of ints; "
                f"received shape={shape!r}.") from None
        dtype = str(np.dtype(dtype or self._dtype))
        value = initializers.get(initializer if initializer is not None else "zeros")(shape, dtype=dtype)
        variable = Variable(np.asarray(value, dtype=dtype), trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def reset_state(self):
        """Set every state variable to zeros."""
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))

    def reset_states(self):
        """tf.keras 2's name of ``reset_state``."""
        self.reset_state()

    # --- what subclasses write ----------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        """Add one batch to the state."""
        raise NotImplementedError(f"Metric {type(self).__name__}.update_state")

    def result(self):
        """The metric's value, computed from the state (a scalar Tensor, or a vector)."""
        raise NotImplementedError(f"Metric {type(self).__name__}.result")

    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)``, then ``result()``."""
        self.update_state(*args, **kwargs)
        return self.result()

    # --- stateless use (Keras 3): the state passed in and handed back, never kept ---------------
    def _with_state(self, function, metric_variables, what):
        """Run ``function()`` with the variables set to ``metric_variables`` (None: as they are);
        the variables get their own values back afterwards."""
        if metric_variables is not None:
            metric_variables = list(metric_variables)
            if len(metric_variables) != len(self._variables):
                raise ValueError(f"Metric {self.name!r}.{what}: expected {len(self._variables)} metric "
                                 f"variables (one per entry of metric.variables), received {len(metric_variables)}.")
        saved = [np.array(v.numpy()) for v in self._variables]
        try:
            if metric_variables is not None:
                for variable, value in zip(self._variables, metric_variables):
                    value = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
                    if value.shape != tuple(variable.shape):
                        raise ValueError(f"Metric {self.name!r}.{what}: the variable {variable.name!r} has "
                                         f"shape {tuple(variable.shape)}; received a value of shape {value.shape}.")
                    variable.assign(value.astype(variable.dtype))
            return function()
        finally:
            for variable, value in zip(self._variables, saved):
                variable.assign(value)

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """The state after adding one batch to ``metric_variables`` (a list of arrays, in the
        order of ``metric.variables``); the metric's own state is left as it was."""
        def update():
            self.update_state(*args, **kwargs)
            return [Tensor(np.array(v.numpy())) for v in self._variables]
        return self._with_state(update, metric_variables, "stateless_update_state")

    def stateless_result(self, metric_variables):
        """``result()`` computed from ``metric_variables`` instead of the metric's own state."""
        def result():
            value = self.result()  # a copy: the result may be a view of a variable
            return Tensor(np.array(value.numpy() if hasattr(value, "numpy") else value))
        return self._with_state(result, metric_variables, "stateless_result")

    def stateless_reset_state(self):
        """The values of a freshly reset state (a list of arrays); the metric keeps its own."""
        def reset():
            self.reset_state()
            return [Tensor(np.array(v.numpy())) for v in self._variables]
        return self._with_state(reset, None, "stateless_reset_state")

    # --- config -------------------------------------------------------------------------------
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"

