"""Training: ``compile``, ``fit``, ``evaluate``, ``predict`` and their one-batch versions.

One training step is the whole story of deep learning in five lines::

    with GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = weighted mean of loss(y, y_pred) + sum(model.losses)   # + regularization
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

``fit`` repeats it over shuffled batches for some epochs, calling the callbacks (see
``minikeras/callbacks.py``) around each batch and epoch. The loss of one output is Keras
2.2.4's weighted mean ``sum(loss * w) / count(w != 0)`` (``losses.compute_weighted_loss``),
where ``w`` comes from ``sample_weight`` or, if absent, from ``class_weight``; with several
outputs the total is ``sum(loss_weight_i * loss_i)``. What is logged: ``loss`` (the total,
regularization included), ``<output>_loss`` for each output of a multi-output model, each
metric (``acc``, ``<output>_acc``, ...) and the same with ``val_`` for validation data.
Epoch values are averages over batches weighted by their size.

The methods below are mixed into ``Model`` (``functional.py``), so they serve both
functional and ``Sequential`` models.
"""
import contextlib
import signal
import threading

import numpy as np

from minikeras import callbacks as callbacks_module
from minikeras.tape import GradientTape

__all__ = ["Trainer"]


class Trainer:
    """compile / fit / evaluate / predict / *_on_batch, shared by every model."""

    # --- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, **kwargs):
        """Configure the model for training.

        Args:
            optimizer: a name (``'sgd'``, ``'adam'``, ...) or an optimizer instance.
            loss: a name, a function ``loss(y_true, y_pred)`` or a ``Loss``; for a model with
                several outputs, a list (one per output) or a dict ``{output name: loss}``
                (an output missing from the dict is not trained).
            metrics: a list of metrics computed for every output (``'accuracy'`` picks
                binary, categorical or sparse accuracy from the loss and output shape, as
                Keras 2), or a dict ``{output name: metric or list}``.
            loss_weights: a list or dict of the factors of each output's loss in the total.
            sample_weight_mode: None (one weight per sample) or ``'temporal'`` (per timestep).
            weighted_metrics: metrics that are weighted by ``sample_weight``/``class_weight``.

        Raises:
            ValueError: for an unknown optimizer, loss or metric, or lists/dicts that do not
                match the outputs.
        """
        from minikeras import losses, optimizers

        if kwargs:
            raise TypeError(f"Model {self.name!r}: compile() got unexpected keyword argument(s) {sorted(kwargs)}.")
        if loss is None:
            raise ValueError(f"Model {self.name!r}: compile() needs a loss, e.g. loss='mse'.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.metrics = metrics
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self.weighted_metrics = weighted_metrics
        names = self.output_names
        self.loss_functions = [losses.get(l) for l in _per_output(loss, names, "loss")]
        if all(fn is None for fn in self.loss_functions):
            raise ValueError(f"Model {self.name!r}: the loss given to compile() leaves every output without a loss.")
        weights = _per_output(loss_weights, names, "loss_weights", default=1.0) if loss_weights is not None \
            else [1.0] * len(names)
        self._loss_weight_values = [float(w) for w in weights]
        modes = _per_output(sample_weight_mode, names, "sample_weight_mode")
        for mode in modes:
            if mode not in (None, "temporal"):
                raise ValueError(
                    f"Model {self.name!r}: sample_weight_mode should be None or 'temporal', received {mode!r}."
                )
        self._sample_weight_modes = modes
        self._metric_requests = (_nested_metrics(metrics, names), _nested_metrics(weighted_metrics, names))
        self._compiled = None  # resolved when the output shapes are known (see _compiled_state)
        if self.built and self.outputs:
            self._compiled_state()

    def _compiled_state(self):
        """The metric functions and log names, resolved once the model's outputs exist."""
        from minikeras import metrics as metrics_module

        if getattr(self, "loss_functions", None) is None:
            raise RuntimeError(
                f"Model {self.name!r}: you must compile the model before training or testing it: "
                "model.compile(optimizer, loss)."
            )
        if self._compiled is not None:
            return self._compiled
        names = self.output_names
        multi = len(names) > 1
        labels = ["loss"] + [f"{name}_loss" for name, fn in zip(names, self.loss_functions)
                             if multi and fn is not None]
        metric_specs = []  # (output index, function, weighted)
        for weighted, requests in zip((False, True), self._metric_requests):
            for i, requested in enumerate(requests):
                if self.loss_functions[i] is None:
                    continue  # an output that is not trained has no targets to compare with
                shape = tuple(self.outputs[i].shape)
                for identifier in requested:
                    fn, name = metrics_module.resolve(identifier, self.loss_functions[i], shape)
                    name = ("weighted_" if weighted else "") + name
                    label = _unique_label(f"{names[i]}_{name}" if multi else name, labels)
                    labels.append(label)
                    metric_specs.append((i, fn, weighted))
        self._compiled = {"labels": labels, "metrics": metric_specs}
        return self._compiled

    @property
    def metrics_names(self):
        """The names of what ``evaluate`` returns: ``['loss', ...per-output losses, ...metrics]``."""
        if getattr(self, "loss_functions", None) is None:
            return []
        if not self.outputs:
            return ["loss"]
        return list(self._compiled_state()["labels"])

    # --- one batch ----------------------------------------------------------------------------
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One gradient update on one batch; returns the loss (and metrics, as a list)."""
        xs, ys, weights = self._standardize(x, y, sample_weight, class_weight)
        return _scalar_or_list(self._train_step(xs, ys, weights))

    def test_on_batch(self, x, y, sample_weight=None):
        """The loss (and metrics) on one batch, without updating the weights."""
        xs, ys, weights = self._standardize(x, y, sample_weight)
        return _scalar_or_list(self._test_step(xs, ys, weights))

    def predict_on_batch(self, x):
        """The model's output on one batch, as NumPy array(s)."""
        xs = self._standardize_inputs(x)
        return self._predict_step(xs)

    def _train_step(self, xs, ys, weights):
        with GradientTape() as tape:
            outputs = self._as_output_list(self(self._model_inputs(xs), training=True))
            values = self._losses_of(ys, outputs, weights)
        variables = self.trainable_weights
        grads = tape.gradient(values[0], variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return [float(v.numpy()) for v in values] + self._metric_values(ys, outputs, weights)

    def _test_step(self, xs, ys, weights):
        outputs = self._as_output_list(self(self._model_inputs(xs), training=False))
        values = self._losses_of(ys, outputs, weights)
        return [float(v.numpy()) for v in values] + self._metric_values(ys, outputs, weights)

    def _predict_step(self, xs):
        outputs = self._as_output_list(self(self._model_inputs(xs), training=False))
        arrays = [np.array(out.numpy()) for out in outputs]
        return arrays[0] if len(arrays) == 1 else arrays

    def _losses_of(self, ys, outputs, weights):
        """``[total, per-output losses...]`` as Tensors (the total is differentiated)."""
        from minikeras import losses

        total, per_output = None, []
        for fn, factor, y, out, w in zip(self.loss_functions, self._loss_weight_values, ys, outputs, weights):
            if fn is None:
                continue
            loss = losses.compute_weighted_loss(fn(y, out), w, _mask_of(out))
            per_output.append(loss)
            term = loss if factor == 1.0 else loss * factor
            total = term if total is None else total + term
        for penalty in self.losses:  # weight and activity regularizers
            total = total + penalty
        return [total] + (per_output if len(self.output_names) > 1 else [])

    def _metric_values(self, ys, outputs, weights):
        from minikeras import losses

        values = []
        for i, fn, weighted in self._compiled_state()["metrics"]:
            result = fn(ys[i], outputs[i])
            value = losses.compute_weighted_loss(result, weights[i] if weighted else None, _mask_of(outputs[i]))
            values.append(float(np.asarray(value)))
        return values

    def _as_output_list(self, outputs):
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _model_inputs(self, xs):
        return xs[0] if len(xs) == 1 and self._single_input else xs

    # --- fit --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            **kwargs):
        """Train the model for ``epochs`` passes over the data; returns a ``History``.

        Args:
            x, y: input and target arrays (lists or dicts of them for several inputs/outputs).
            batch_size: samples per gradient update (default 32).
            epochs: the index of the last epoch (training runs from ``initial_epoch``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: a list of ``Callback`` instances.
            validation_split: the fraction of the data held out for validation: the LAST
                samples, taken before shuffling (as Keras).
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, val_sample_weight)``;
                overrides ``validation_split``.
            shuffle: shuffle the training samples before each epoch (``'batch'``: shuffle
                batches, not samples).
            class_weight: ``{class index: weight}`` (or one such dict per output name).
            sample_weight: per-sample weights, shape ``(samples,)`` (or ``(samples,
                timesteps)`` with ``sample_weight_mode='temporal'``); wins over class_weight.
            initial_epoch: the epoch to start from (to resume training).
            steps_per_epoch: if given, each epoch is this many batches of ``batch_size``
                drawn from the (reshuffled) data, and the bar counts steps.
            validation_steps: the number of validation batches per epoch (default: all).

        Pressing Ctrl-C stops training at the end of the current batch: the model keeps the
        weights of the last completed step and ``fit`` returns the history so far (a second
        Ctrl-C interrupts at once).

        Raises:
            RuntimeError: if the model is not compiled.
            ValueError: for data whose number, shape or length does not match the model,
                before anything is computed.
        """
        if "nb_epoch" in kwargs:  # Keras 1 spelling
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"Model {self.name!r}: fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        batch_size = _batch_size(batch_size, self)
        if getattr(self, "loss_functions", None) is None:
            self._compiled_state()  # raises the "compile first" error
        xs, ys, weights = self._standardize(x, y, sample_weight, class_weight)
        validation = None
        if validation_data is not None:
            validation = self._validation_arrays(validation_data)
        elif validation_split and validation_split > 0:
            if not 0 < validation_split < 1:
                raise ValueError(
                    f"Model {self.name!r}: validation_split must be in [0, 1), received {validation_split}."
                )
            n = len(xs[0])
            split_at = int(n * (1.0 - validation_split))
            if split_at == 0 or split_at == n:
                raise ValueError(
                    f"Model {self.name!r}: validation_split={validation_split} of {n} samples leaves "
                    f"{split_at} for training and {n - split_at} for validation; both must be non-empty."
                )
            validation = _slice_all((xs, ys, weights), slice(split_at, None))
            xs, ys, weights = _slice_all((xs, ys, weights), slice(0, split_at))
        return self._fit_loop(xs, ys, weights, batch_size, epochs, verbose, callbacks, validation,
                              shuffle, initial_epoch, steps_per_epoch, validation_steps)

    def _validation_arrays(self, validation_data):
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise ValueError(
                f"Model {self.name!r}: validation_data should be a tuple (x_val, y_val) or "
                f"(x_val, y_val, val_sample_weights); received {type(validation_data).__name__} "
                f"of length {len(validation_data) if hasattr(validation_data, '__len__') else '?'}."
            )
        x_val, y_val = validation_data[:2]
        weights = validation_data[2] if len(validation_data) == 3 else None
        return self._standardize(x_val, y_val, weights)

    def _fit_loop(self, xs, ys, weights, batch_size, epochs, verbose, callbacks, validation,
                  shuffle, initial_epoch, steps_per_epoch, validation_steps):
        labels = self._compiled_state()["labels"]
        n = len(xs[0])
        count_mode = "steps" if steps_per_epoch else "samples"
        self.history = callbacks_module.History()
        callback_list = [callbacks_module.BaseLogger()]
        if verbose:
            callback_list.append(callbacks_module.ProgbarLogger(count_mode))
        callback_list = callbacks_module.CallbackList(callback_list + list(callbacks or []) + [self.history])
        callback_list.set_model(self)
        callback_list.set_params({
            "batch_size": batch_size, "epochs": epochs, "steps": steps_per_epoch, "samples": n,
            "verbose": verbose, "do_validation": validation is not None,
            "metrics": labels + ([f"val_{label}" for label in labels] if validation is not None else []),
        })
        for callback in callback_list:
            callback.validation_data = None if validation is None else validation[0] + validation[1]
        batches = _BatchPlan(n, batch_size, shuffle, steps_per_epoch)
        self.stop_training = False
        with _graceful_interrupt() as interrupt:
            callback_list.on_train_begin({})
            epoch = initial_epoch
            for epoch in range(initial_epoch, epochs):
                if interrupt.requested:  # Ctrl-C during the previous epoch's validation or callbacks
                    break
                callback_list.on_epoch_begin(epoch, {})
                epoch_logs = {}
                completed = self._train_epoch(batches.epoch(), (xs, ys, weights), labels, callback_list, interrupt)
                if interrupt.requested:  # an unfinished epoch is not logged
                    break
                if completed and validation is not None:
                    val_outs = self._test_loop(*validation, batch_size=batch_size, verbose=0,
                                               steps=validation_steps, callback_list=callback_list)
                    epoch_logs.update((f"val_{label}", value) for label, value in zip(labels, val_outs))
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
            if interrupt.requested and verbose:
                print(f"\nTraining interrupted (Ctrl-C) during epoch {epoch + 1}/{epochs}: "
                      "returning the history of the completed epochs.")
            callback_list.on_train_end({})
        return self.history

    def _train_epoch(self, batches, arrays, labels, callback_list, interrupt):
        """One training step per batch; False if stopped early (a callback, or Ctrl-C)."""
        for batch_index, ids in enumerate(batches):
            batch_logs = {"batch": batch_index, "size": len(ids)}
            callback_list.on_train_batch_begin(batch_index, batch_logs)
            outs = self._train_step(*_take_all(arrays, ids))
            batch_logs.update(zip(labels, outs))
            callback_list.on_train_batch_end(batch_index, batch_logs)
            # Checked between steps only, so that Ctrl-C never leaves a half-applied update.
            if self.stop_training or interrupt.requested:
                return False
        return True

    # --- evaluate and predict ---------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None,
                 callbacks=None):
        """The loss (and metrics) on the data, averaged over batches weighted by their size.

        Returns:
            A float if the model has no metrics and one output, else a list in the order of
            ``model.metrics_names``.
        """
        batch_size = _batch_size(batch_size, self)
        xs, ys, weights = self._standardize(x, y, sample_weight)
        callback_list = callbacks_module.CallbackList(callbacks)
        callback_list.set_model(self)
        outs = self._test_loop(xs, ys, weights, batch_size=batch_size, verbose=verbose, steps=steps,
                               callback_list=callback_list)
        return _scalar_or_list(outs)

    def _test_loop(self, xs, ys, weights, batch_size, verbose, steps=None, callback_list=None):
        from minikeras.utils.generic_utils import Progbar

        labels = self._compiled_state()["labels"]
        n = len(xs[0])
        batches = _batch_slices(n, batch_size)
        if steps is not None:
            batches = batches[:steps]
        seen = sum(len(range(*b.indices(n))) for b in batches)
        progbar = Progbar(target=seen) if verbose == 1 else None
        if callback_list is not None:
            callback_list.on_test_begin({})
        totals, done = np.zeros(len(labels)), 0
        for batch_index, ids in enumerate(batches):
            size = len(range(*ids.indices(n)))
            logs = {"batch": batch_index, "size": size}
            if callback_list is not None:
                callback_list.on_test_batch_begin(batch_index, logs)
            outs = self._test_step(*_take_all((xs, ys, weights), ids))
            totals += np.asarray(outs) * size
            done += size
            logs.update(zip(labels, outs))
            if callback_list is not None:
                callback_list.on_test_batch_end(batch_index, logs)
            if progbar is not None:
                progbar.update(done, list(zip(labels, outs)))
        outs = [float(v) for v in totals / max(done, 1)]
        if callback_list is not None:
            callback_list.on_test_end(dict(zip(labels, outs)))
        return outs

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """The model's outputs for ``x``, computed in batches, as NumPy array(s)."""
        from minikeras.utils.generic_utils import Progbar

        batch_size = _batch_size(batch_size, self)
        xs = self._standardize_inputs(x)
        n = len(xs[0])
        batches = _batch_slices(n, batch_size)
        if steps is not None:
            batches = batches[:steps]
        callback_list = callbacks_module.CallbackList(callbacks)
        callback_list.set_model(self)
        progbar = Progbar(target=n) if verbose == 1 else None
        callback_list.on_predict_begin({})
        pieces = []
        for batch_index, ids in enumerate(batches):
            logs = {"batch": batch_index, "size": len(range(*ids.indices(n)))}
            callback_list.on_predict_batch_begin(batch_index, logs)
            result = self._predict_step([array[ids] for array in xs])
            pieces.append(result if isinstance(result, list) else [result])
            logs["outputs"] = result
            callback_list.on_predict_batch_end(batch_index, logs)
            if progbar is not None:
                progbar.update(ids.stop)
        callback_list.on_predict_end({})
        if not pieces:
            raise ValueError(f"Model {self.name!r}: predict() received no samples.")
        outputs = [np.concatenate(parts, axis=0) for parts in zip(*pieces)]
        return outputs[0] if len(outputs) == 1 else outputs

    # --- checking and arranging the data ------------------------------------------------------
    def _standardize_inputs(self, x):
        """``x`` as a list of arrays, one per model input, each checked against its Input."""
        if not self.outputs:  # a deferred Sequential model learns its input shape from the data
            first = np.asarray(x[0] if isinstance(x, (list, tuple)) else x)
            if first.dtype == object or first.ndim == 0:
                raise ValueError(f"Model {self.name!r}: cannot infer the input shape from {type(x).__name__}.")
            self.build((None,) + (first.shape[1:] or (1,)))  # (n,) data is seen as (n, 1)
        arrays = _as_arrays(x, self.input_names, "input", self.name, [len(t.shape) for t in self.inputs])
        for array, name, tensor in zip(arrays, self.input_names, self.inputs):
            _check_shape(array, tuple(tensor.shape), name, "input")
        _check_same_length(arrays, "input", self.name)
        return arrays

    def _standardize(self, x, y, sample_weight=None, class_weight=None):
        """Inputs, targets and per-output sample weights, checked before any computation."""
        xs = self._standardize_inputs(x)
        self._compiled_state()  # needs the outputs, hence after the inputs built the model
        names = self.output_names
        trained = [fn is not None for fn in self.loss_functions]
        if y is None:
            raise ValueError(f"Model {self.name!r}: targets y are required (received y=None).")
        ys = _as_arrays(y, names, "target", self.name, [len(t.shape) for t in self.outputs],
                        allow_missing=[not t for t in trained])
        for i, (array, name, fn) in enumerate(zip(ys, names, self.loss_functions)):
            if array is not None and fn is not None:
                _check_target(array, tuple(self.outputs[i].shape), name, fn)
        _check_same_length([a for a in ys if a is not None], "target", self.name)
        n_in, n_out = len(xs[0]), len(next(a for a in ys if a is not None))
        if n_in != n_out:
            raise ValueError(
                f"Model {self.name!r}: input arrays should have the same number of samples as target "
                f"arrays. Found {n_in} input samples and {n_out} target samples."
            )
        sample_weights = _per_output_data(sample_weight, names, "sample_weight")
        class_weights = _per_output_class_weight(class_weight, names)
        weights = []
        for i, (y_i, name) in enumerate(zip(ys, names)):
            weights.append(_standardize_weights(
                y_i, sample_weights[i], class_weights[i], self._sample_weight_modes[i], name))
        return xs, ys, weights


# --- helpers: compile ------------------------------------------------------------------------------
def _per_output(value, names, what, default=None):
    """One entry per output from a single value, a list or a dict keyed by output name."""
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(
                f"Unknown entries in the {what} dictionary: {unknown}. Only expected the output "
                f"names {names}."
            )
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model output. The "
                f"model has {len(names)} output(s) ({names}), but the list has {len(value)} entries."
            )
        return list(value)
    return [value] * len(names)


