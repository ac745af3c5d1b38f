"""Keras 3's ``fit`` / ``evaluate`` / ``predict`` loop, for models with their own steps.

``custom_steps.py`` says what a step is; this module feeds the steps batch by batch, calls the
callbacks and builds the logs. The differences from Keras 2's loop (``training.py``):

* the data is handed to ``train_step`` as given (``x`` alone when there are no targets);
* the logs are whatever the step returns; the epoch's logs are the last batch's (running
  results of ``Metric`` objects), not averages of the batches;
* every ``Metric`` of the model is reset at the start of each epoch and each evaluation.

Where the batches come from (Keras 3's "data adapters")::

    arrays x, y, sample_weight      cut into batches of batch_size (shuffled each epoch);
                                    steps_per_epoch=N: N batches from a stream of passes
    a Sequence                      batch i = x[i], len(x) batches an epoch (or steps_per_epoch)
    a generator                     next(x), steps_per_epoch batches an epoch (it must be given)

A batch from a Sequence or a generator is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``; it goes
to the step as it is. ``class_weight={class: weight}`` becomes the sample weights of each batch
(Keras 3's ``class_weight_to_sample_weights``): the step receives ``(x, y, w)`` with
``w[i] = class_weight[class of y[i]]`` (1 for a class not in the dict), where the class of a
one-hot row is its argmax and of a single number its rounded value.
"""
import numpy as np

from minikeras import callbacks as callbacks_module
from minikeras.models.batch_feeder import BatchFeeder
from minikeras.models.custom_steps import (
    _as_arrays, _as_logs, _leaves, _take, pack_x_y_sample_weight, unpack_x_y_sample_weight,
)
from minikeras.models.data_utils import BatchPlan
from minikeras.models.generator_training import _checked, _describe, _steps, is_batch_source
from minikeras.models.interrupt import graceful_interrupt

__all__ = ["fit_with_steps", "evaluate_with_steps", "predict_with_steps", "train_on_batch_with_steps",
           "test_on_batch_with_steps", "predict_on_batch_with_steps", "class_weight_to_sample_weights"]


def _length(x, model, method):
    leaves = _leaves(x)
    if not leaves:
        raise ValueError(f"Model {model.name!r}: {method}() received no input data (x is {x!r}).")
    lengths = {len(leaf) for leaf in leaves}
    if len(lengths) != 1:
        raise ValueError(f"Model {model.name!r}: {method}() received arrays of different lengths {sorted(lengths)}.")
    return lengths.pop()


def class_weight_to_sample_weights(y, class_weight, method):
    """One weight per sample from ``{class index: weight}`` (Keras 3's rule, see the module
    docstring). ``y``: ``(n,)``, ``(n, 1)`` class indices or ``(n, classes)`` one-hot rows.

    Raises:
        ValueError: for a ``class_weight`` that is not a dict of integer classes, or targets
            of several outputs.
    """
    if not hasattr(class_weight, "items") or not hasattr(class_weight, "get"):
        raise ValueError(f"{method}: class_weight must be a dict {{class index: weight}}; received "
                         f"{type(class_weight).__name__}: {class_weight!r:.80}.")
    weights = {}
    for key, value in class_weight.items():
        try:
            weights[int(key)] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{method}: class_weight must map integer class indices to numbers; received the "
                             f"entry {key!r}: {value!r}.") from None
    if isinstance(y, (list, tuple)) and len(y) == 1:
        y = y[0]
    if y is None or isinstance(y, (list, tuple, dict)):
        raise ValueError(f"{method}: class_weight needs the targets of one output (an array); received "
                         f"{'no targets' if y is None else _describe(y)}.")
    classes = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    if classes.ndim > 1:
        classes = np.argmax(classes, axis=-1) if classes.shape[-1] != 1 else np.squeeze(classes, axis=-1)
    classes = np.round(classes).astype(np.int64).reshape(len(classes), -1)[:, 0]
    from minikeras import config

    return np.array([weights.get(int(c), 1.0) for c in classes], dtype=config.floatx())


