"""How a classifier does, class by class and image by image: ``plot_confusion_matrix``, ``plot_samples``."""
import numpy as np

from minikeras.utils.plotting._common import class_labels, class_name, grid, pyplot, save_figure
from minikeras.utils.plotting.words import Words

__all__ = ["plot_confusion_matrix", "plot_samples"]


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=False, title=None,
                          cmap="Blues", figsize=None, to_file=None, dpi=100, words=None):
    """A table of counts: row = the true class, column = the predicted class.

    The diagonal holds the images read right; every other cell counts one kind of
    mistake (row 4, column 9: fours read as nines). Each cell shows its number.

    Args:
        y_true: the true classes, shape ``(n,)``, or one-hot rows ``(n, num_classes)``.
        y_pred: the predicted classes ``(n,)``, or probability rows ``(n, num_classes)``
            (the largest one is the prediction), e.g. ``model.predict(x)``.
        class_names: the name of each class, in order (default 0, 1, 2, ...).
        normalize: if True, each row is divided by its total: the cells then read "which
            fraction of the true class went where", and the diagonal is each class's recall.
        title: the title; default the accuracy.
        cmap: matplotlib colour map of the cells.
        figsize: ``(width, height)`` in inches.
        to_file: save the figure there too.
        dpi: resolution of the saved file.
        words: the figure's own words in another language (keys ``predicted_class``,
            ``true_class``, ``images``, ``row_fraction``, ``accuracy_title``; see
            ``minikeras.utils.plotting.words``).

    Returns:
        The Figure, with one axes holding the matrix (``num_classes x num_classes`` cells,
        each with its count, or its fraction to 2 decimals when normalized) and a colour bar.

    Raises:
        ValueError: labels of different lengths, negative labels, or labels past the
            end of ``class_names``.

    Example:
        >>> fig = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
        >>> [t.get_text() for t in fig.axes[0].texts]
        ['1', '0', '0', '0', '1', '1', '0', '0', '1']
    """
    true = class_labels(y_true, "y_true", "plot_confusion_matrix")
    pred = class_labels(y_pred, "y_pred", "plot_confusion_matrix")
    if true.shape != pred.shape:
        raise ValueError(f"plot_confusion_matrix: y_true has {true.size} labels, y_pred has {pred.size}.")
    if true.size == 0 or min(true.min(), pred.min()) < 0:
        raise ValueError("plot_confusion_matrix: labels must be a non-empty list of classes 0, 1, 2, ...")
    k = int(max(true.max(), pred.max())) + 1
    if class_names is not None:
        if len(class_names) < k:
            raise ValueError(f"plot_confusion_matrix: the labels go up to {k - 1} but class_names "
                             f"has only {len(class_names)} names.")
        k = len(class_names)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (true, pred), 1)
    values = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    say = Words(words, "plot_confusion_matrix")
    plt = pyplot()
    size = figsize or (max(4.0, 0.55 * k + 2.2), max(3.6, 0.55 * k + 1.6))
    figure, ax = plt.subplots(figsize=size, layout="constrained")
    picture = ax.imshow(values, cmap=cmap, vmin=0)
    figure.colorbar(picture, ax=ax, label=say("row_fraction" if normalize else "images"))
    dark = values.max() / 2 if values.max() > 0 else 1
    for i in range(k):
        for j in range(k):
            text = f"{values[i, j]:.2f}" if normalize else str(counts[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if k > 5 else 10,
                    color="white" if values[i, j] > dark else "black")
    names = [class_name(class_names, c) for c in range(k)]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel(say("predicted_class"))
    ax.set_ylabel(say("true_class"))
    right = int(np.trace(counts))
    ax.set_title(title or say("accuracy_title", percent=100 * right / true.size, right=right,
                              count=true.size))
    save_figure(figure, to_file, dpi)
    return figure


# --------------------------------------------------------------------------------------
# plot_samples
# --------------------------------------------------------------------------------------

def plot_samples(images, labels=None, predictions=None, class_names=None, ncols=8,
                 max_images=32, title=None, cmap="gray_r", to_file=None, dpi=100, words=None):
    """A grid of images, each titled with its true and (if given) predicted class.

    With predictions and labels, a panel's title reads ``pred 3`` over ``true 3``; a wrong
    one is marked: its title starts with a cross (``✗ pred 5``), and title and frame
    are red. With probability rows as predictions, the title also gives the model's
    confidence in its answer: ``pred 3 (97%)``.

    Args:
        images: shape ``(n, H, W)``, ``(n, H, W, 1)``, ``(n, H, W, 3)`` or channels first
            ``(n, 1, H, W)``/``(n, 3, H, W)``; any value range (each image is drawn with
            its own scale).
        labels: the true classes ``(n,)`` or one-hot rows.
        predictions: predicted classes ``(n,)`` or probability rows ``(n, num_classes)``.
        class_names: the name of each class, in order (default its number).
        ncols: panels per row.
        max_images: draw at most the first ``max_images`` images.
        title: a title above the grid; with predictions, default says how many are wrong.
        cmap: colour map of one-channel images (``'gray_r'``: dark ink on white paper).
        to_file: save the figure there too.
        dpi: resolution of the saved file.
        words: the figure's own words in another language, e.g. ``{"predicted": "예측
            {name}", "true": "정답 {name}"}`` (keys ``predicted``,
            ``predicted_with_confidence``, ``true``, ``wrong_title``; see
            ``minikeras.utils.plotting.words``).

    Returns:
        The Figure: one image panel per drawn image.

    Raises:
        ValueError: images of another rank, or labels/predictions whose length differs
            from the number of images.

    Example:
        >>> fig = plot_samples(np.zeros((2, 5, 5)), labels=[3, 7], predictions=[3, 1])
        >>> [ax.get_title() for ax in fig.axes]
        ['pred 3\\ntrue 3', '✗ pred 1\\ntrue 7']
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] not in (1, 3) and images.shape[1] in (1, 3):
        images = np.moveaxis(images, 1, -1)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)) or len(images) == 0:
        raise ValueError(
            "plot_samples expects a non-empty batch of images of shape (n, H, W), (n, H, W, 1) "
            f"or (n, H, W, 3) (or channels first); received shape {np.shape(images)}."
        )
    n = min(len(images), max_images)
    true = None if labels is None else class_labels(labels, "labels", "plot_samples")
    guess = None if predictions is None else class_labels(predictions, "predictions", "plot_samples")
    confidence = None
    if predictions is not None and np.ndim(predictions) == 2:
        confidence = np.max(np.asarray(predictions), axis=1)
    for name, values in (("labels", true), ("predictions", guess)):
        if values is not None and len(values) != len(images):
            raise ValueError(f"plot_samples: {len(images)} images but {len(values)} {name}.")
    rows, cols = grid(n, ncols)
    say = Words(words, "plot_samples")
    plt = pyplot()
    height = 1.45 if guess is not None else 1.25
    figure, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                                figsize=(1.3 * cols + 0.4, height * rows + 0.4))
    wrong = 0
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.remove()
            continue
        ax.imshow(images[i], cmap=cmap if images.ndim == 3 else None)
        ax.set_xticks([])
        ax.set_yticks([])
        parts, colour = [], "black"
        if guess is not None and confidence is not None:
            parts.append(say("predicted_with_confidence", name=class_name(class_names, guess[i]),
                             percent=100 * confidence[i]))
        elif guess is not None:
            parts.append(say("predicted", name=class_name(class_names, guess[i])))
        if true is not None:
            parts.append(say("true", name=class_name(class_names, true[i])))
        if guess is not None and true is not None and guess[i] != true[i]:
            wrong += 1
            colour, parts[0] = "red", "\u2717 " + parts[0]
            for spine in ax.spines.values():
                spine.set_color("red")
                spine.set_linewidth(2)
        text = "\n".join(parts)
        ax.set_title(text, fontsize=8, color=colour, fontweight="bold" if colour == "red" else None)
    if title is None and guess is not None and true is not None:
        title = say("wrong_title", wrong=wrong, count=n)
    if title:
        figure.suptitle(title)
    save_figure(figure, to_file, dpi)
    return figure
