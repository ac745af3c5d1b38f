"""Models that train themselves: Keras 3's ``train_step``, ``test_step``, ``predict_step`` and
``compute_loss``, and the loop that calls them.

A ``Model`` subclass may take over one training step::

    class VAE(Model):
        def compute_loss(self, x, y, y_pred, sample_weight=None, training=True):
            ...                                       # any scalar, e.g. reconstruction + KL
            self.kl_tracker.update_state(kl)          # a metrics.Mean, an attribute of the model
            return total

    class GAN(Model):
        def train_step(self, data):
            with GradientTape() as tape:
                ...
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            ...
            return {"d_loss": ..., "g_loss": ...}

``fit`` then runs Keras 3's loop instead of Keras 2's (``custom_loop.py``): each batch goes to
``train_step(data)`` (``data`` is ``x``, ``(x, y)`` or ``(x, y, sample_weight)``, cut from the
arrays given to ``fit`` or as a ``Sequence`` or generator yields it; ``class_weight`` arrives
as ``sample_weight``; ``fit(x)`` needs no targets); the dict it returns is what the progress bar, the
callbacks and ``History`` show, and the epoch's logs are those of its last batch (the
values are running results of ``Metric`` objects). ``self.metrics`` lists the metric objects
of the model (the ``loss`` tracker, the compiled metrics, and every ``Metric`` assigned to
an attribute); all are reset at the start of each epoch and of each evaluation.

The default steps below are Keras 3's: ``train_step`` calls the model, then
``compute_loss`` (the compiled losses plus ``self.losses``), differentiates it on a
``GradientTape``, applies the gradients with ``self.optimizer``, updates the loss tracker and
the compiled metrics and returns ``get_metrics_result()``. A model that overrides none of
these methods keeps Keras 2's loop (``training.py``). ``train_on_batch``, ``test_on_batch`` and
``predict_on_batch`` run the model's steps too, once, without resetting the metrics.
"""
import numpy as np

from minikeras import callbacks as callbacks_module
from minikeras import config
from minikeras.models.interrupt import graceful_interrupt
from minikeras.tape import GradientTape
from minikeras.tensor import Tensor
from minikeras.utils.step_data import pack_x_y_sample_weight, unpack_x_y_sample_weight

__all__ = ["StepsMixin", "unpack_x_y_sample_weight", "pack_x_y_sample_weight"]

_STEP_METHODS = ("train_step", "test_step", "compute_loss", "predict_step")


def _map(structure, function):
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _map(v, function) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(v, function) for v in structure)
    return function(structure)


def _leaves(structure):
    if isinstance(structure, dict):
        return [leaf for v in structure.values() for leaf in _leaves(v)]
    if isinstance(structure, (list, tuple)):
        return [leaf for v in structure for leaf in _leaves(v)]
    return [] if structure is None else [structure]


def _as_arrays(structure):
    """NumPy arrays, floating ones in floatx (as Keras converts its inputs)."""
    def convert(value):
        array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
        return array.astype(config.floatx()) if np.issubdtype(array.dtype, np.floating) else array
    return _map(structure, convert)


def _take(structure, ids):
    return _map(structure, lambda array: array[ids])


def _log_value(name, value, method):
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=np.float64)
    return float(array) if array.size == 1 else array


def _as_logs(logs, method):
    if not isinstance(logs, dict):
        raise TypeError(
            f"{method} must return a dict of metric names to values (e.g. {{'loss': loss}}); received "
            f"{type(logs).__name__}: {logs!r:.80}.")
    return {str(k): _log_value(k, v, method) for k, v in logs.items()}


def _scalar_loss(loss, model):
    value = loss if isinstance(loss, Tensor) else np.asarray(loss)
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise ValueError(
            f"Model {model.name!r}: compute_loss must return a scalar loss; received a value of shape "
            f"{tuple(np.shape(value))}. Reduce it, e.g. with ops.mean(...).")
    return loss


def _no_compiled_loss(y_true, y_pred):
    """Stands for an output's missing compiled loss when its metrics are resolved."""
    raise RuntimeError("no compiled loss")