def _nested_metrics(metrics, names):
    """Keras 2's ``collect_metrics``: a list applies to every output; a dict goes by name."""
    if not metrics:
        return [[] for _ in names]
    if isinstance(metrics, (list, tuple)):
        if len(names) > 1 and metrics and all(isinstance(m, (list, tuple)) for m in metrics):
            return [list(m) for m in _per_output(list(metrics), names, "metrics")]
        return [list(metrics) for _ in names]
    if isinstance(metrics, dict):
        per_output = _per_output(metrics, names, "metrics", default=[])
        return [list(m) if isinstance(m, (list, tuple)) else [m] for m in per_output]
    raise TypeError(
        f"Type of `metrics` argument not understood. Expected a list or dictionary, found: {metrics!r}"
    )


def _unique_label(label, labels):
    base, suffix = label, 1
    while label in labels:
        label = f"{base}_{suffix}"
        suffix += 1
    return label


def _scalar_or_list(outs):
    return outs[0] if len(outs) == 1 else list(outs)


def _batch_size(batch_size, model):
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"Model {model.name!r}: batch_size must be a positive integer, received {batch_size!r}.")
    return int(batch_size)


def _mask_of(output):
    mask = getattr(output, "_keras_mask", None)
    return None if mask is None else np.asarray(mask)


