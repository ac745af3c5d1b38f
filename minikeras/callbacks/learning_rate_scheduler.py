"""``LearningRateScheduler``: set the learning rate at the start of each epoch from a function.

The schedule is a plain function of the epoch (and, if it takes two arguments, of the
current rate), e.g. ``lambda epoch: 0.01 * 0.5 ** epoch``.
"""
import inspect

import numpy as np

from minikeras.callbacks.base import Callback

__all__ = ["LearningRateScheduler"]


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
