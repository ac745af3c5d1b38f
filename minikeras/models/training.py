"""Training: ``compile``, ``fit``, ``evaluate``, ``predict`` and their one-batch versions.

One training step is the whole story of deep learning in five lines::

    with GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = weighted mean of loss(y, y_pred) + sum(model.losses)   # + regularization
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

``fit`` repeats it over shuffled batches for some epochs, calling the callbacks (see
``minikeras/callbacks/``) around each batch and epoch. The loss of one output is Keras
2.2.4's weighted mean ``sum(loss * w) / count(w != 0)`` (``losses.compute_weighted_loss``),
where ``w`` comes from ``sample_weight`` or, if absent, from ``class_weight``; with several
outputs the total is ``sum(loss_weight_i * loss_i)``. What is logged: ``loss`` (the total,
regularization included), ``<output>_loss`` for each output of a multi-output model, each
metric (``acc``, ``<output>_acc``, ...) and the same with ``val_`` for validation data.
Epoch values are averages over batches weighted by their size.

The methods below are mixed into ``Model`` (``functional.py``), so they serve both
functional and ``Sequential`` models. What ``compile``'s arguments mean for each output is
resolved in ``compile_utils.py``; checking, splitting and batching the data is done in
``data_utils.py``.
"""
import numpy as np

from minikeras import callbacks as callbacks_module
from minikeras.models.compile_utils import (
    nested_metrics, resolve_loss_weights, resolve_losses, resolve_metrics, resolve_sample_weight_modes,
)
from minikeras.models.data_utils import (
    BatchPlan, batch_slices, check_batch_size, check_fit_arguments, check_steps, split_validation,
    standardize, standardize_inputs, take_all, validation_arrays,
)
from minikeras.models.custom_loop import (
    evaluate_with_steps, fit_with_steps, predict_on_batch_with_steps, predict_with_steps, test_on_batch_with_steps,
    train_on_batch_with_steps,
)
from minikeras.models.custom_steps import StepsMixin
from minikeras.models.generator_training import _feeding_options, is_batch_source, refuse_arrays_arguments
from minikeras.models.interrupt import graceful_interrupt
from minikeras.tape import GradientTape

__all__ = ["Trainer", "check_trainable_weights_consistency"]


