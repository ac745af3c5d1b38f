"""Loss functions: how far the predictions are from the targets, one value per sample.

Each function ``fn(y_true, y_pred)`` takes targets and predictions of shape
``(batch, ..., d)`` and returns a Tensor of shape ``(batch, ...)``: the last axis is
averaged (or summed, for the cross-entropies and divergences), exactly as Keras 2.2.4 does.
They are written with minikeras operations, so a ``GradientTape`` differentiates them.
Called on the symbolic tensors of a functional model (a VAE's reconstruction loss), each
builds a graph node instead (``symbolic_aware``, see ``minikeras/dispatch.py``).
The model then reduces these values to one scalar with ``compute_weighted_loss``.

``get`` finds a loss by name (``'mse'``, ``'categorical_crossentropy'``, ...), and the
Keras-style classes (``CategoricalCrossentropy(from_logits=True)``) carry settings and
reduce to a scalar when called.

Example:
    >>> import numpy as np
    >>> mean_squared_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).numpy()
    array([0.5])
"""
import re

import numpy as np

from minikeras import backend as K
from minikeras import config, ops
from minikeras.dispatch import symbolic_aware
from minikeras.tensor import as_tensor
from minikeras.utils.generic_utils import deserialize_keras_object

__all__ = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge", "logcosh",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "kullback_leibler_divergence", "poisson", "cosine_proximity",
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "cosine",
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "SquaredHinge", "Hinge",
    "CategoricalHinge", "LogCosh", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "BinaryCrossentropy", "KLDivergence", "Poisson", "CosineSimilarity",
    "compute_weighted_loss", "get", "serialize", "deserialize", "loss_instance", "plain_function",
    "BY_NAME",
]


def _as_pair(y_true, y_pred):
    """Both as Tensors of the predictions' float dtype (the targets are constants)."""
    y_pred = as_tensor(y_pred)
    if not np.issubdtype(y_pred.dtype, np.floating):
        y_pred = ops.cast(y_pred, config.floatx())
    return ops.cast(as_tensor(y_true), y_pred.dtype), y_pred


# --- regression ----------------------------------------------------------------------------------
@symbolic_aware
def mean_squared_error(y_true, y_pred):
    """``mean((y_pred - y_true)**2)`` over the last axis."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


@symbolic_aware
def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|)`` over the last axis."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


@symbolic_aware
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / |y_true|)``, with ``|y_true|`` at least ``K.epsilon()``."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.clip(ops.abs(y_true), K.epsilon(), None))
    return 100.0 * ops.mean(diff, axis=-1)


@symbolic_aware
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(1 + y_pred) - log(1 + y_true))**2)``, both clipped to ``K.epsilon()`` first."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    first_log = ops.log(ops.clip(y_pred, K.epsilon(), None) + 1.0)
    second_log = ops.log(ops.clip(y_true, K.epsilon(), None) + 1.0)
    return ops.mean(ops.square(first_log - second_log), axis=-1)


@symbolic_aware
def logcosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)))``: like MSE for small errors, like MAE for large ones.

    Written ``x + softplus(-2x) - log(2)``, which equals ``log(cosh(x))`` but never
    computes ``cosh`` of a large number (that would overflow for ``|x|`` beyond ~710).
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(-2.0 * x) - np.log(2.0), axis=-1)


# --- margins (targets in {-1, 1}) ------------------------------------------------------------
@symbolic_aware
def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))``; targets are -1 or 1."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


@symbolic_aware
def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0)**2)``; targets are -1 or 1."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


@symbolic_aware
def categorical_hinge(y_true, y_pred):
    """``max(0, 1 + best wrong score - true score)`` for one-hot targets."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