# --- helpers: data ---------------------------------------------------------------------------------
def _as_arrays(data, names, kind, model_name, ranks, allow_missing=None):
    """A list with one NumPy array per name (Keras 2's ``standardize_input_data``).

    A 1-D array becomes a column ``(n, 1)`` unless the model expects rank 1 there.
    """
    if isinstance(data, dict):
        arrays = []
        for i, name in enumerate(names):
            if name not in data:
                if allow_missing and allow_missing[i]:
                    arrays.append(None)
                    continue
                raise ValueError(
                    f"Model {model_name!r}: no data provided for {kind} {name!r}. Need data for each "
                    f"key in: {names}"
                )
            arrays.append(data[name])
    elif isinstance(data, (list, tuple)):
        arrays = list(data)
        if len(arrays) != len(names):
            raise ValueError(
                f"Error when checking model {kind}: the list of arrays passed to model {model_name!r} "
                f"is not the size the model expected. Expected to see {len(names)} array(s) "
                f"(for {names}), but instead got a list of {len(arrays)} array(s)."
            )
    else:
        if len(names) != 1:
            raise ValueError(
                f"Error when checking model {kind}: model {model_name!r} expects {len(names)} "
                f"{kind} arrays (for {names}), but only received one array of shape {np.shape(data)}."
            )
        arrays = [data]
    result = []
    for array, rank in zip(arrays, ranks):
        if array is None:
            result.append(None)
            continue
        array = np.asarray(array)
        if array.dtype == object:
            raise ValueError(f"Model {model_name!r}: {kind} data must be numeric, received an object array.")
        if array.ndim == 1 and rank != 1:
            array = array[:, None]
        result.append(array)
    return result


