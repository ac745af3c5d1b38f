"""Metrics: numbers to watch during training, one value per sample.

A metric ``fn(y_true, y_pred)`` returns a Tensor with one value per sample (the last axis
reduced); the model averages them over each batch and over the epoch, weighting batches by
their size, as Keras 2 does. Metrics are not differentiated, so the accuracies below are
computed in NumPy. Every loss function (``'mse'``, ``'categorical_crossentropy'``, ...) is a
metric too.

``'accuracy'`` (or ``'acc'``) means different functions for different models: see
``resolve_accuracy``. Each metric is logged under the name it was given (``resolve``); the
other spellings of that name are in ``names.py``.

Example:
    >>> import numpy as np
    >>> categorical_accuracy(np.eye(3), np.array([[.8, .1, .1], [.5, .3, .2], [0, .1, .9]])).numpy()
    array([1., 0., 1.], dtype=float32)
"""
import functools

import numpy as np

from minikeras import config, losses
from minikeras.tensor import Tensor
from minikeras.utils.generic_utils import deserialize_keras_object

__all__ = [
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "resolve_accuracy", "resolve", "get", "serialize", "deserialize",
]

ACCURACY_NAMES = ("accuracy", "acc")
CROSSENTROPY_NAMES = ("crossentropy", "ce")


def _floats(values):
    return Tensor(np.asarray(values, dtype=config.floatx()))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The fraction of the last axis where ``(y_pred > threshold)`` equals the 0/1 target."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return _floats(np.mean(y_true == (y_pred > threshold), axis=-1))


def categorical_accuracy(y_true, y_pred):
    """1 where the largest prediction is at the one-hot target's class, else 0."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return _floats(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the largest prediction is at the integer label, else 0.

    ``y_true`` has shape ``(batch,)`` or ``(batch, 1)``; ``y_pred`` ``(batch, classes)``.
    """
    labels, y_pred = _labels(y_true, y_pred, "sparse_categorical_accuracy")
    return _floats(labels == np.argmax(y_pred, axis=-1))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot target's class is among the ``k`` largest predictions, else 0."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return _floats(_in_top_k(y_pred, np.argmax(y_true, axis=-1), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label is among the ``k`` largest predictions, else 0.

    With ``from_sorted_ids=True`` (Keras 3), ``y_pred`` holds the ids of the best classes sorted
    from the highest score down, and the label must be among the first ``k`` of them.
    """
    if from_sorted_ids:
        from minikeras.metrics.accuracy import in_sorted_ids

        return _floats(in_sorted_ids(y_true, y_pred, k))
    labels, y_pred = _labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    return _floats(_in_top_k(y_pred, labels.astype(np.int64), k))


def _in_top_k(predictions, targets, k):
    """Whether each target class is in the top ``k``: fewer than ``k`` classes score strictly
    higher. Classes tied with the target all count as in (TensorFlow's ``in_top_k`` rule)."""
    target_scores = np.take_along_axis(predictions, targets[..., None], axis=-1)
    return np.sum(predictions > target_scores, axis=-1) < k


def _labels(y_true, y_pred, name):
    """Integer labels of shape ``y_pred.shape[:-1]`` (a trailing axis of 1 is dropped)."""
    labels, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{name}: expected integer labels of shape {y_pred.shape[:-1]} (or with a trailing "
            f"axis of 1) for predictions of shape {y_pred.shape}, got labels of shape {np.shape(y_true)}."
        )
    classes = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"{name}: labels must be in [0, {classes}), got values from {labels.min()} to {labels.max()}."
        )
    return labels, y_pred


def _binary_accuracy_from_logits(y_true, y_pred):
    """``binary_accuracy`` for logits: a logit above 0 is a probability above 0.5."""
    return binary_accuracy(y_true, y_pred, threshold=0.0)


