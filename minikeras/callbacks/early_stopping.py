"""``EarlyStopping``: stop training when a monitored quantity has stopped improving.

It counts the epochs without improvement (``patience``), can require a minimum change
(``min_delta``) or a ``baseline`` to beat, and can restore the weights of the best epoch.
"""
import numpy as np

from minikeras.callbacks.base import Callback
from minikeras.callbacks.monitor import monitor_mode, monitored

__all__ = ["EarlyStopping"]


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
        start_from_epoch: the number of warm-up epochs (counted from 0) whose logs are not
            watched at all (tf.keras).

    ``stopped_epoch`` and ``best_epoch`` (counted from 0) say when training stopped and which
    epoch was best.

    Example:
        ``model.fit(x, y, validation_split=0.2, callbacks=[EarlyStopping(patience=2)])``
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        if not isinstance(start_from_epoch, (int, np.integer)) or isinstance(start_from_epoch, bool) \
                or start_from_epoch < 0:
            raise ValueError(f"EarlyStopping: start_from_epoch must be an integer >= 0; received {start_from_epoch!r}.")
        self.start_from_epoch = int(start_from_epoch)
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.monitor_op = monitor_mode("EarlyStopping", mode, monitor)
        # min_delta always makes an improvement harder to reach.
        self.min_delta = abs(min_delta) if self.monitor_op is np.greater else -abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_from_epoch:  # warm-up: not watched
            return
        current = monitored(self, logs)
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.best_epoch = epoch
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
