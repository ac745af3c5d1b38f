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

One module per concept:

    base.py                     Callback (every hook, doing nothing) and CallbackList
    history.py                  BaseLogger (epoch averages) and History (every model has one)
    progbar_logger.py           ProgbarLogger
    monitor.py                  the mode and value of a monitored quantity (shared helpers)
    early_stopping.py           EarlyStopping
    model_checkpoint.py         ModelCheckpoint
    reduce_lr_on_plateau.py     ReduceLROnPlateau
    learning_rate_scheduler.py  LearningRateScheduler
    csv_logger.py               CSVLogger
    lambda_callback.py          LambdaCallback
    terminate_on_nan.py         TerminateOnNaN
    backup_and_restore.py       BackupAndRestore (tf.keras)
    tensorboard.py              TensorBoard (tf.keras; needs the optional ``tensorboard`` package)

Every callback is importable from here: ``from minikeras.callbacks import EarlyStopping``.
"""
from minikeras.callbacks.backup_and_restore import BackupAndRestore
from minikeras.callbacks.base import Callback, CallbackList
from minikeras.callbacks.csv_logger import CSVLogger
from minikeras.callbacks.early_stopping import EarlyStopping
from minikeras.callbacks.history import BaseLogger, History
from minikeras.callbacks.lambda_callback import LambdaCallback
from minikeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from minikeras.callbacks.model_checkpoint import ModelCheckpoint
from minikeras.callbacks.progbar_logger import ProgbarLogger
from minikeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from minikeras.callbacks.tensorboard import TensorBoard
from minikeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "Callback", "CallbackList", "BaseLogger", "History", "ProgbarLogger", "EarlyStopping",
    "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
    "LambdaCallback", "TerminateOnNaN", "BackupAndRestore", "TensorBoard",
]