# --- 'accuracy' depends on the model ----------------------------------------------------------
def resolve_accuracy(name, loss_fn, output_shape):
    """The function and the logged name that ``'accuracy'`` (or ``'crossentropy'``) stands for.

    Keras 2.2.4's rule, per model output: binary when the output's last dimension is 1 or
    the loss is binary cross-entropy; sparse categorical when the loss is sparse
    categorical cross-entropy; categorical otherwise. The value is logged under the name
    that was asked for (tf.keras; Keras 2.2.4 logged ``'acc'`` or ``'ce'``, which
    ``names.MetricLogs`` still finds). When the loss takes logits
    (``BinaryCrossentropy(from_logits=True)``), the metric does too.

    Args:
        name: ``'accuracy'``, ``'acc'``, ``'crossentropy'`` or ``'ce'``.
        loss_fn: the output's loss (a function from ``losses.get``, or a ``Loss``).
        output_shape: the output's shape, e.g. ``(None, 10)``.

    Returns:
        ``(metric_fn, logged_name)``.

    Example:
        >>> fn, logged = resolve_accuracy("accuracy", losses.categorical_crossentropy, (None, 10))
        >>> fn.__name__, logged
        ('categorical_accuracy', 'accuracy')
    """
    if name not in ACCURACY_NAMES + CROSSENTROPY_NAMES:
        raise ValueError(
            f"resolve_accuracy: expected one of {ACCURACY_NAMES + CROSSENTROPY_NAMES}, got {name!r}."
        )
    instance = losses.loss_instance(loss_fn)
    loss_function = losses.plain_function(loss_fn)
    from_logits = bool(getattr(instance, "_fn_kwargs", {}).get("from_logits", False))
    if (output_shape and output_shape[-1] == 1) or loss_function is losses.binary_crossentropy:
        kind = "binary"
    elif loss_function is losses.sparse_categorical_crossentropy:
        kind = "sparse"
    else:
        kind = "categorical"

    if name in ACCURACY_NAMES:
        choices = {"binary": _binary_accuracy_from_logits if from_logits else binary_accuracy,
                   "sparse": sparse_categorical_accuracy, "categorical": categorical_accuracy}
        return choices[kind], name
    crossentropy = {"binary": losses.binary_crossentropy,
                    "sparse": losses.sparse_categorical_crossentropy,
                    "categorical": losses.categorical_crossentropy}[kind]
    if from_logits:
        crossentropy = functools.wraps(crossentropy)(functools.partial(crossentropy, from_logits=True))
    return crossentropy, name


def resolve(identifier, loss_fn=None, output_shape=None):
    """``(metric_fn, logged_name)`` for any metric given to ``compile``.

    ``'accuracy'``-like names go through ``resolve_accuracy``; anything else through ``get``.
    The logged name is the one the user wrote (tf.keras and Keras 3): a string as it is
    (``'mse'`` logs as ``'mse'``; Keras 2.2.4 logged ``'mean_squared_error'``, and
    ``names.MetricLogs`` finds it under either), a ``Loss`` or ``Metric`` object its ``name``, a
    function its ``__name__``.
    """
    if isinstance(identifier, str) and identifier in ACCURACY_NAMES + CROSSENTROPY_NAMES:
        return resolve_accuracy(identifier, loss_fn, output_shape)
    fn = get(identifier)
    if _is_metric_object(fn):
        return fn, fn.name
    if isinstance(identifier, str):
        return fn, identifier
    instance = losses.loss_instance(fn)
    if instance is not None:
        return fn, instance.name
    return fn, getattr(fn, "name", None) or fn.__name__


# --- lookup by name ---------------------------------------------------------------------------
_METRICS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
}


def _is_metric_object(value):
    from minikeras.metrics.base_metric import Metric

    return isinstance(value, Metric)


def serialize(metric):
    """A metric's name, or ``{'class_name', 'config'}`` for a ``Loss`` or ``Metric`` object."""
    if _is_metric_object(metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    return losses.serialize(metric)


def deserialize(name, custom_objects=None):
    """The metric called ``name``: one of this module's functions, any loss, or a ``Metric``
    from its ``{'class_name', 'config'}`` (a metric class wins over a loss class of the same name)."""
    from minikeras.metrics import CLASSES

    return deserialize_keras_object(name, {**losses.BY_NAME, **_METRICS, **CLASSES}, custom_objects, kind="metric")


def get(identifier):
    """A metric function ``fn(y_true, y_pred)`` from a name, a function, or a ``Loss``;
    a ``Metric`` object as it is (a ``Metric`` class: an instance with its defaults).

    Raises:
        ValueError: for ``'accuracy'`` (which depends on the model: use ``resolve_accuracy``),
            an unknown name, or anything else.
    """
    if isinstance(identifier, str) and identifier in ACCURACY_NAMES + CROSSENTROPY_NAMES:
        raise ValueError(
            f"Metric {identifier!r} depends on the model's loss and output shape: "
            "use metrics.resolve_accuracy(name, loss_fn, output_shape)."
        )
    if isinstance(identifier, (str, dict)):
        identifier = deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, losses.Loss):
        identifier = identifier()  # a Loss class given without calling it: its defaults
    if isinstance(identifier, type) and getattr(identifier, "update_state", None) is not None:
        identifier = identifier()  # a Metric class: its defaults
    if _is_metric_object(identifier):
        return identifier
    if isinstance(identifier, losses.Loss):
        return identifier.call
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric function identifier: {identifier!r}")
