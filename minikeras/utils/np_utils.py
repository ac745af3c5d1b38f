"""NumPy helpers that nearly every Keras script uses: one-hot labels and row normalisation.

``to_categorical`` turns integer class labels into one-hot rows (what
``categorical_crossentropy`` expects); ``normalize`` divides vectors by their norm.
Both work on plain NumPy arrays and return NumPy arrays, as in Keras 2.
"""
import numpy as np

__all__ = ["to_categorical", "normalize"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels.

    Args:
        y: integer labels in ``[0, num_classes)``, any shape. A trailing axis of size 1
            (labels shaped ``(n, 1)``, as ``model.predict`` or a CSV column gives them) is
            dropped before the classes axis is added, as in Keras 2.
        num_classes: the number of classes; ``None`` means ``max(y) + 1``.
        dtype: the type of the result.

    Input shape:
        ``(n,)``, ``(n, 1)`` or any ``shape``.
    Output shape:
        ``(n, num_classes)``, or ``shape + (num_classes,)`` (without a trailing 1).

    Returns:
        ``out[..., k] = 1`` where ``y == k``, else 0.

    Raises:
        ValueError: for a negative label, a label ``>= num_classes``, a non-integer label,
            or ``num_classes < 1``.

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]], dtype=float32)
        >>> to_categorical([[1], [0]]).shape
        (2, 2)
    """
    values = np.asarray(y)
    if values.dtype.kind == "f":
        if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
            raise ValueError(
                "to_categorical: expected integer class labels; received values that are not "
                f"whole numbers (e.g. {values[values != np.round(values)].ravel()[:3].tolist()})."
            )
    elif values.dtype.kind not in "iub":
        raise ValueError(
            f"to_categorical: expected integer class labels; received an array of dtype {values.dtype}."
        )
    labels = values.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.ravel()
    if labels.size and labels.min() < 0:
        raise ValueError(
            "to_categorical: class labels must be >= 0; received the negative label "
            f"{int(labels.min())}."
        )
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be a positive integer; received {num_classes!r}.")
    num_classes = int(num_classes)
    if labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"to_categorical: expected labels in [0, {num_classes}) for num_classes={num_classes}; "
            f"received the label {int(labels.max())}."
        )
    categorical = np.zeros((labels.size, num_classes), dtype=dtype)
    categorical[np.arange(labels.size), labels] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its ``order``-norm along ``axis`` (zero vectors are left as they are).

    Args:
        x: an array.
        axis: the axis along which the norm is taken.
        order: the norm's order, as ``numpy.linalg.norm``'s ``ord`` (2: Euclidean).

    Returns:
        ``x / ||x||``, a float array of ``x``'s shape; a 1-D ``x`` comes back as one row
        ``(1, n)``, as in Keras 2.

    Example:
        >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