# --- probabilities ---------------------------------------------------------------------------------
def class_axis(name, axis, ndim):
    """``axis`` as a non-negative index into ``ndim`` axes, or a ValueError naming ``name``."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{name}: axis must be an integer; received axis={axis!r} of type {type(axis).__name__}.")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis={axis} is out of range for y_pred of rank {ndim}; expected an axis "
                         f"in [{-ndim}, {ndim - 1}].")
    return int(axis) % ndim


@symbolic_aware
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y_true * log(y_pred))`` over the class axis (the last one unless ``axis``), for
    one-hot (or soft) targets of ``y_pred``'s shape. Returns ``y_pred``'s shape without that axis.

    With ``from_logits=True``, ``y_pred`` are unnormalised scores and the log-softmax is
    taken in a way that is finite for any magnitude. Otherwise ``y_pred`` are probabilities,
    rescaled to sum to 1 and clipped to ``[eps, 1 - eps]`` (Keras 2). ``label_smoothing``
    (tf.keras) moves the targets towards uniform first:
    ``y_true * (1 - label_smoothing) + label_smoothing / classes``, where ``classes`` is the
    size of the LAST axis even when ``axis`` names another one: tf.keras and Keras 3 do so, and
    minikeras gives their numbers.
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    axis = class_axis("categorical_crossentropy", axis, y_pred.ndim)
    if label_smoothing:
        classes = y_pred.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return K.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@symbolic_aware
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer labels.

    ``y_pred`` has the classes on ``axis`` (the last one by default), e.g. ``(batch, classes)``
    or, with ``axis=1``, ``(batch, classes, steps)``; ``y_true`` has ``y_pred``'s shape without
    that axis (or with it of size 1), e.g. ``(batch,)`` or ``(batch, 1)``. Returns ``y_true``'s
    shape. Keras 3's ``ignore_class`` (which masks the loss) is not supported.
    """
    if ignore_class is not None:
        raise NotImplementedError(f"sparse_categorical_crossentropy: ignore_class={ignore_class!r} is not supported "
                                  "by minikeras (it needs Keras 3's loss masks).")
    y_pred = as_tensor(y_pred)
    axis = class_axis("sparse_categorical_crossentropy", axis, y_pred.ndim)
    labels = np.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = np.squeeze(labels, axis=axis)
    expected = y_pred.shape[:axis] + y_pred.shape[axis + 1:]
    if labels.shape != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: expected integer labels of shape {expected} (y_pred's shape "
            f"{y_pred.shape} without the class axis {axis}); received labels of shape {np.shape(y_true)}.")
    return K.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits, axis=axis)


