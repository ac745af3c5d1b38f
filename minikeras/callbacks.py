"""Callbacks: code that ``fit`` (and ``evaluate``, ``predict``) runs at fixed moments.

``fit`` calls, in this order::

    on_train_begin
      on_epoch_begin(epoch)
        on_train_batch_begin(batch) / on_train_batch_end(batch, logs)   (for each batch;
                                       the Keras 2 names on_batch_begin/end are called too)
        on_test_begin ... on_test_end  (the validation pass, if any)
      on_epoch_end(epoch, logs)        (logs: 'loss', the metrics, and 'val_*')
    on_train_end

A callback reads ``self.model`` and ``self.params`` (batch size, epochs, steps, samples,
verbose, do_validation, metrics) and may set ``self.model.stop_training = True`` to end
training after the current batch or epoch. The epoch logs that callbacks receive are the
averages over the epoch's batches, weighted by batch size (``BaseLogger`` computes them).

Callbacks in this module: ``History`` (every model has one), ``BaseLogger``,
``ProgbarLogger``, ``EarlyStopping``, ``ModelCheckpoint``, ``ReduceLROnPlateau``,
``LearningRateScheduler``, ``CSVLogger``, ``LambdaCallback``, ``TerminateOnNaN``.
"""
import csv
import inspect
import os
import warnings

import numpy as np

__all__ = [
    "Callback", "CallbackList", "BaseLogger", "History", "ProgbarLogger", "EarlyStopping",
    "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
    "LambdaCallback", "TerminateOnNaN",
]


class Callback:
    """The base class: every hook does nothing until a subclass overrides it.

    Attributes:
        model: the model being trained (set by ``set_model``).
        params: the training parameters (set by ``set_params``).
        validation_data: the validation arrays of ``fit``, or None.
    """

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    # Keras 2's original batch hooks; the train-batch hooks call them by default.
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


class CallbackList:
    """Calls a hook on every callback of a list, in order."""

    def __init__(self, callbacks=None):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be instances of minikeras.callbacks.Callback, got "
                    f"{type(callback).__name__}: {callback!r:.80}"
                )

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, hook):
        # on_epoch_begin, on_train_batch_end, ...: forward the call to every callback.
        if not hook.startswith("on_") or not hasattr(Callback, hook):
            raise AttributeError(hook)

        def call_all(*args, **kwargs):
            for callback in self.callbacks:
                getattr(callback, hook)(*args, **kwargs)
        return call_all


class BaseLogger(Callback):
    """Averages the batch logs over each epoch (weighted by batch size) into the epoch logs.

    Added to every ``fit``. Metrics listed in ``stateful_metrics`` keep their last value.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or ())

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0)
        self.seen += size
        for key, value in logs.items():
            if key in ("batch", "size"):
                continue
            if key in self.stateful_metrics:
                self.totals[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0.0) + value * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for key in self.params.get("metrics", []):
            if key in self.totals:
                logs[key] = self.totals[key] if key in self.stateful_metrics else self.totals[key] / self.seen


class History(Callback):
    """Records the epoch logs: ``history.history['loss']`` is the list of epoch losses.

    ``fit`` returns it (and keeps it as ``model.history``); ``history.epoch`` lists the
    epoch numbers (counted from 0).
    """

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar with the running loss and metrics.

    Added by ``fit`` when ``verbose`` is 1 (a bar redrawn as it goes) or 2 (one line per
    epoch).

    Args:
        count_mode: ``'samples'`` (the bar counts samples, Keras 2's default for arrays) or
            ``'steps'`` (batches; used with ``steps_per_epoch``).
        stateful_metrics: names shown as they are rather than averaged.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"ProgbarLogger: unknown count_mode {count_mode!r}; expected 'samples' or 'steps'.")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        from minikeras.utils.generic_utils import Progbar

        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self.target = self.params["steps"] if self.use_steps else self.params["samples"]
        self.progbar = Progbar(target=self.target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics)
        self.seen = 0

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.target:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        for key in self.params.get("metrics", []):
            if key in logs:
                self.log_values.append((key, logs[key]))
        # The last step is drawn at the end of the epoch, with the validation values.
        if self.verbose and self.seen < self.target:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key in self.params.get("metrics", []):
            if key in logs and key.startswith("val_"):
                self.log_values.append((key, logs[key]))
        if self.verbose:
            self.progbar.update(self.seen, self.log_values)


def _monitor_mode(name, mode, monitor):
    """``np.less`` or ``np.greater``: Keras 2's 'auto' maximises metrics named like accuracy."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: unknown mode {mode!r}; expected 'auto', 'min' or 'max'.")
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))):
        return np.greater
    return np.less


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving.

    Args:
        monitor: the log to watch, e.g. ``'val_loss'``.
        min_delta: a change smaller than this is no improvement.
        patience: the number of epochs without improvement after which training stops.
        verbose: 1 prints the epoch at which training stopped.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (``'max'`` for names containing ``acc``).
        baseline: training stops if the quantity does not improve on this value.
        restore_best_weights: put back the weights of the best epoch when stopping.

    Example:
        ``model.fit(x, y, validation_split=0.2, callbacks=[EarlyStopping(patience=2)])``
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.monitor_op = _monitor_mode("EarlyStopping", mode, monitor)
        # min_delta always makes an improvement harder to reach.
        self.min_delta = abs(min_delta) if self.monitor_op is np.greater else -abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(self, logs)
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                if self.restore_best_weights and self.best_weights is not None:
                    if self.verbose > 0:
                        print("Restoring model weights from the end of the best epoch")
                    self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")