def _check_shape(array, shape, name, kind):
    if len(array.shape) != len(shape):
        raise ValueError(
            f"Error when checking {kind}: expected {name} to have {len(shape)} dimensions, but got "
            f"array with shape {array.shape}"
        )
    for size, expected in zip(array.shape[1:], shape[1:]):
        if expected is not None and size != expected:
            raise ValueError(
                f"Error when checking {kind}: expected {name} to have shape {shape[1:]} but got "
                f"array with shape {array.shape[1:]}"
            )


def _check_target(y, output_shape, name, loss_fn):
    """Target shape checks of Keras 2 (``check_loss_and_target_compatibility`` and friends)."""
    loss_name = _loss_name(loss_fn)
    if loss_name == "sparse_categorical_crossentropy":
        expected = output_shape[:-1] + (1,)
        if y.shape[1:] != expected[1:] and y.shape[1:] != output_shape[1:-1]:
            raise ValueError(
                f"Error when checking target: expected {name} to have shape {expected[1:]} (integer "
                f"class labels) but got array with shape {y.shape[1:]}"
            )
        return
    if loss_name == "categorical_crossentropy" and y.shape[-1] == 1 and (output_shape[-1] or 0) > 1:
        raise ValueError(
            f"You are passing a target array of shape {y.shape} while using as loss "
            "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be binary "
            "matrices (1s and 0s) of shape (samples, classes). If your targets are integer classes, "
            "convert them to one-hot rows (e.g. np.eye(classes)[y]) or use the loss "
            "`sparse_categorical_crossentropy`, which expects integer targets."
        )
    if loss_name is not None:  # a built-in loss: the target has the output's shape
        _check_shape(y, output_shape, name, "target")


