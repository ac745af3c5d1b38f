"""Training on batches that come one at a time: ``fit_generator``, ``evaluate_generator``,
``predict_generator``, and ``fit`` / ``evaluate`` / ``predict`` given a ``Sequence``.

When the data does not fit in memory as one array, a program gives the model a source of
batches instead (Keras 2)::

    def batches():
        while True:                                  # a generator must never stop
            for i in range(0, len(x_train), 64):
                yield x_train[i:i + 64], y_train[i:i + 64]

    model.fit_generator(batches(), steps_per_epoch=len(x_train) // 64, epochs=2,
                        validation_data=(x_test, y_test))
    model.fit(MySequence(...), epochs=2)              # a Sequence knows its length

Each step takes the next batch ``(x, y)`` or ``(x, y, sample_weight)`` and runs
``train_on_batch``; everything else is ``fit``'s: the callbacks, the logs averaged over the
batches (weighted by their sizes), validation at the end of each epoch, ``History``. The
batches are read ahead by worker threads or processes (``batch_feeder.py``). A batch of the
wrong structure or shape stops training with an error that says which step it was and what
the source yielded.
"""
import itertools

import numpy as np

from minikeras import callbacks as callbacks_module
from minikeras.models.batch_feeder import BatchFeeder, GeneratorExhausted, is_generator, is_sequence
from minikeras.models.data_utils import validation_arrays
from minikeras.models.interrupt import graceful_interrupt

__all__ = ["GeneratorTrainer", "is_batch_source", "refuse_arrays_arguments"]


def is_batch_source(data):
    """True for a ``Sequence`` or a Python generator (data that ``fit`` reads batch by batch)."""
    return is_sequence(data) or is_generator(data)


