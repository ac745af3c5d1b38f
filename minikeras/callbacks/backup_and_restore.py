"""``BackupAndRestore``: resume training where an interrupted run stopped.

At the end of every epoch the model's weights and the epoch number are written to
``backup_dir`` (atomically). When ``fit`` starts and a backup exists (the previous run was
interrupted: a crash, Ctrl-C, a closed laptop), the weights are loaded and training continues
from the epoch after the backed-up one. When training ends normally the backup is deleted.
"""
import json
import os

from minikeras.callbacks.base import Callback

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Back up the weights at each epoch's end; restore them when ``fit`` starts again.

    Args:
        backup_dir: the folder of the backup (created if missing). Use one folder per run.
        save_freq: ``'epoch'`` (backing up every N batches is not supported).
        delete_checkpoint: delete the backup when training ends normally.

    Example:
        ``model.fit(x, y, epochs=10, callbacks=[BackupAndRestore("backup")])``; run the same
        line again after an interruption and it goes on from the last completed epoch.
    """

    WEIGHTS, STATE = "latest.weights.npz", "training_state.json"

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a folder path; received an empty value.")
        if save_freq != "epoch":
            raise NotImplementedError(f"BackupAndRestore: save_freq={save_freq!r} is not supported; only 'epoch'.")
        self.backup_dir = os.fspath(backup_dir)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, self.WEIGHTS)
        self._state_path = os.path.join(self.backup_dir, self.STATE)

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._state_path):
            return
        with open(self._state_path, encoding="utf-8") as f:
            state = json.load(f)
        epoch = state.get("epoch") if isinstance(state, dict) else None
        if not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"BackupAndRestore: {self._state_path!r} is not a backup of this callback "
                             f"(expected {{'epoch': n}}, found {state!r:.80}).")
        self.model.load_weights(self._weights_path)
        # fit() reads this after on_train_begin: training goes on from the next epoch.
        self.model._resume_from_epoch = epoch + 1

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights_path, overwrite=True)
        temporary = self._state_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump({"epoch": int(epoch)}, f)
        os.replace(temporary, self._state_path)  # the epoch is recorded only once its weights are

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            for path in (self._state_path, self._weights_path):
                if os.path.exists(path):
                    os.remove(path)
