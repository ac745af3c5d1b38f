"""``plot_history``: the learning curves of a ``fit``."""
import numpy as np

from minikeras.utils.plotting._common import pyplot, save_figure
from minikeras.utils.plotting.words import Words

__all__ = ["plot_history"]


def plot_history(history, metrics=None, title=None, figsize=None, to_file=None, dpi=100, words=None):
    """Learning curves: one panel per quantity, the training curve and its ``val_`` twin.

    A curve that keeps falling on the training data while its ``val_`` twin turns up is
    the picture of overfitting.

    Args:
        history: the ``History`` that ``model.fit`` returns, or its ``history`` dict
            (``{'loss': [...], 'val_loss': [...], 'acc': [...], ...}``, one value per epoch).
        metrics: the names to draw, e.g. ``['loss', 'acc']``; default every training
            quantity in the history (each name without ``val_``), loss first.
        title: a title above the panels.
        figsize: ``(width, height)`` in inches; default 4.5 inches per panel by 3.5.
        to_file: save the figure there too.
        dpi: resolution of the saved file.
        words: the figure's own words in another language, e.g. ``{"epoch": "에폭",
            "training": "훈련", "validation": "검증", "metrics": {"loss": "손실"}}`` (keys
            ``epoch``, ``training``, ``validation``, ``metrics``; see
            ``minikeras.utils.plotting.words``).

    Returns:
        The Figure: one axes per metric, titled with its name, x the epoch (1, 2, ...), a
        line ``training`` and, when the history has it, a line ``validation``.

    Raises:
        ValueError: an empty history, or a metric it does not hold.

    Example:
        >>> fig = plot_history({"loss": [1.0, 0.5], "acc": [0.6, 0.8], "val_acc": [0.7, 0.75]})
        >>> [ax.get_title() for ax in fig.axes]
        ['loss', 'acc']
        >>> [line.get_label() for line in fig.axes[1].lines]
        ['training', 'validation']
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(
            "plot_history expects a History (what model.fit returns) or a non-empty dict of "
            f"per-epoch lists; received {type(history).__name__} {logs!r:.80}."
        )
    if metrics is None:
        metrics = [key for key in logs if not key.startswith("val_")]
        metrics = (["loss"] if "loss" in metrics else []) + [m for m in metrics if m != "loss"]
    elif isinstance(metrics, str):
        metrics = [metrics]
    missing = [m for m in metrics if m not in logs]
    if missing or not metrics:
        raise ValueError(
            f"plot_history: the history has no {missing or 'training quantity'}; "
            f"it holds {sorted(logs)}."
        )
    say = Words(words, "plot_history")
    plt = pyplot()
    figure, axes = plt.subplots(1, len(metrics), squeeze=False, layout="constrained",
                                figsize=figsize or (4.5 * len(metrics), 3.5))
    for ax, name in zip(axes[0], metrics):
        values = np.asarray(logs[name], dtype=float)
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, "o-", label=say("training"))
        if "val_" + name in logs:
            validation = np.asarray(logs["val_" + name], dtype=float)
            ax.plot(np.arange(1, len(validation) + 1), validation, "s--", label=say("validation"))
        ax.set_title(say.metric(name))
        ax.set_xlabel(say("epoch"))
        ax.set_ylabel(say.metric(name))
        ax.set_xticks(epochs if len(epochs) <= 12 else np.linspace(1, len(epochs), 7).round())
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    save_figure(figure, to_file, dpi)
    return figure