def _loss_name(loss_fn):
    """The name of a built-in loss function (also behind a Loss class), else None."""
    from minikeras import losses

    instance = losses._loss_instance(loss_fn)
    fn = instance.fn if isinstance(instance, losses.LossFunctionWrapper) else loss_fn
    name = getattr(fn, "__name__", None)
    return name if name and getattr(losses, name, None) is fn else None


def _check_same_length(arrays, kind, model_name):
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(
            f"Model {model_name!r}: all {kind} arrays should have the same number of samples. "
            f"Got array shapes: {[a.shape for a in arrays]}"
        )
    if lengths == {0}:
        raise ValueError(f"Model {model_name!r}: the {kind} arrays are empty (0 samples).")


def _per_output_data(value, names, what):
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict):
        return _per_output(value, names, what)
    if isinstance(value, (list, tuple)) and len(names) > 1:
        return _per_output(list(value), names, what)
    if len(names) > 1:
        raise ValueError(
            f"The model has {len(names)} outputs ({names}): give {what} as a list or a dict "
            "with one entry per output."
        )
    return [value]


def _per_output_class_weight(class_weight, names):
    if class_weight is None:
        return [None] * len(names)
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict {{class: weight}}, received {class_weight!r}.")
    if len(names) > 1 and set(class_weight) <= set(names):
        return [class_weight.get(name) for name in names]
    return [class_weight] * len(names)