def _with_class_weight(data, class_weight, method):
    """The batch ``data`` with ``class_weight`` turned into its sample weights."""
    if class_weight is None:
        return data
    x, y, sample_weight = unpack_x_y_sample_weight(data)
    if sample_weight is not None:
        raise ValueError(f"{method}: class_weight and sample weights cannot be given at the same time (the batch "
                         "already has sample weights); give one or the other.")
    return (x, y, class_weight_to_sample_weights(y, class_weight, method))


def _batch_size_of(data):
    leaves = _leaves(unpack_x_y_sample_weight(data)[0])
    return len(leaves[0]) if leaves and hasattr(leaves[0], "__len__") else 1


class _ArrayBatches:
    """Batches cut from ``x``, ``y``, ``sample_weight`` arrays; ``epoch()`` yields ``(size, data)``."""

    def __init__(self, model, method, x, y, sample_weight, batch_size, shuffle=False, steps=None,
                 class_weight=None, repeat=True):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(f"{method}: class_weight and sample_weight cannot be given at the same time; "
                                 "give one or the other.")
            self.sample_weight = class_weight_to_sample_weights(y, class_weight, method)
        self.samples = _length(x, model, method)
        batches = -(-self.samples // batch_size)
        if not repeat and steps is not None:  # evaluation: the first `steps` batches, never more
            steps = min(steps, batches)
        self.steps = steps if steps is not None else batches
        self.plan = BatchPlan(self.samples, batch_size, shuffle, steps if repeat else None)
        self.limit = None if repeat else self.steps

    def epoch(self):
        for index, ids in enumerate(self.plan.epoch()):
            if self.limit is not None and index >= self.limit:
                return
            yield len(ids), pack_x_y_sample_weight(_take(self.x, ids), _take(self.y, ids),
                                                   _take(self.sample_weight, ids))

    def close(self):
        pass


class _SourceBatches:
    """Batches of a ``Sequence`` or a generator, read ahead by ``BatchFeeder``."""

    def __init__(self, source, steps, method, argument, shuffle=False, class_weight=None, feeding=None):
        self.steps = _steps(source, steps, argument, method)
        self.samples = None
        self.method, self.class_weight = method, class_weight
        self.feeder = BatchFeeder(source, shuffle=shuffle, **(feeding or {}))
        self.epochs_done = 0

    def epoch(self):
        batches = _checked(self.feeder.epoch(self.steps), self.steps, self.epochs_done, self.method)
        for _, batch in batches:
            if isinstance(batch, list) and len(batch) in (2, 3):
                batch = tuple(batch)
            data = _with_class_weight(_as_arrays(batch), self.class_weight, self.method)
            yield _batch_size_of(data), data
        self.epochs_done += 1

    def close(self):
        self.feeder.close()


def _batches_of(model, method, x, y, sample_weight, batch_size, steps, argument, shuffle=False,
                class_weight=None, feeding=None, repeat=True):
    if is_batch_source(x):
        return _SourceBatches(x, steps, method, argument, shuffle, class_weight, feeding)
    return _ArrayBatches(model, method, _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight), batch_size,
                         shuffle, steps, class_weight, repeat)


def _validation(validation_data):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x, y = validation_data[0], validation_data[1]
        return x, y, validation_data[2] if len(validation_data) == 3 else None
    return validation_data, None, None


def _metric_names(model):
    """The log names of ``model.metrics``, in order (the compiled ones under their labels)."""
    labels = {id(m): label for label, _, m, _ in model._compiled_metric_objects()}
    return [labels.get(id(m), m.name) for m in model.metrics]


def flatten_logs(model, logs):
    """Keras 3's ``_flatten_metrics_in_order``: the values in the order of ``model.metrics``,
    then any other log by name; one value alone is returned as it is."""
    names = _metric_names(model)
    values = [logs[name] for name in names if name in logs]
    values += [logs[key] for key in sorted(logs) if key not in names]
    return values[0] if len(values) == 1 else values


