"""``BackupAndRestore``: resume training where an interrupted run stopped.

The model's weights and where training stood are written to ``backup_dir`` (atomically: the
weights first, then the small JSON file that points at them), at the end of every epoch or,
with ``save_freq=N``, after every ``N`` training batches. When ``fit`` starts and a backup
exists (the previous run was interrupted: a crash, Ctrl-C, a closed laptop), the weights are
loaded and training goes on. When training ends normally the backup is deleted.

Where training goes on is Keras 3's rule. The JSON file holds ``{"epoch": E, "batch": B}``:
``E`` is the number of epochs completed, and ``B`` the last batch (0-based) of epoch ``E``
done when the backup was made from within that epoch (``save_freq=N``; 0 after an epoch's
end). A restarted ``fit`` begins at epoch ``E`` from its first batch, with the backed-up
weights: Keras 3 does not skip the first ``B + 1`` batches (it records ``B`` but does not read
it), so the batches of the interrupted epoch that came before the backup are trained on
again. minikeras does the same; the shuffled order of that epoch could not be repeated
anyway, since it is not part of the backup.
"""
import json
import os

import numpy as np

from minikeras.callbacks.base import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Back up the weights during training; restore them when ``fit`` starts again.

    Args:
        backup_dir: the folder of the backup (created if missing). Use one folder per run.
        save_freq: ``'epoch'`` (back up at the end of each epoch) or an integer ``N`` (back up
            after every ``N`` training batches, counted on across epochs).
        delete_checkpoint: delete the backup when training ends normally.

    Raises:
        ValueError: for an empty ``backup_dir``, a ``save_freq`` that is neither ``'epoch'``
            nor a positive integer, or a backup file that this callback did not write.

    Example:
        ``model.fit(x, y, epochs=10, callbacks=[BackupAndRestore("backup")])``; run the same
        line again after an interruption and it goes on from the epoch that was interrupted.
    """

    WEIGHTS, STATE = "latest.weights.npz", "training_metadata.json"

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a folder path; received an empty value.")
        if save_freq != "epoch" and (not isinstance(save_freq, (int, np.integer)) or isinstance(save_freq, bool)
                                     or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive integer (a number of "
                             f"batches); received {save_freq!r}.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq if save_freq == "epoch" else int(save_freq)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, self.WEIGHTS)
        self._state_path = os.path.join(self.backup_dir, self.STATE)
        self._current_epoch = 0       # epochs completed
        self._last_batch = 0          # the last batch done in the current epoch
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._state_path):
            return
        with open(self._state_path, encoding="utf-8") as f:
            state = json.load(f)
        epoch = state.get("epoch") if isinstance(state, dict) else None
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"BackupAndRestore: {self._state_path!r} is not a backup of this callback "
                             f"(expected {{'epoch': n, 'batch': b}}, found {state!r:.80}).")
        self.model.load_weights(self._weights_path)
        # fit() reads this after on_train_begin: training goes on from epoch E, from its first batch.
        self.model._resume_from_epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._last_batch = 0

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch = batch
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save()

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights_path, overwrite=True)
        temporary = self._state_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump({"epoch": int(self._current_epoch), "batch": int(self._last_batch)}, f)
        os.replace(temporary, self._state_path)  # the position is recorded only once its weights are

    def on_train_end(self, logs=None):
        # Training stopped by Ctrl-C (fit returns cleanly after the batch) is not finished: the
        # backup stays, as it does in Keras, where the KeyboardInterrupt skips on_train_end.
        if self.delete_checkpoint and not getattr(self.model, "_fit_interrupted", False):
            for path in (self._state_path, self._weights_path):
                if os.path.exists(path):
                    os.remove(path)