@symbolic_aware
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``mean(-(t log(p) + (1 - t) log(1 - p)))`` over the last axis (or ``axis``).

    Probabilities are clipped to ``[eps, 1 - eps]``; with ``from_logits=True`` it is
    computed from the logits directly, finite for any magnitude. ``label_smoothing``
    (tf.keras) moves the targets towards 1/2 first: ``t * (1 - label_smoothing) + label_smoothing / 2``.
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    axis = class_axis("binary_crossentropy", axis, y_pred.ndim)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(K.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@symbolic_aware
def kullback_leibler_divergence(y_true, y_pred):
    """``sum(t * log(t / p))`` over the last axis, both clipped to ``[eps, 1]``."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    y_true = ops.clip(y_true, K.epsilon(), 1.0)
    y_pred = ops.clip(y_pred, K.epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@symbolic_aware
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps))``: for counts; ``y_pred`` must be >= 0."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + K.epsilon()), axis=-1)


@symbolic_aware
def cosine_proximity(y_true, y_pred):
    """The NEGATIVE cosine similarity over the last axis (Keras 2): -1 when the vectors align."""
    y_true, y_pred = _as_pair(y_true, y_pred)
    y_true = ops.l2_normalize(y_true, axis=-1)
    y_pred = ops.l2_normalize(y_pred, axis=-1)
    return -ops.sum(y_true * y_pred, axis=-1)


# Keras 2's short names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity


# --- reducing per-sample losses to the scalar that is minimised ------------------------------
def compute_weighted_loss(per_sample, sample_weight=None, mask=None):
    """The scalar training loss, as Keras 2.2.4's ``weighted_masked_objective`` computes it.

    Args:
        per_sample: the loss values, shape ``(batch, ...)`` (a loss function's result).
        sample_weight: None, or weights of shape ``(batch,)`` (or ``(batch, timesteps)`` for
            temporal weights). Axes of ``per_sample`` beyond the weights' are averaged first.
        mask: None, or a 0/1 array of ``per_sample``'s shape (from masking layers).

    Returns:
        A scalar Tensor: with weights, ``sum(loss * w) / count(w != 0)`` (samples with weight 0
        do not dilute the mean); without, the plain mean. Masked entries are zeroed and the
        rest rescaled by ``1 / mean(mask)``.

    Where Keras 2 divides 0 by 0 (every weight, or every mask entry, is 0) and returns nan,
    minikeras returns 0: a batch that carries no weight must not turn the weights into nan.
    """
    losses = as_tensor(per_sample)
    if mask is not None:
        mask = np.asarray(mask, dtype=losses.dtype)
        kept = float(mask.mean()) if mask.size else 0.0
        losses = losses * (mask / kept if kept > 0 else mask)
    if sample_weight is None:
        return ops.mean(losses)
    weights = np.asarray(sample_weight, dtype=losses.dtype)
    if weights.ndim == losses.ndim + 1 and weights.shape[-1] == 1:
        weights = weights[..., 0]  # (batch, 1) weights for (batch,) losses
    if weights.ndim > losses.ndim or weights.shape != losses.shape[: weights.ndim]:
        raise ValueError(
            f"compute_weighted_loss: sample_weight of shape {weights.shape} does not match the "
            f"per-sample losses of shape {losses.shape}: expected the leading axes of the losses."
        )
    if losses.ndim > weights.ndim:
        losses = ops.mean(losses, axis=tuple(range(weights.ndim, losses.ndim)))
    nonzero = np.count_nonzero(weights)
    return ops.sum(losses * weights) / float(max(nonzero, 1))


# --- Keras-style classes ----------------------------------------------------------------------
REDUCTIONS = ("sum_over_batch_size", "sum", "none")


class Loss:
    """A loss with settings; calling it returns the reduced loss.

    Args:
        reduction: ``'sum_over_batch_size'`` (default: ``sum(loss * w) / number of values``),
            ``'sum'``, or ``'none'`` / None (the weighted per-sample values).
        name: the loss's name.

    ``call(y_true, y_pred)`` gives the per-sample values (what ``model.compile`` uses).
    """

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction is None:  # tf.keras and Keras 3 spell 'none' as None too
            reduction = "none"
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: unknown reduction {reduction!r}; expected one of {REDUCTIONS}."
            )
        self.reduction = reduction
        self.name = name or re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = as_tensor(self.call(y_true, y_pred))
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=losses.dtype)
            if weights.ndim < losses.ndim:
                weights = weights.reshape(weights.shape + (1,) * (losses.ndim - weights.ndim))
            losses = losses * weights
        if self.reduction == "none":
            return losses
        total = ops.sum(losses)
        return total if self.reduction == "sum" else total / float(max(losses.size, 1))

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__}.call")

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A ``Loss`` that calls one of the loss functions above with fixed keyword arguments."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(reduction, name or fn.__name__)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**self._fn_kwargs, **super().get_config()}


def _integer_axis(name, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{name}: axis must be an integer; received axis={axis!r} of type {type(axis).__name__}.")
    return int(axis)


def _wrapper_class(class_name, fn, doc, with_logits=False, with_smoothing=False):
    """A named subclass of ``LossFunctionWrapper`` for ``fn`` (with ``from_logits``, and
    ``label_smoothing`` if it has it; the cross-entropies also take ``axis``, in Keras 3's order)."""
    if with_smoothing:
        def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                     name=fn.__name__):
            if not 0.0 <= float(label_smoothing) <= 1.0:
                raise ValueError(f"{class_name}: label_smoothing must be in [0, 1], received {label_smoothing!r}.")
            LossFunctionWrapper.__init__(self, fn, reduction, name, from_logits=bool(from_logits),
                                         label_smoothing=float(label_smoothing), axis=_integer_axis(class_name, axis))
    elif with_logits:  # SparseCategoricalCrossentropy
        def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                     name=fn.__name__):
            if ignore_class is not None:
                raise NotImplementedError(f"{class_name}: ignore_class={ignore_class!r} is not supported by "
                                          "minikeras (it needs Keras 3's loss masks).")
            LossFunctionWrapper.__init__(self, fn, reduction, name, from_logits=bool(from_logits),
                                         axis=_integer_axis(class_name, axis))
    else:
        def __init__(self, reduction="sum_over_batch_size", name=fn.__name__):
            LossFunctionWrapper.__init__(self, fn, reduction, name)
    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "See ``mean_squared_error``.")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error, "See ``mean_absolute_error``.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "See ``mean_absolute_percentage_error``.")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "See ``mean_squared_logarithmic_error``.")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "See ``squared_hinge``.")