def _monitored(callback, logs):
    value = (logs or {}).get(callback.monitor)
    if value is None:
        warnings.warn(
            f"{type(callback).__name__} is conditioned on metric {callback.monitor!r}, which is not "
            f"available. Available metrics are: {', '.join(sorted(logs or {}))}", RuntimeWarning,
        )
    return value


class ModelCheckpoint(Callback):
    """Save the model (or its weights) after every ``period`` epochs.

    Args:
        filepath: where to save; a template formatted with the epoch (counted from 1) and
            the epoch logs, e.g. ``'weights.{epoch:02d}-{val_loss:.2f}.npz'``. The file is
            written at exactly that path.
        monitor: the quantity compared when ``save_best_only``.
        verbose: 1 prints a line at each save.
        save_best_only: only save when ``monitor`` improves on the best value so far.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``'auto'``, ``'min'`` or ``'max'``, as for ``EarlyStopping``.
        period: the number of epochs between two checkpoints.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = int(period)
        self.monitor_op = _monitor_mode("ModelCheckpoint", mode, monitor)
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.epochs_since_last_save = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        try:
            filepath = self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as error:
            raise ValueError(
                f"ModelCheckpoint: the filepath template {self.filepath!r} uses {error}, which is "
                f"not in the epoch logs {sorted(logs)} (nor 'epoch')."
            ) from None
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"Can save best model only with {self.monitor} available, skipping.", RuntimeWarning)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from {self.best:0.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from {self.best:0.5f} to "
                      f"{current:0.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: saving model to {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


class ReduceLROnPlateau(Callback):
    """Reduce the learning rate when a monitored quantity has stopped improving.

    Args:
        monitor: the quantity to watch.
        factor: the new rate is ``rate * factor`` (must be < 1).
        patience: epochs without improvement before the rate is reduced.
        verbose: 1 prints each reduction.
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        min_delta: the threshold of a significant improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate is never reduced below this.

    The current rate is added to the epoch logs as ``'lr'``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # the Keras 2.0 name of min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) {sorted(kwargs)}.")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, received factor={factor}.")
        self.monitor = monitor
        self.factor = float(factor)
        self.min_lr = float(min_lr)
        self.min_delta = float(min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.mode = mode
        _monitor_mode("ReduceLROnPlateau", mode, monitor)  # checks the mode
        self._reset()

    def _reset(self):
        # Keras 2 keeps 'auto' as 'min' unless the name contains 'acc'.
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["lr"] = float(optimizer.lr)
        current = _monitored(self, logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.lr)
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.lr = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule``.

    Args:
        schedule: a function ``schedule(epoch)`` or ``schedule(epoch, lr)`` (epoch counted
            from 0, ``lr`` the current rate) returning the new rate as a float.
        verbose: 1 prints the rate at each epoch.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, received {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose
        try:
            parameters = inspect.signature(schedule).parameters.values()
            positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            self._takes_lr = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)
        except (TypeError, ValueError):
            self._takes_lr = False

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "lr"):
            raise ValueError('LearningRateScheduler: the optimizer must have a "lr" attribute.')
        lr = self.schedule(epoch, float(optimizer.lr)) if self._takes_lr else self.schedule(epoch)
        if not isinstance(lr, (float, int, np.floating, np.integer)) or isinstance(lr, bool):
            raise ValueError(
                f'LearningRateScheduler: the output of the "schedule" function should be a float, '
                f"received {lr!r}."
            )
        optimizer.lr = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate to {float(lr)}.")


class CSVLogger(Callback):
    """Write the epoch logs to a CSV file: a header ``epoch,<keys...>`` then one row per epoch.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: append to an existing file (the header is written only if it is empty).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.writer = None
        self.keys = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                self.append_header = not bool(f.readline())
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def text(value):
            if isinstance(value, str):
                return value
            if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) > 0:
                return f"[{', '.join(map(str, value))}]"
            return value

        if self.keys is None:
            self.keys = sorted(logs)
        if self.model is not None and getattr(self.model, "stop_training", False):
            logs = {key: logs.get(key, "NA") for key in self.keys}
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, text(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


class LambdaCallback(Callback):
    """A callback made of plain functions, e.g. ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_batch_begin, on_batch_end: ``f(batch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
        **kwargs: any other hook by name (``on_test_end=...``).
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for hook, function in hooks.items():
            if not hook.startswith("on_") or not hasattr(Callback, hook):
                raise TypeError(f"LambdaCallback: unknown hook {hook!r}.")
            if function is not None:
                setattr(self, hook, function)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