class Trainer(StepsMixin):
    """compile / fit / evaluate / predict / *_on_batch, shared by every model.

    A model that overrides ``train_step``, ``test_step``, ``compute_loss`` or ``predict_step``
    (Keras 3) is trained by the loop of ``custom_loop.py`` instead (see ``custom_steps.py``).
    """

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
        from minikeras import optimizers

        if kwargs:
            raise TypeError(f"Model {self.name!r}: compile() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_metrics_argument = metrics  # (``self.metrics`` lists the Metric objects)
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self.weighted_metrics = weighted_metrics
        names = self.output_names
        if not names and getattr(self, "_is_subclassed", False):
            # Not built yet: as many outputs as a list of losses has (else one); building
            # compiles again if the model has another number of outputs.
            count = len(loss) if isinstance(loss, (list, tuple)) and loss else 1
            names = [f"output_{i + 1}" for i in range(count)]
            self._compile_arguments = dict(optimizer=optimizer, loss=loss, metrics=metrics,
                                           loss_weights=loss_weights, sample_weight_mode=sample_weight_mode,
                                           weighted_metrics=weighted_metrics)
        # No loss: the model's added losses (model.add_loss, layer.add_loss) are the whole loss.
        self.loss_functions = [None] * len(names) if loss is None else resolve_losses(loss, names, self.name)
        self._loss_weight_values = resolve_loss_weights(loss_weights, names)
        self._sample_weight_modes = resolve_sample_weight_modes(sample_weight_mode, names, self.name)
        self._metric_requests = (nested_metrics(metrics, names), nested_metrics(weighted_metrics, names))
        self._compiled = None  # resolved when the output shapes are known (see _compiled_state)
        # Keras 2: the weights that training updates are fixed here. Setting
        # layer.trainable afterwards takes effect at the next compile() (a warning says so).
        self._collected_trainable_weights = self.trainable_weights if self.built else None
        self._trainable_checked = False
        if self.built and self.outputs:
            self._compiled_state()

    def _compiled_state(self):
        """The metric functions and log names, resolved once the model's outputs exist."""
        if getattr(self, "loss_functions", None) is None:
            raise RuntimeError(
                f"Model {self.name!r}: you must compile the model before training or testing it: "
                "model.compile(optimizer, loss)."
            )
        if self._compiled is not None:
            return self._compiled
        labels, metric_specs = resolve_metrics(self.output_names, self.loss_functions,
                                               [tuple(x.shape) for x in self.outputs], self._metric_requests)
        labels = labels + [name for name, _ in self._added.metrics]  # model.add_metric
        from minikeras.metrics import Metric

        first_metric_label = len(labels) - len(metric_specs) - len(self._added.metrics)
        stateful = [label for label, (_, fn, _) in zip(labels[first_metric_label:], metric_specs)
                    if isinstance(fn, Metric)]
        self._compiled = {"labels": labels, "metrics": metric_specs, "stateful": stateful}
        return self._compiled

    @property
    def stateful_metric_names(self):
        """The logs of ``Metric`` objects: running values over the epoch, shown as they are
        (Keras 2.2.4's name), where metric functions are averaged over the batches."""
        if getattr(self, "loss_functions", None) is None or not self.outputs:
            return []
        return list(self._compiled_state()["stateful"])


    @property
    def metrics_names(self):
        """The names of what ``evaluate`` returns: ``['loss', ...per-output losses, ...metrics]``."""
        if getattr(self, "loss_functions", None) is None:
            return []
        if not self.outputs:
            return ["loss"]
        return list(self._compiled_state()["labels"])

    # --- one batch ----------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient update on one batch; returns the loss (and metrics, as a list), or
        ``{name: value}`` with ``return_dict=True`` (tf.keras). A model with its own
        ``train_step`` runs it (Keras 3), its metrics running on until ``reset_metrics()``."""
        if self._has_own_steps():
            return train_on_batch_with_steps(self, x, y, sample_weight, class_weight, return_dict)
        xs, ys, weights = standardize(self, x, y, sample_weight, class_weight)
        return self._named_or_listed(self._train_step(xs, ys, weights), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on one batch, without updating the weights (as ``train_on_batch``)."""
        if self._has_own_steps():
            return test_on_batch_with_steps(self, x, y, sample_weight, return_dict)
        xs, ys, weights = standardize(self, x, y, sample_weight)
        return self._named_or_listed(self._test_step(xs, ys, weights), return_dict)

    def predict_on_batch(self, x):
        """The model's output on one batch, as NumPy array(s) (a model's own ``predict_step``'s)."""
        if type(self).predict_step is not StepsMixin.predict_step:
            return predict_on_batch_with_steps(self, x)
        xs = standardize_inputs(self, x)
        return self._predict_step(xs)

    def _named_or_listed(self, outs, return_dict):
        if return_dict:
            return dict(zip(self._compiled_state()["labels"], outs))
        return _scalar_or_list(outs)

    def _train_step(self, xs, ys, weights):
        with GradientTape() as tape:
            outputs = self._as_output_list(self(self._model_inputs(xs), training=True))
            values = self._losses_of(ys, outputs, weights)
        variables = self._weights_to_train()
        grads = tape.gradient(values[0], variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return ([float(v.numpy()) for v in values] + self._metric_values(ys, outputs, weights)
                + self._added.metric_results())

    def _weights_to_train(self):
        """The trainable weights collected by ``compile`` (on first use if not built then)."""
        if getattr(self, "_collected_trainable_weights", None) is None:
            self._collected_trainable_weights = self.trainable_weights
        elif not self._trainable_checked:
            check_trainable_weights_consistency(self)
        self._trainable_checked = True
        return self._collected_trainable_weights

    def _test_step(self, xs, ys, weights):
        outputs = self._as_output_list(self(self._model_inputs(xs), training=False))
        values = self._losses_of(ys, outputs, weights)
        return ([float(v.numpy()) for v in values] + self._metric_values(ys, outputs, weights)
                + self._added.metric_results())

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
        for penalty in self.losses:  # weight and activity regularizers, added losses
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError(
                f"Model {self.name!r} has no loss to optimize: compile() was given no loss and "
                "the model has no added loss. Pass loss=... to compile(), or add one with "
                "model.add_loss(tensor) (or self.add_loss(...) in a layer's call)."
            )
        return [total] + (per_output if len(self.output_names) > 1 else [])

    def _metric_values(self, ys, outputs, weights):
        from minikeras import losses

        from minikeras.metrics import Metric

        values = []
        for i, fn, weighted in self._compiled_state()["metrics"]:
            if isinstance(fn, Metric):  # a running value over the epoch
                fn.update_state(_labels_for_metric(ys[i], outputs[i]), outputs[i],
                                sample_weight=weights[i] if weighted else None)
                values.append(float(np.asarray(fn.result())))
                continue
            result = fn(ys[i], outputs[i])
            value = losses.compute_weighted_loss(result, weights[i] if weighted else None, _mask_of(outputs[i]))
            values.append(float(np.asarray(value)))
        return values

    def _as_output_list(self, outputs):
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _model_inputs(self, xs):
        if getattr(self, "_input_keys", None):  # a subclassed model whose call() takes a dict
            return dict(zip(self._input_keys, xs))
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
            profile: (minikeras only) if True, print where the time of the first epoch's
                steps went, layer by layer (``minikeras.utils.profile``); the report is
                kept as ``model.profile_report``.

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
        if kwargs.pop("profile", False):  # minikeras' teaching tool: time the first epoch
            from minikeras.inspect.profile import profile_callback

            callbacks = list(callbacks or []) + [profile_callback()]
        if self._has_own_steps():  # Keras 3: the model's own train_step / compute_loss
            feeding = _feeding_options("fit", kwargs)
            if is_batch_source(x):
                refuse_arrays_arguments("fit", x, y=y, batch_size=batch_size, sample_weight=sample_weight)
            epochs, initial_epoch, validation_split, steps_per_epoch, validation_steps = check_fit_arguments(
                self, epochs, initial_epoch, validation_split, steps_per_epoch, validation_steps)
            return fit_with_steps(self, x, y, check_batch_size(batch_size, self), epochs, verbose, callbacks,
                                  validation_split, validation_data, shuffle, sample_weight, initial_epoch,
                                  steps_per_epoch, class_weight, validation_steps, feeding)
        if is_batch_source(x):  # a Sequence or a generator: see generator_training.py
            return self._fit_from_source(x, y, batch_size, epochs, verbose, callbacks, validation_split,
                                         validation_data, shuffle, class_weight, sample_weight,
                                         initial_epoch, steps_per_epoch, validation_steps, **kwargs)
        if kwargs:
            raise TypeError(f"Model {self.name!r}: fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        batch_size = check_batch_size(batch_size, self)
        epochs, initial_epoch, validation_split, steps_per_epoch, validation_steps = check_fit_arguments(
            self, epochs, initial_epoch, validation_split, steps_per_epoch, validation_steps)
        if getattr(self, "loss_functions", None) is None:
            self._compiled_state()  # raises the "compile first" error
        xs, ys, weights = standardize(self, x, y, sample_weight, class_weight)
        validation = None
        if validation_data is not None:
            validation = validation_arrays(self, validation_data)
        elif validation_split > 0:
            (xs, ys, weights), validation = split_validation((xs, ys, weights), validation_split, self.name)
        return self._fit_loop(xs, ys, weights, batch_size, epochs, verbose, callbacks, validation,
                              shuffle, initial_epoch, steps_per_epoch, validation_steps)

    def _fit_loop(self, xs, ys, weights, batch_size, epochs, verbose, callbacks, validation,
                  shuffle, initial_epoch, steps_per_epoch, validation_steps):
        labels = self._compiled_state()["labels"]
        n = len(xs[0])
        count_mode = "steps" if steps_per_epoch else "samples"
        self.history = callbacks_module.History()
        stateful = self.stateful_metric_names
        callback_list = [callbacks_module.BaseLogger(stateful)]
        if verbose:
            callback_list.append(callbacks_module.ProgbarLogger(count_mode, stateful_metrics=stateful))
        callback_list = callbacks_module.CallbackList(
            callback_list + callbacks_module.CallbackList(callbacks).callbacks + [self.history])
        callback_list.set_model(self)
        callback_list.set_params({
            "batch_size": batch_size, "epochs": epochs, "steps": steps_per_epoch, "samples": n,
            "verbose": verbose, "do_validation": validation is not None,
            "metrics": labels + ([f"val_{label}" for label in labels] if validation is not None else []),
        })
        for callback in callback_list:
            callback.validation_data = _callback_validation_data(validation)
        batches = BatchPlan(n, batch_size, shuffle, steps_per_epoch)
        if verbose and validation is not None:  # Keras 2 announces the split first
            print(f"Train on {n} samples, validate on {len(validation[0][0])} samples")
        self.stop_training = False
        with graceful_interrupt() as interrupt:
            callback_list.on_train_begin({})
            # BackupAndRestore found an interrupted run: go on from the epoch it recorded.
            initial_epoch = max(initial_epoch, self.__dict__.pop("_resume_from_epoch", initial_epoch))
            epoch = initial_epoch
            for epoch in range(initial_epoch, epochs):
                if interrupt.requested:  # Ctrl-C during the previous epoch's validation or callbacks
                    break
                callback_list.on_epoch_begin(epoch, {})
                self.reset_metrics()
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
            self._fit_interrupted = interrupt.requested  # Ctrl-C: BackupAndRestore keeps its backup
            callback_list.on_train_end({})
        return self.history

    def _train_epoch(self, batches, arrays, labels, callback_list, interrupt):
        """One training step per batch; False if stopped early (a callback, or Ctrl-C)."""
        for batch_index, ids in enumerate(batches):
            batch_logs = {"batch": batch_index, "size": len(ids)}
            callback_list.on_train_batch_begin(batch_index, batch_logs)
            outs = self._train_step(*take_all(arrays, ids))
            batch_logs.update(zip(labels, outs))
            callback_list.on_train_batch_end(batch_index, batch_logs)
            # Checked between steps only, so that Ctrl-C never leaves a half-applied update.
            if self.stop_training or interrupt.requested:
                return False
        return True

    # --- evaluate and predict ---------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, return_dict=False):
        """The loss (and metrics) on the data, averaged over batches weighted by their size.

        ``x`` may be a ``Sequence`` (or a generator, with ``steps``) of ``(x, y)`` batches;
        ``max_queue_size``, ``workers`` and ``use_multiprocessing`` are for that case only
        (see ``evaluate_generator``).

        Returns:
            A float if the model has no metrics and one output, else a list in the order of
            ``model.metrics_names``; with ``return_dict=True`` (tf.keras), ``{name: value}``.
        """
        if self._has_own_steps():
            if is_batch_source(x):
                refuse_arrays_arguments("evaluate", x, y=y, batch_size=batch_size, sample_weight=sample_weight)
            return evaluate_with_steps(self, x, y, sample_weight, check_batch_size(batch_size, self), return_dict,
                                       callbacks, check_steps(steps, "steps", self),
                                       dict(max_queue_size=max_queue_size, workers=workers,
                                            use_multiprocessing=use_multiprocessing))
        if is_batch_source(x):
            refuse_arrays_arguments("evaluate", x, y=y, batch_size=batch_size, sample_weight=sample_weight)
            return self.evaluate_generator(x, steps, max_queue_size, workers, use_multiprocessing,
                                           verbose=verbose)
        batch_size = check_batch_size(batch_size, self)
        steps = check_steps(steps, "steps", self)
        xs, ys, weights = standardize(self, x, y, sample_weight)
        callback_list = callbacks_module.CallbackList(callbacks)
        callback_list.set_model(self)
        outs = self._test_loop(xs, ys, weights, batch_size=batch_size, verbose=verbose, steps=steps,
                               callback_list=callback_list)
        if return_dict:
            return dict(zip(self._compiled_state()["labels"], outs))
        return _scalar_or_list(outs)

    def _test_loop(self, xs, ys, weights, batch_size, verbose, steps=None, callback_list=None):
        from minikeras.utils.generic_utils import Progbar

        labels = self._compiled_state()["labels"]
        n = len(xs[0])
        batches = batch_slices(n, batch_size)
        if steps is not None:
            batches = batches[:steps]
        seen = sum(len(range(*b.indices(n))) for b in batches)
        progbar = Progbar(target=seen) if verbose == 1 else None
        if callback_list is not None:
            callback_list.on_test_begin({})
        self.reset_metrics()
        running = np.isin(labels, self.stateful_metric_names)  # Metric objects: their last value
        totals, done = np.zeros(len(labels)), 0
        for batch_index, ids in enumerate(batches):
            size = len(range(*ids.indices(n)))
            logs = {"batch": batch_index, "size": size}
            if callback_list is not None:
                callback_list.on_test_batch_begin(batch_index, logs)
            outs = self._test_step(*take_all((xs, ys, weights), ids))
            totals = np.where(running, np.asarray(outs), totals + np.asarray(outs) * size)
            done += size
            logs.update(zip(labels, outs))
            if callback_list is not None:
                callback_list.on_test_batch_end(batch_index, logs)
            if progbar is not None:  # Keras 2's evaluate bar shows the progress only
                progbar.update(done)
        outs = [float(v) for v in np.where(running, totals, totals / max(done, 1))]
        if callback_list is not None:
            callback_list.on_test_end(dict(zip(labels, outs)))
        return outs

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10,
                workers=1, use_multiprocessing=False):
        """The model's outputs for ``x``, computed in batches, as NumPy array(s).

        ``x`` may be a ``Sequence`` (or a generator, with ``steps``) of input batches; the
        last three arguments are for that case only (see ``predict_generator``).
        """
        from minikeras.utils.generic_utils import Progbar

        if type(self).predict_step is not StepsMixin.predict_step:  # Keras 3: the model's own step
            if is_batch_source(x):
                refuse_arrays_arguments("predict", x, batch_size=batch_size)
            return predict_with_steps(self, x, check_batch_size(batch_size, self), verbose,
                                      check_steps(steps, "steps", self), callbacks,
                                      dict(max_queue_size=max_queue_size, workers=workers,
                                           use_multiprocessing=use_multiprocessing))
        if is_batch_source(x):
            refuse_arrays_arguments("predict", x, batch_size=batch_size)
            return self.predict_generator(x, steps, max_queue_size, workers, use_multiprocessing, verbose)
        batch_size = check_batch_size(batch_size, self)
        steps = check_steps(steps, "steps", self)
        xs = standardize_inputs(self, x)
        n = len(xs[0])
        batches = batch_slices(n, batch_size)
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


def check_trainable_weights_consistency(model):
    """Keras 2's warning when ``trainable`` changed after ``compile`` (``summary`` calls it too)."""
    import warnings

    collected = getattr(model, "_collected_trainable_weights", None)
    if collected is not None and len(model.trainable_weights) != len(collected):
        warnings.warn(UserWarning(
            "Discrepancy between trainable weights and collected trainable weights, did you set "
            "`model.trainable` without calling `model.compile` after ?"), stacklevel=3)


def _callback_validation_data(validation):
    """Keras 2's ``callback.validation_data``: the inputs, the targets, then their sample
    weights (ones where none were given), for the outputs that have a loss."""
    if validation is None:
        return None
    xs, ys, weights = validation
    trained = [(y, w) for y, w in zip(ys, weights) if y is not None]
    return (list(xs) + [y for y, _ in trained]
            + [np.ones(len(y), dtype=np.float32) if w is None else w for y, w in trained])


def _scalar_or_list(outs):
    return outs[0] if len(outs) == 1 else list(outs)


def _labels_for_metric(y, output):
    """The targets a ``Metric`` object sees.

    Keras 2 turns 1-D targets into a column ``(n, 1)`` (the losses expect it); tf.keras and
    Keras 3 hand a metric the labels as given, ``(n,)``. A column against an output of ``k > 1``
    values can only hold class indices, so a Metric gets it back as ``(n,)``: a metric written
    for those (``ops.one_hot(y_true, k) - y_pred``, Deep Learning with Python's
    ``RootMeanSquaredError``) computes what it does there, instead of broadcasting to
    ``(n, n, k)``.
    """
    shape = np.shape(y)
    if len(shape) == 2 and shape[1] == 1 and len(output.shape) == 2 and output.shape[-1] > 1:
        return np.reshape(y, (-1,))
    return y


def _mask_of(output):
    mask = getattr(output, "_keras_mask", None)
    return None if mask is None else np.asarray(mask)