def fit_with_steps(model, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                   shuffle, sample_weight, initial_epoch, steps_per_epoch, class_weight=None,
                   validation_steps=None, feeding=None):
    """``fit`` for a model whose ``train_step`` (or ``compute_loss``) is its own."""
    if getattr(model, "optimizer", None) is None:
        raise RuntimeError(f"Model {model.name!r}: you must compile the model before training it: model.compile(optimizer).")
    if validation_data is None and validation_split:
        if is_batch_source(x):
            raise ValueError(f"fit: validation_split={validation_split} needs arrays to split; x is a "
                             f"{type(x).__name__}: pass validation_data instead.")
        if not 0 < validation_split < 1:
            raise ValueError(f"fit: validation_split must be in [0, 1); received {validation_split!r}.")
        x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
        n = _length(x, model, "fit")
        cut = int(n * (1.0 - validation_split))  # the LAST samples are held out, before shuffling
        validation_data = tuple(_take(part, slice(cut, None)) for part in (x, y, sample_weight))
        x, y, sample_weight = (_take(part, slice(0, cut)) for part in (x, y, sample_weight))
    training = _batches_of(model, "fit", x, y, sample_weight, batch_size, steps_per_epoch, "steps_per_epoch",
                           shuffle, class_weight, feeding)
    validation = None
    try:
        if validation_data is not None:
            vx, vy, vw = _validation(validation_data)
            validation = _batches_of(model, "fit", vx, vy, vw, batch_size, validation_steps, "validation_steps",
                                     feeding=feeding, repeat=False)
        return _fit_loop(model, training, validation, batch_size, epochs, verbose, callbacks, initial_epoch,
                         counts_steps=steps_per_epoch is not None or training.samples is None)
    finally:
        training.close()
        if validation is not None:
            validation.close()


def _fit_loop(model, training, validation, batch_size, epochs, verbose, callbacks, initial_epoch, counts_steps):
    model.history = callbacks_module.History()
    progbar = callbacks_module.ProgbarLogger("steps" if counts_steps else "samples") if verbose else None
    callback_list = callbacks_module.CallbackList(
        ([progbar] if progbar else []) + callbacks_module.CallbackList(callbacks).callbacks + [model.history])
    params = {"batch_size": batch_size, "epochs": epochs, "steps": training.steps, "samples": training.samples,
              "verbose": verbose, "do_validation": validation is not None, "metrics": []}
    callback_list.set_model(model)
    callback_list.set_params(params)
    model.stop_training = False
    with graceful_interrupt() as interrupt:
        callback_list.on_train_begin({})
        initial_epoch = max(initial_epoch, model.__dict__.pop("_resume_from_epoch", initial_epoch))
        for epoch in range(initial_epoch, epochs):
            if interrupt.requested:
                break
            model.reset_metrics()
            callback_list.on_epoch_begin(epoch, {})
            logs, completed = {}, True
            for index, (size, data) in enumerate(training.epoch()):
                callback_list.on_train_batch_begin(index, {"batch": index, "size": size})
                logs = _as_logs(model.train_step(data), "train_step")
                if not params["metrics"]:  # the names are known after the first step
                    names = list(logs) + ([f"val_{k}" for k in logs] if validation is not None else [])
                    params["metrics"] = names
                    if progbar is not None:
                        progbar.show_as_given(names)
                callback_list.on_train_batch_end(index, {"batch": index, "size": size, **logs})
                if model.stop_training or interrupt.requested:
                    completed = False
                    break
            if interrupt.requested:
                break
            epoch_logs = dict(logs)
            if completed and validation is not None:
                values = _evaluate(model, validation, callback_list)
                epoch_logs.update((f"val_{k}", v) for k, v in values.items())
            callback_list.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
        model._fit_interrupted = interrupt.requested  # Ctrl-C: BackupAndRestore keeps its backup
        callback_list.on_train_end({})
    return model.history


def _evaluate(model, batches, callback_list):
    """Run ``test_step`` on every batch; the last step's logs (running results)."""
    callback_list.on_test_begin({})
    model.reset_metrics()
    logs = {}
    for index, (size, data) in enumerate(batches.epoch()):
        callback_list.on_test_batch_begin(index, {"batch": index, "size": size})
        logs = _as_logs(model.test_step(data), "test_step")
        callback_list.on_test_batch_end(index, {"batch": index, "size": size, **logs})
    callback_list.on_test_end(dict(logs))
    return logs


