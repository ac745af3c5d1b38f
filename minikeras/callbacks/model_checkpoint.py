"""``ModelCheckpoint``: save the model (or only its weights) during training.

The file name is a template filled with the epoch and the epoch logs; with
``save_best_only`` a file is written only when the monitored quantity improves. The file is
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
        save_freq: ``'epoch'`` (tf.keras; saving every N batches is not supported).
        initial_value_threshold: with ``save_best_only``, the value to beat at first.

    Raises:
        ValueError: for a name whose format cannot hold what is saved (a ``.keras`` file with
            ``save_weights_only=True``, a ``.weights.h5`` file without it).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1, save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        from minikeras.models.saving import KERAS3_WEIGHTS, KERAS_ARCHIVE, file_format

        if save_freq != "epoch":
            raise NotImplementedError(f"ModelCheckpoint: save_freq={save_freq!r} is not supported; only 'epoch'.")
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

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        try:
            # format_map reads through MetricLogs: {val_accuracy:.2f} finds a val_acc log.
            filepath = self.filepath.format_map(MetricLogs({**logs, "epoch": epoch + 1}))
        except KeyError as error:
            raise ValueError(
                f"ModelCheckpoint: the filepath template {self.filepath!r} uses {error}, which is "
                f"not in the epoch logs {sorted(logs)} (nor 'epoch')."
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
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