class StepsMixin:
    """Keras 3's step methods and ``metrics``; mixed into ``Trainer`` (``training.py``)."""

    # --- which loop ---------------------------------------------------------------------------
    def _has_own_steps(self):
        """True when a subclass overrides a step method (or ``metrics``): Keras 3's loop."""
        cls = type(self)
        return (any(getattr(cls, name) is not getattr(StepsMixin, name) for name in _STEP_METHODS)
                or cls.metrics is not StepsMixin.metrics)

    # --- metrics ------------------------------------------------------------------------------
    @property
    def metrics(self):
        """The model's ``Metric`` objects: the ``loss`` tracker, the compiled metrics, then every
        ``Metric`` assigned to an attribute of the model (trackers)."""
        from minikeras.metrics import Metric

        found = [self._loss_tracker_metric()] + [m for _, _, m, _ in self._compiled_metric_objects()]
        for value in vars(self).values():
            for item in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(item, Metric) and all(item is not m for m in found):
                    found.append(item)
        return found

    def _loss_tracker_metric(self):
        from minikeras.metrics import Mean

        if self.__dict__.get("_loss_tracker") is None:
            self.__dict__["_loss_tracker"] = Mean(name="loss")
        return self.__dict__["_loss_tracker"]

    def _compiled_metric_objects(self):
        """``[(label, output index, Metric, weighted)]`` for the compiled metrics (functions
        wrapped in ``MeanMetricWrapper``), once the outputs are known. As in Keras 3, an output
        without a compiled loss still has its metrics (a custom ``compute_loss`` trains it)."""
        from minikeras.metrics import MeanMetricWrapper, Metric
        from minikeras.models.compile_utils import resolve_metrics

        if getattr(self, "loss_functions", None) is None or not getattr(self, "outputs", None):
            return []
        state = self._compiled_state()
        if "objects" not in state:
            stand_ins = [fn if fn is not None else _no_compiled_loss for fn in self.loss_functions]
            labels, specs = resolve_metrics(self.output_names, stand_ins, [tuple(x.shape) for x in self.outputs],
                                            self._metric_requests)
            labels = labels[len(labels) - len(specs):]
            state["objects"] = [
                (label, i, fn if isinstance(fn, Metric) else MeanMetricWrapper(fn, name=label), weighted)
                for label, (i, fn, weighted) in zip(labels, specs)]
        return state["objects"]

    def reset_metrics(self):
        """Reset every ``Metric`` of the model (at the start of each epoch and evaluation)."""
        from minikeras.metrics import Metric

        for metric in self.metrics:
            metric.reset_state()
        if getattr(self, "_compiled", None):
            for _, fn, _ in self._compiled["metrics"]:
                if isinstance(fn, Metric):
                    fn.reset_state()

    def get_metrics_result(self):
        """``{name: value}`` of every metric in ``self.metrics`` (the compiled ones under their log names)."""
        labels = {id(m): label for label, _, m, _ in self._compiled_metric_objects()}
        return {labels.get(id(m), m.name): m.result() for m in self.metrics}

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch; return ``get_metrics_result()``."""
        entries = self._compiled_metric_objects()
        if entries and y is not None:
            ys, outputs, weights = self._per_output(y, y_pred, sample_weight)
            for _, i, metric, weighted in entries:
                if ys[i] is not None:
                    metric.update_state(ys[i], outputs[i], sample_weight=weights[i] if weighted else None)
        return self.get_metrics_result()

    # --- loss ---------------------------------------------------------------------------------
    def _per_output(self, y, y_pred, sample_weight):
        outputs = self._as_output_list(y_pred)
        names = self.output_names
        if isinstance(y, dict):
            ys = [y.get(name) for name in names]
        else:
            ys = list(y) if isinstance(y, (list, tuple)) else [y]
        if isinstance(sample_weight, dict):
            weights = [sample_weight.get(name) for name in names]
        elif isinstance(sample_weight, (list, tuple)):
            weights = list(sample_weight)
        else:
            weights = [sample_weight] * len(outputs)
        if len(ys) != len(outputs):
            raise ValueError(f"Model {self.name!r}: {len(outputs)} output(s) but {len(ys)} target(s).")
        return ys, outputs, weights

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The scalar to minimise: the compiled losses (weighted by ``loss_weights``) plus
        ``self.losses`` (regularization and added losses). Override it for another loss."""
        if all(fn is None for fn in (getattr(self, "loss_functions", None) or [None])):
            losses = list(self.losses)
            if not losses:
                raise ValueError(
                    f"Model {self.name!r} has no loss to optimize: compile(loss=...) was not given, and "
                    "compute_loss was not overridden and the model has no added loss.")
            total = losses[0]
            for penalty in losses[1:]:
                total = total + penalty
            return total
        if y is None:
            raise ValueError(
                f"Model {self.name!r}: the model was compiled with a loss, which compares predictions with "
                "targets, but the data has none: fit(x, y), or override compute_loss.")
        ys, outputs, weights = self._per_output(y, y_pred, sample_weight)
        return self._losses_of(ys, outputs, weights)[0]

    @property
    def compiled_loss(self):
        """tf.keras 2's ``self.compiled_loss(y, y_pred, sample_weight=None,
        regularization_losses=None)``: the compiled loss (the loss tracker is updated too)."""
        model = self

        def compiled_loss(y, y_pred, sample_weight=None, regularization_losses=None):
            ys, outputs, weights = model._per_output(y, y_pred, sample_weight)
            total = model._losses_of(ys, outputs, weights)[0]  # includes model.losses already
            model._loss_tracker_metric().update_state(total)
            return total
        return compiled_loss

    @property
    def compiled_metrics(self):
        """tf.keras 2's ``self.compiled_metrics.update_state(y, y_pred, sample_weight=None)``."""
        model = self

        class CompiledMetrics:
            def update_state(self, y, y_pred, sample_weight=None):
                model.compute_metrics(None, y, y_pred, sample_weight)

            @property
            def metrics(self):
                return [m for _, _, m, _ in model._compiled_metric_objects()]
        return CompiledMetrics()

    # --- the steps ----------------------------------------------------------------------------
    def train_step(self, data):
        """One training step on one batch (Keras 3's default); returns the logs as a dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = _scalar_loss(self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                                  training=True), self)
        self._loss_tracker_metric().update_state(loss, sample_weight=len(_leaves(x)[0]))
        variables = self.trainable_weights
        if variables:
            grads = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One evaluation step on one batch (Keras 3's default); returns the logs as a dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = _scalar_loss(self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                              training=False), self)
        self._loss_tracker_metric().update_state(loss, sample_weight=len(_leaves(x)[0]))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's output for one batch of inputs."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)
