"""Keras 3's ``fit`` / ``evaluate`` / ``predict`` loop, for models with their own steps.

``custom_steps.py`` says what a step is; this module feeds the steps batch by batch, calls the
callbacks and builds the logs. The differences from Keras 2's loop (``training.py``):

* the data is handed to ``train_step`` as given (``x`` alone when there are no targets);
* the logs are whatever the step returns; the epoch's logs are the last batch's (running
  results of ``Metric`` objects), not averages of the batches;
* every ``Metric`` of the model is reset at the start of each epoch and each evaluation.
"""
import numpy as np

from minikeras import callbacks as callbacks_module
from minikeras.models.custom_steps import _as_arrays, _as_logs, _leaves, _take, pack_x_y_sample_weight
from minikeras.models.interrupt import graceful_interrupt

__all__ = ["fit_with_steps", "evaluate_with_steps", "predict_with_steps"]


def _length(x, model, method):
    leaves = _leaves(x)
    if not leaves:
        raise ValueError(f"Model {model.name!r}: {method}() received no input data (x is {x!r}).")
    lengths = {len(leaf) for leaf in leaves}
    if len(lengths) != 1:
        raise ValueError(f"Model {model.name!r}: {method}() received arrays of different lengths {sorted(lengths)}.")
    return lengths.pop()


def _validation(validation_data):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x, y = validation_data[0], validation_data[1]
        return x, y, validation_data[2] if len(validation_data) == 3 else None
    return validation_data, None, None


def _batches(n, batch_size, shuffle, rng=None):
    order = np.random.permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def fit_with_steps(model, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                   shuffle, sample_weight, initial_epoch, steps_per_epoch):
    """``fit`` for a model whose ``train_step`` (or ``compute_loss``) is its own."""
    if getattr(model, "optimizer", None) is None:
        raise RuntimeError(f"Model {model.name!r}: you must compile the model before training it: model.compile(optimizer).")
    if steps_per_epoch is not None:
        raise NotImplementedError("fit: steps_per_epoch with a model that has its own train_step is not supported.")
    x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
    n = _length(x, model, "fit")
    validation = None
    if validation_data is not None:
        validation = tuple(_as_arrays(part) for part in _validation(validation_data))
    elif validation_split:
        cut = int(n * (1.0 - validation_split))
        validation = tuple(_take(part, slice(cut, None)) for part in (x, y, sample_weight))
        x, y, sample_weight = (_take(part, slice(0, cut)) for part in (x, y, sample_weight))
        n = cut
    model.history = callbacks_module.History()
    progbar = callbacks_module.ProgbarLogger("samples") if verbose else None
    callback_list = callbacks_module.CallbackList(
        ([progbar] if progbar else []) + callbacks_module.CallbackList(callbacks).callbacks + [model.history])
    params = {"batch_size": batch_size, "epochs": epochs, "steps": None, "samples": n, "verbose": verbose,
              "do_validation": validation is not None, "metrics": []}
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
            for index, ids in enumerate(_batches(n, batch_size, shuffle)):
                callback_list.on_train_batch_begin(index, {"batch": index, "size": len(ids)})
                data = pack_x_y_sample_weight(_take(x, ids), _take(y, ids), _take(sample_weight, ids))
                logs = _as_logs(model.train_step(data), "train_step")
                if not params["metrics"]:  # the names are known after the first step
                    names = list(logs) + ([f"val_{k}" for k in logs] if validation is not None else [])
                    params["metrics"] = names
                    if progbar is not None:
                        progbar.show_as_given(names)
                callback_list.on_train_batch_end(index, {"batch": index, "size": len(ids), **logs})
                if model.stop_training or interrupt.requested:
                    completed = False
                    break
            if interrupt.requested:
                break
            epoch_logs = dict(logs)
            if completed and validation is not None:
                callback_list.on_test_begin({})
                values = evaluate_with_steps(model, *validation, batch_size=batch_size, return_dict=True,
                                             callback_list=callback_list)
                callback_list.on_test_end(dict(values))
                epoch_logs.update((f"val_{k}", v) for k, v in values.items())
            callback_list.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
        callback_list.on_train_end({})
    return model.history


def evaluate_with_steps(model, x, y=None, sample_weight=None, batch_size=32, return_dict=False,
                        callback_list=None):
    """``evaluate`` for a model whose ``test_step`` (or ``compute_loss``) is its own: the logs
    of the last ``test_step`` (running results over every batch)."""
    x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
    n = _length(x, model, "evaluate")
    model.reset_metrics()
    logs = {}
    for index, ids in enumerate(_batches(n, batch_size, False)):
        if callback_list is not None:
            callback_list.on_test_batch_begin(index, {"batch": index, "size": len(ids)})
        data = pack_x_y_sample_weight(_take(x, ids), _take(y, ids), _take(sample_weight, ids))
        logs = _as_logs(model.test_step(data), "test_step")
        if callback_list is not None:
            callback_list.on_test_batch_end(index, {"batch": index, "size": len(ids), **logs})
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict_with_steps(model, x, batch_size=32):
    """``predict`` for a model whose ``predict_step`` is its own: the step's outputs, concatenated."""
    x = _as_arrays(x)
    n = _length(x, model, "predict")
    pieces = []
    for ids in _batches(n, batch_size, False):
        out = model.predict_step(pack_x_y_sample_weight(_take(x, ids)))
        outs = out if isinstance(out, (list, tuple)) else [out]
        pieces.append([np.asarray(o.numpy() if hasattr(o, "numpy") else o) for o in outs])
    outputs = [np.concatenate(parts, axis=0) for parts in zip(*pieces)]
    return outputs[0] if len(outputs) == 1 else outputs