class GeneratorTrainer:
    """The ``*_generator`` methods, mixed into ``Model``."""

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True,
                      initial_epoch=0):
        """Train on the batches of a generator or ``Sequence``; returns a ``History``.

        Args:
            generator: a Python generator yielding ``(x, y)`` or ``(x, y, sample_weight)``
                forever, or a ``Sequence`` (batch ``i`` by index, ``len()`` batches).
            steps_per_epoch: batches per epoch (default for a Sequence: ``len(generator)``).
            epochs, verbose, callbacks, class_weight, initial_epoch: as in ``fit``.
            validation_data: a generator or Sequence (then ``validation_steps`` batches), or
                ``(x_val, y_val)`` / ``(x_val, y_val, sample_weight)`` arrays.
            validation_steps: validation batches per epoch (default for a Sequence: its len).
            max_queue_size: batches read ahead at most.
            workers: threads (or processes) reading batches; 0 reads them in this thread.
            use_multiprocessing: processes instead of threads, for a Sequence.
            shuffle: visit a Sequence's batches in a new order each epoch.

        Raises:
            ValueError: for a missing ``steps_per_epoch`` with a generator, a batch that is
                not ``(x, y[, sample_weight])`` or does not fit the model (naming the step
                and what was yielded), or a generator that stops too early.
        """
        if getattr(self, "loss_functions", None) is None:
            self._compiled_state()  # raises the "compile first" error
        steps_per_epoch = _steps(generator, steps_per_epoch, "steps_per_epoch", "fit_generator")
        generator = _build_from_first_batch(self, generator)
        validation_is_source = validation_data is not None and is_batch_source(validation_data)
        if validation_is_source:
            validation_steps = _steps(validation_data, validation_steps, "validation_steps", "fit_generator")
            validation_arrays_ = None
        elif validation_data is not None:
            validation_arrays_ = validation_arrays(self, validation_data)
        feeder = BatchFeeder(generator, workers, use_multiprocessing, max_queue_size, shuffle)
        validation_feeder = (BatchFeeder(validation_data, workers, use_multiprocessing, max_queue_size)
                             if validation_is_source else None)
        labels = self._compiled_state()["labels"]
        do_validation = validation_data is not None
        self.history = callbacks_module.History()
        stateful = self.stateful_metric_names
        callback_list = [callbacks_module.BaseLogger(stateful)]
        if verbose:
            callback_list.append(callbacks_module.ProgbarLogger("steps", stateful_metrics=stateful))
        callback_list = callbacks_module.CallbackList(
            callback_list + callbacks_module.CallbackList(callbacks).callbacks + [self.history])
        callback_list.set_model(self)
        callback_list.set_params({
            "epochs": epochs, "steps": steps_per_epoch, "verbose": verbose, "do_validation": do_validation,
            "metrics": labels + ([f"val_{label}" for label in labels] if do_validation else []),
        })
        self.stop_training = False
        try:
            with graceful_interrupt() as interrupt:
                callback_list.on_train_begin({})
                # BackupAndRestore found an interrupted run: go on from the epoch it recorded.
                initial_epoch = max(initial_epoch, self.__dict__.pop("_resume_from_epoch", initial_epoch))
                for epoch in range(initial_epoch, epochs):
                    callback_list.on_epoch_begin(epoch, {})
                    self.reset_metrics()
                    batch_size = None
                    completed = True
                    for step, (index, batch) in enumerate(_checked(feeder.epoch(steps_per_epoch), steps_per_epoch, epoch, "fit_generator")):
                        where = _where("fit_generator", step, steps_per_epoch, epoch, index, feeder)
                        x, y, sample_weight = _unpack(batch, where)
                        size = _batch_size(x)
                        batch_size = batch_size or size
                        batch_logs = {"batch": step, "size": size}
                        callback_list.on_train_batch_begin(step, batch_logs)
                        with _naming_step(where, batch):
                            outs = self.train_on_batch(x, y, sample_weight=sample_weight, class_weight=class_weight)
                        batch_logs.update(zip(labels, np.atleast_1d(outs).tolist()))
                        callback_list.on_train_batch_end(step, batch_logs)
                        if self.stop_training or interrupt.requested:
                            completed = False
                            break
                    if interrupt.requested:
                        break
                    epoch_logs = {}
                    if completed and do_validation:
                        if validation_is_source:
                            val_outs = _evaluate_feeder(self, validation_feeder, validation_steps, "validation")
                        else:
                            val_outs = self._test_loop(*validation_arrays_, batch_size=batch_size or 32, verbose=0)
                        epoch_logs.update((f"val_{label}", value) for label, value in zip(labels, val_outs))
                    callback_list.on_epoch_end(epoch, epoch_logs)
                    if self.stop_training:
                        break
                self._fit_interrupted = interrupt.requested  # Ctrl-C: BackupAndRestore keeps its backup
                callback_list.on_train_end({})
        finally:
            feeder.close()
            if validation_feeder is not None:
                validation_feeder.close()
        return self.history

    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """The loss (and metrics) over ``steps`` batches of ``(x, y[, sample_weight])``,
        averaged with the batch sizes as weights; a float, or a list as ``metrics_names``."""
        steps = _steps(generator, steps, "steps", "evaluate_generator")
        with BatchFeeder(generator, workers, use_multiprocessing, max_queue_size) as feeder:
            outs = _evaluate_feeder(self, feeder, steps, "evaluate_generator", verbose)
        return outs[0] if len(outs) == 1 else outs

    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """The outputs for ``steps`` batches of inputs (a batch may be ``x`` or ``(x, y...)``),
        concatenated, as NumPy array(s)."""
        from minikeras.utils.generic_utils import Progbar

        steps = _steps(generator, steps, "steps", "predict_generator")
        progbar = Progbar(target=steps) if verbose == 1 else None
        pieces = []
        with BatchFeeder(generator, workers, use_multiprocessing, max_queue_size) as feeder:
            for step, (index, batch) in enumerate(_checked(feeder.epoch(steps), steps, 0, "predict_generator")):
                where = _where("predict_generator", step, steps, None, index, feeder)
                x = _inputs_of(batch, where)
                with _naming_step(where, batch):
                    result = self.predict_on_batch(x)
                pieces.append(result if isinstance(result, list) else [result])
                if progbar is not None:
                    progbar.update(step + 1)
        outputs = [np.concatenate(parts, axis=0) for parts in zip(*pieces)]
        return outputs[0] if len(outputs) == 1 else outputs

    # ``fit``, ``evaluate`` and ``predict`` hand a Sequence (or a generator) to these.
    def _fit_from_source(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                         validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                         steps_per_epoch, validation_steps, **kwargs):
        refuse_arrays_arguments("fit", x, y=y, batch_size=batch_size, sample_weight=sample_weight,
                                 validation_split=validation_split or None)
        options = _feeding_options("fit", kwargs)
        return self.fit_generator(x, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                                  callbacks=callbacks, validation_data=validation_data,
                                  validation_steps=validation_steps, class_weight=class_weight,
                                  shuffle=shuffle, initial_epoch=initial_epoch, **options)


def _build_from_first_batch(model, source):
    """A model without an input shape yet (a deferred Sequential, a subclassed model) is built
    from the first batch; a generator's first batch is then put back in front of it."""
    if model.outputs:
        return source
    if is_sequence(source):
        first = source[0]
    else:
        try:
            first = next(source)
        except StopIteration:
            raise ValueError("fit_generator: the generator yielded no batch at all.") from None
        source = itertools.chain([first], source)
    x = _unpack(first, "fit_generator: step 1 (to build the model)")[0]
    from minikeras.models.data_utils import standardize_inputs

    standardize_inputs(model, x)
    return source


