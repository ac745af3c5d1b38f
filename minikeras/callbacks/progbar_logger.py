"""``ProgbarLogger``: the ``Epoch i/n`` line and the progress bar that ``fit`` prints.

The bar itself is ``minikeras.utils.generic_utils.Progbar``; this callback feeds it the
running loss and metrics after each batch, and the validation values at the end of the epoch.
"""
from minikeras.callbacks.base import Callback

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar with the running loss and metrics.

    Added by ``fit`` when ``verbose`` is 1 (a bar redrawn as it goes) or 2 (one line per
    epoch).

    Args:
        count_mode: ``'samples'`` (the bar counts samples, Keras 2's default for arrays) or
            ``'steps'`` (batches; used with ``steps_per_epoch``).
        stateful_metrics: names shown as they are rather than averaged.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("samples", "steps"):
            raise ValueError(f"ProgbarLogger: unknown count_mode {count_mode!r}; expected 'samples' or 'steps'.")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())

    def show_as_given(self, names):
        """Show these logs as they are, not averaged (the running results of ``Metric`` objects,
        named only once the first step has run)."""
        self.stateful_metrics.update(names)
        if getattr(self, "progbar", None) is not None:
            self.progbar.stateful_metrics.update(names)

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get("verbose", 1)
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        from minikeras.utils.generic_utils import Progbar

        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self.target = self.params["steps"] if self.use_steps else self.params["samples"]
        self.progbar = Progbar(target=self.target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics)
        self.seen = 0

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.target:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        for key in self.params.get("metrics", []):
            if key in logs:
                self.log_values.append((key, logs[key]))
        # The last step is drawn at the end of the epoch, with the validation values.
        if self.verbose and self.seen < self.target:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key in self.params.get("metrics", []):
            if key in logs and key.startswith("val_"):
                self.log_values.append((key, logs[key]))
        if self.verbose:
            self.progbar.update(self.seen, self.log_values)