Hinge = _wrapper_class("Hinge", hinge, "See ``hinge``.")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "See ``categorical_hinge``.")
LogCosh = _wrapper_class("LogCosh", logcosh, "See ``logcosh``.")
KLDivergence = _wrapper_class("KLDivergence", kullback_leibler_divergence, "See ``kullback_leibler_divergence``.")
Poisson = _wrapper_class("Poisson", poisson, "See ``poisson``.")
CosineSimilarity = _wrapper_class(
    "CosineSimilarity", cosine_proximity, "The negative cosine similarity; see ``cosine_proximity``.")
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "See ``categorical_crossentropy``.", True, True)
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "See ``sparse_categorical_crossentropy``.", True)
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "See ``binary_crossentropy``.", True, True)


# --- lookup by name, and configs --------------------------------------------------------------
_NOT_LOSSES = {"Loss", "LossFunctionWrapper", "compute_weighted_loss", "get", "serialize", "deserialize",
               "loss_instance", "plain_function", "BY_NAME"}
#: Every loss by the names ``get`` accepts (functions, their aliases and the ``Loss`` classes);
#: ``metrics`` accepts them all too.
BY_NAME = {name: globals()[name] for name in __all__ if name not in _NOT_LOSSES}


def serialize(loss):
    """A loss function's name, or ``{'class_name', 'config'}`` for a ``Loss`` instance."""
    instance = loss_instance(loss)
    if instance is not None:
        return {"class_name": type(instance).__name__, "config": instance.get_config()}
    return loss.__name__


def deserialize(name, custom_objects=None):
    """The function named ``name`` (aliases included), or the ``Loss`` a config dict describes."""
    return deserialize_keras_object(name, BY_NAME, custom_objects, kind="loss")


def get(identifier):
    """A function ``fn(y_true, y_pred)`` returning per-sample losses.

    Args:
        identifier: a name (``'mse'``), a function (returned as is), a ``Loss`` instance (its
            ``call`` is returned, bound to it so that ``serialize`` still finds its settings),
            a ``{'class_name', 'config'}`` dict, or None (returned as is).

    Raises:
        ValueError: for an unknown name or anything else.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        identifier = deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        identifier = identifier()  # a Loss class given without calling it: its defaults
    if isinstance(identifier, Loss):
        return identifier.call
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


def loss_instance(loss):
    """The ``Loss`` behind ``loss`` (itself, or the owner of a bound ``call``), else None.

    ``get`` turns a ``Loss`` into its bound ``call``; this finds the instance again, for
    its name and settings.

    Example:
        >>> loss_instance(get(BinaryCrossentropy(from_logits=True))).name
        'binary_crossentropy'
        >>> loss_instance(mean_squared_error) is None
        True
    """
    if isinstance(loss, Loss):
        return loss
    owner = getattr(loss, "__self__", None)
    return owner if isinstance(owner, Loss) else None


def plain_function(loss):
    """The loss function behind ``loss``: a ``LossFunctionWrapper``'s ``fn``, else ``loss``.

    What tells which loss a model uses, however it was given (``'binary_crossentropy'``,
    ``BinaryCrossentropy()``, or its bound ``call``).

    Example:
        >>> plain_function(get(BinaryCrossentropy())) is binary_crossentropy
        True
    """
    instance = loss_instance(loss)
    return instance.fn if isinstance(instance, LossFunctionWrapper) else loss