def _feeding_options(method, kwargs):
    options = {key: kwargs.pop(key) for key in ("max_queue_size", "workers", "use_multiprocessing") if key in kwargs}
    if kwargs:
        raise TypeError(f"{method}() got unexpected keyword argument(s) {sorted(kwargs)}.")
    return options


def refuse_arrays_arguments(method, x, **given):
    given = {name: value for name, value in given.items() if value is not None}
    if given:
        raise ValueError(
            f"{method}(): x is a {type(x).__name__}, which gives whole batches, so "
            f"{', '.join(sorted(given))} cannot be given as well (the batches carry the targets "
            "and sample weights, and their own size)."
        )


def _steps(source, steps, argument, method):
    if steps is None:
        if is_sequence(source):
            return len(source)
        raise ValueError(
            f"{method}: {argument}=None is only valid for a generator based on the Sequence class "
            f"(which knows its length). Please specify `{argument}` or use the Sequence class."
        )
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"{method}: {argument} must be a positive integer, received {steps!r}.")
    return int(steps)


def _checked(batches, steps, epoch, method):
    """The feeder's batches; a generator that stops early becomes a clear ValueError."""
    try:
        yield from batches
    except GeneratorExhausted as stop:
        raise ValueError(
            f"{method}: the generator stopped after {stop.args[0]} of the {steps} steps of epoch "
            f"{epoch + 1}. A generator given to {method} must yield batches without end (write it "
            "with `while True:`), or give a smaller number of steps."
        ) from None


def _where(method, step, steps, epoch, index, feeder):
    place = f"{method}: step {step + 1}/{steps}"
    if epoch is not None:
        place += f" of epoch {epoch + 1}"
    if feeder.sequence:
        place += f" (Sequence index {index})"
    return place


def _describe(value, depth=0):
    if isinstance(value, np.ndarray) or hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple)) and depth < 2:
        inner = ", ".join(_describe(item, depth + 1) for item in value[:4])
        more = ", ..." if len(value) > 4 else ""
        return f"a {type(value).__name__} of {len(value)} item(s) ({inner}{more})"
    if isinstance(value, dict) and depth < 2:
        return "a dict {" + ", ".join(f"{k!r}: {_describe(v, depth + 1)}" for k, v in list(value.items())[:4]) + "}"
    return f"{type(value).__name__} {value!r:.60}"


def _unpack(batch, where):
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3):
        return batch[0], batch[1], batch[2] if len(batch) == 3 else None
    raise ValueError(
        f"{where}: the generator should yield a tuple (x, y) or (x, y, sample_weight), "
        f"but it yielded {_describe(batch)}."
    )


def _inputs_of(batch, where):
    if isinstance(batch, tuple):
        if len(batch) in (2, 3):
            return batch[0]
        raise ValueError(
            f"{where}: the generator should yield x, or a tuple (x, y) or (x, y, sample_weight), "
            f"but it yielded {_describe(batch)}."
        )
    return batch


def _batch_size(x):
    first = x
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, dict) and first:
        first = next(iter(first.values()))
    return len(first) if hasattr(first, "__len__") else 1


class _naming_step:
    """A ValueError or TypeError about a batch's data says which step it came from."""

    def __init__(self, where, batch):
        self.where, self.batch = where, batch

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind in (ValueError, TypeError) and not str(error).startswith(self.where):
            raise kind(f"{self.where}: {error} (the generator yielded {_describe(self.batch)})") from None
        return False


def _evaluate_feeder(model, feeder, steps, method, verbose=0):
    from minikeras.utils.generic_utils import Progbar

    progbar = Progbar(target=steps) if verbose == 1 else None
    model.reset_metrics()
    running = np.isin(model.metrics_names, model.stateful_metric_names)  # Metric objects: their last value
    totals, seen = None, 0
    for step, (index, batch) in enumerate(_checked(feeder.epoch(steps), steps, 0, method)):
        where = _where(method, step, steps, None, index, feeder)
        x, y, sample_weight = _unpack(batch, where)
        with _naming_step(where, batch):
            outs = np.atleast_1d(np.asarray(model.test_on_batch(x, y, sample_weight=sample_weight), dtype=np.float64))
        size = _batch_size(x)
        totals = np.where(running, outs, (0.0 if totals is None else totals) + outs * size)
        seen += size
        if progbar is not None:
            progbar.update(step + 1)
    return [float(v) for v in np.where(running, totals, totals / max(seen, 1))]
