"""``BaseLogger`` and ``History``: the two callbacks that every ``fit`` adds.

Together they make the epoch logs: ``BaseLogger`` turns the batch logs of an epoch into the
epoch's logs (averages weighted by batch size); ``History`` records those epoch logs, and
``fit`` returns it.
"""
from minikeras.callbacks.base import Callback
from minikeras.metrics.names import MetricLogs

__all__ = ["BaseLogger", "History"]


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
    epoch numbers (counted from 0). ``history.history`` lists each metric once, under the
    name it was logged as, and finds it under its other spellings too
    (``history.history['val_accuracy']`` for a metric logged as ``val_acc``; see
    ``metrics.names``).
    """

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = MetricLogs()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        logs = logs or {}
        # In the order of the model's metrics (loss, metrics, then val_*), as Keras lists them.
        ordered = [key for key in self.params.get("metrics", []) if dict.__contains__(logs, key)]
        for key in ordered + [key for key in logs if key not in ordered]:
            self.history.setdefault(key, []).append(logs[key])
