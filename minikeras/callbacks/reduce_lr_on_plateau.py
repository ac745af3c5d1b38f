"""``ReduceLROnPlateau``: multiply the learning rate by ``factor`` when progress stalls.

After ``patience`` epochs without improvement of the monitored quantity, the optimizer's
``lr`` is reduced (never below ``min_lr``), then ``cooldown`` epochs pass before counting again.
"""
import numpy as np

from minikeras.callbacks.base import Callback
from minikeras.callbacks.monitor import monitor_mode, monitored
from minikeras.metrics import names

__all__ = ["ReduceLROnPlateau"]


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
        monitor_mode("ReduceLROnPlateau", mode, monitor)  # checks the mode
        self._reset()

    def _reset(self):
        # 'auto' is 'min' unless the name is an accuracy's (or AUC, precision, recall).
        if self.mode == "min" or (self.mode == "auto" and not names.maximized(self.monitor)):
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
        current = monitored(self, logs)
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