def _standardize_weights(y, sample_weight, class_weight, mode, name):
    """The weights of one output's samples (Keras 2.2.4's ``standardize_weights``), or None."""
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if y is None:
            return None
        if mode == "temporal":
            if y.ndim < 3:
                raise ValueError(
                    f"Output {name!r}: sample_weight_mode='temporal' needs targets with a time axis "
                    f"(at least 3D), received targets of shape {y.shape}."
                )
            if sample_weight.ndim != 2:
                raise ValueError(
                    f"Output {name!r}: found a sample_weight array with shape {sample_weight.shape}. "
                    "For timestep-wise sample weighting, pass a 2D sample_weight array."
                )
        elif sample_weight.ndim != 1:
            raise ValueError(
                f"Output {name!r}: found a sample_weight array with shape {sample_weight.shape}. "
                "To weight timesteps, specify sample_weight_mode='temporal' in compile(); for "
                "sample-wise weights, make sure the sample_weight array is 1D."
            )
        if y.shape[:sample_weight.ndim] != sample_weight.shape:
            raise ValueError(
                f"Output {name!r}: found a sample_weight array with shape {sample_weight.shape} for "
                f"targets of shape {y.shape}: sample_weight cannot be broadcast."
            )
        return sample_weight
    if class_weight is not None and y is not None:
        if y.ndim > 2:
            raise ValueError(f"Output {name!r}: class_weight is not supported for 3+ dimensional targets.")
        classes = np.argmax(y, axis=1) if y.shape[1] > 1 else y.reshape(len(y))
        if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
            classes = classes.astype(np.int64)  # float labels 0., 1. are the classes 0, 1
        missing = set(classes.tolist()) - set(class_weight)
        if missing:
            raise ValueError(
                f"Output {name!r}: class_weight must contain all classes in the data. The classes "
                f"{sorted(missing)} exist in the data but not in class_weight."
            )
        return np.asarray([class_weight[c] for c in classes.tolist()], dtype=np.float64)
    return None


