"""``ModelCheckpoint``: save the model (or only its weights) during training.

The file name is a template filled with the epoch and the epoch logs; with
``save_best_only`` a file is written only when the monitored quantity improves. With
``save_freq=N`` (an integer) the model is saved every ``N`` training batches instead of at the
end of each epoch, counting on across epochs (Keras 3): the template then also knows
``{batch}`` (the batch's number within its epoch, from 1) and is filled with that batch's logs;
``{epoch}`` is the epoch the batch belongs to (from 1); ``save_best_only`` then compares the
batch logs (``monitor='loss'``: there is no ``val_`` value after a batch). The file is
written by ``model.save`` / ``model.save_weights``, so its name picks the format
(``minikeras/models/saving``): ``.keras`` (Keras 3 archive), ``.weights.h5`` (Keras 3 weights),
``.h5`` (Keras 2), anything else minikeras' own; every write is atomic.
"""
import os
import warnings

import numpy as np

from minikeras.callbacks.base import Callback
from minikeras.callbacks.monitor import monitor_mode, monitored
from minikeras.metrics.names import MetricLogs

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Save the model (or its weights) after every ``period`` epochs, or every ``save_freq`` batches.

    Args:
        filepath: where to save; a template formatted with the epoch (counted from 1) and
            the epoch logs, e.g. ``'weights.{epoch:02d}-{val_loss:.2f}.npz'``. The file is
            written at exactly that path.
        monitor: the quantity compared when ``save_best_only``.
        verbose: 1 prints a line at each save.
        save_best_only: only save when ``monitor`` improves on the best value so far.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``'auto'``, ``'min'`` or ``'max'``, as for ``EarlyStopping``.
        period: the number of epochs between two checkpoints (Keras 2; with ``save_freq='epoch'``).
        save_freq: ``'epoch'`` (save at the end of each epoch) or an integer ``N`` (save after every
            ``N`` training batches; e.g. ``'ckpt-{epoch:02d}-{batch:03d}.weights.h5'``).
        initial_value_threshold: with ``save_best_only``, the value to beat at first.

    Raises:
        ValueError: for a name whose format cannot hold what is saved (a ``.keras`` file with
            ``save_weights_only=True``, a ``.weights.h5`` file without it), or a ``save_freq`` that
            is neither ``'epoch'`` nor a positive integer.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1, save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        from minikeras.models.saving import KERAS3_WEIGHTS, KERAS_ARCHIVE, file_format

        if save_freq != "epoch" and (not isinstance(save_freq, (int, np.integer)) or isinstance(save_freq, bool)
                                     or save_freq < 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive integer (a number of "
                             f"batches); received {save_freq!r}.")
        self.save_freq = save_freq if save_freq == "epoch" else int(save_freq)
        self.filepath = os.fspath(filepath)
        kind = file_format(self.filepath)
        if save_weights_only and kind == KERAS_ARCHIVE:
            raise ValueError(
                f"ModelCheckpoint: save_weights_only=True writes weights only, but {self.filepath!r} names a "
                "whole-model .keras archive: name the file '*.weights.h5' (or '.h5').")
        if not save_weights_only and kind == KERAS3_WEIGHTS:
            raise ValueError(
                f"ModelCheckpoint: {self.filepath!r} names a weights file (.weights.h5), which cannot hold the "
                "whole model: pass save_weights_only=True, or name the file '*.keras'.")
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = int(period)
        self.monitor_op = monitor_mode("ModelCheckpoint", mode, monitor)
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        self.epochs_since_last_save = 0
        # As Keras 3, the batches are counted on across epochs (and across calls of fit).
        self._batches_since_save = 0
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            # Keras 3's batch logs hold the values only (not Keras 2's 'batch' and 'size').
            values = {k: v for k, v in (logs or {}).items() if k not in ("batch", "size")}
            self._save(self._current_epoch, batch, values)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq != "epoch":
            return
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs):
        """Save after ``epoch`` (0-based), or after its ``batch`` (0-based) with ``save_freq=N``."""
        names = {"epoch": epoch + 1} if batch is None else {"epoch": epoch + 1, "batch": batch + 1}
        try:
            # format_map reads through MetricLogs: {val_accuracy:.2f} finds a val_acc log.
            filepath = self.filepath.format_map(MetricLogs({**logs, **names}))
        except KeyError as error:
            raise ValueError(
                f"ModelCheckpoint: the filepath template {self.filepath!r} uses {error}, which is not in the "
                f"{'epoch' if batch is None else 'batch'} logs {sorted(logs)} (nor {' or '.join(sorted(names))})."
            ) from None
        if self.save_best_only:
            current = monitored(self, logs)
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
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