def evaluate_with_steps(model, x, y=None, sample_weight=None, batch_size=32, return_dict=False, callbacks=None,
                        steps=None, feeding=None):
    """``evaluate`` for a model whose ``test_step`` (or ``compute_loss``) is its own: the logs
    of the last ``test_step`` (running results over every batch), as a dict with
    ``return_dict``, else in the order of ``model.metrics``."""
    batches = _batches_of(model, "evaluate", x, y, sample_weight, batch_size, steps, "steps", feeding=feeding,
                          repeat=False)
    callback_list = callbacks_module.CallbackList(callbacks)
    callback_list.set_model(model)
    try:
        logs = _evaluate(model, batches, callback_list)
    finally:
        batches.close()
    return logs if return_dict else flatten_logs(model, logs)


def _as_numpy(outputs):
    if isinstance(outputs, dict):
        return {k: _as_numpy(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(_as_numpy(v) for v in outputs)
    return np.asarray(outputs.numpy() if hasattr(outputs, "numpy") else outputs)


def _concatenate(pieces):
    first = pieces[0]
    if isinstance(first, dict):
        return {k: _concatenate([p[k] for p in pieces]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate(list(parts)) for parts in zip(*pieces))
    return np.concatenate(pieces, axis=0)


def predict_with_steps(model, x, batch_size=32, verbose=0, steps=None, callbacks=None, feeding=None):
    """``predict`` for a model whose ``predict_step`` is its own: the step's outputs for every
    batch, concatenated (an array, or a list / dict of arrays as the step returns them)."""
    from minikeras.utils.generic_utils import Progbar

    batches = _batches_of(model, "predict", x, None, None, batch_size, steps, "steps", feeding=feeding,
                          repeat=False)
    callback_list = callbacks_module.CallbackList(callbacks)
    callback_list.set_model(model)
    progbar = Progbar(target=batches.steps) if verbose == 1 else None
    pieces = []
    try:
        callback_list.on_predict_begin({})
        for index, (size, data) in enumerate(batches.epoch()):
            callback_list.on_predict_batch_begin(index, {"batch": index, "size": size})
            outputs = _as_numpy(model.predict_step(data))
            pieces.append(outputs)
            callback_list.on_predict_batch_end(index, {"batch": index, "size": size, "outputs": outputs})
            if progbar is not None:
                progbar.update(index + 1)
        callback_list.on_predict_end({})
    finally:
        batches.close()
    if not pieces:
        raise ValueError(f"Model {model.name!r}: predict() received no samples.")
    return _concatenate(pieces)


# --- one batch ----------------------------------------------------------------------------------
# Keras 3 runs the step once on the batch, without resetting the metrics (their results run on
# from call to call until ``reset_metrics()``). The step receives the batch packed as ``fit`` packs
# it (``x``, ``(x, y)`` or ``(x, y, w)``), so that a ``train_step`` that does ``x, y = data``
# serves both.

def train_on_batch_with_steps(model, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
    """``train_on_batch``: one ``train_step``; its logs as a dict, or a value / list in the order
    of ``model.metrics``."""
    if getattr(model, "optimizer", None) is None:
        raise RuntimeError(f"Model {model.name!r}: you must compile the model before training it: "
                           "model.compile(optimizer).")
    x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
    if class_weight is not None:
        if sample_weight is not None:
            raise ValueError("train_on_batch: class_weight and sample_weight cannot be given at the same time; "
                             "give one or the other.")
        sample_weight = class_weight_to_sample_weights(y, class_weight, "train_on_batch")
    logs = _as_logs(model.train_step(pack_x_y_sample_weight(x, y, sample_weight)), "train_step")
    return logs if return_dict else flatten_logs(model, logs)


def test_on_batch_with_steps(model, x, y=None, sample_weight=None, return_dict=False):
    """``test_on_batch``: one ``test_step``, returned as ``train_on_batch_with_steps`` does."""
    x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
    logs = _as_logs(model.test_step(pack_x_y_sample_weight(x, y, sample_weight)), "test_step")
    return logs if return_dict else flatten_logs(model, logs)


def predict_on_batch_with_steps(model, x):
    """``predict_on_batch``: one ``predict_step``, its outputs as NumPy arrays."""
    return _as_numpy(model.predict_step(pack_x_y_sample_weight(_as_arrays(x))))