def _slice_all(groups, index):
    return tuple([None if a is None else a[index] for a in group] for group in groups)


def _take_all(groups, ids):
    return _slice_all(groups, ids)


def _batch_slices(n, batch_size):
    return [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


class _BatchPlan:
    """The batches of each epoch: index arrays over the training samples.

    Without ``steps_per_epoch`` an epoch is one pass over the (shuffled) samples; with it,
    an epoch is exactly that many batches taken from a stream of samples that continues
    across epochs and is reshuffled at each pass.
    """

    def __init__(self, n, batch_size, shuffle, steps_per_epoch):
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"fit: shuffle must be True, False or 'batch', received {shuffle!r}.")
        self.n, self.batch_size, self.shuffle, self.steps = n, batch_size, shuffle, steps_per_epoch
        self._stream = np.empty(0, dtype=np.int64)

    def _one_pass(self):
        index = np.arange(self.n)
        if self.shuffle == "batch":
            starts = np.arange(0, self.n, self.batch_size)
            np.random.shuffle(starts)
            return np.concatenate([index[s:s + self.batch_size] for s in starts])
        if self.shuffle:
            np.random.shuffle(index)
        return index

    def epoch(self):
        if self.steps is None:
            order = self._one_pass()
            return [order[s:s + self.batch_size] for s in range(0, self.n, self.batch_size)]
        needed = self.steps * self.batch_size
        while len(self._stream) < needed:
            self._stream = np.concatenate([self._stream, self._one_pass()])
        order, self._stream = self._stream[:needed], self._stream[needed:]
        return [order[s:s + self.batch_size] for s in range(0, needed, self.batch_size)]


class _InterruptState:
    requested = False


@contextlib.contextmanager
def _graceful_interrupt():
    """While ``fit`` runs, the first Ctrl-C (SIGINT) only asks training to stop after the batch.

    A second Ctrl-C raises ``KeyboardInterrupt`` at once, as usual. The previous handler is
    put back when ``fit`` ends. Signal handlers can only be set in the main thread; elsewhere
    Ctrl-C keeps its usual behaviour.
    """
    state = _InterruptState()
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # Ctrl-C ignored: keep it so
        yield state
        return

    def handler(signum, frame):
        if state.requested:
            raise KeyboardInterrupt
        state.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
