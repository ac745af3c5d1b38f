"""The Keras backend functions (``from minikeras import backend as K``).

Keras code written against ``keras.backend`` runs against this module: each function
keeps Keras 2's name, arguments and defaults, and the differentiable ones are minikeras
operations, recorded on the tape like any other. Settings (``floatx``, ``epsilon``,
``image_data_format``) live in ``minikeras.config`` and its config file.
"""
import numpy as np

from minikeras import dispatch, ops
from minikeras.config import (
    epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format,
)
from minikeras.tensor import Tensor, Variable, as_tensor
from minikeras.backend_random import (
    concrete_shape as _concrete_shape, random_binomial, random_normal, random_uniform, truncated_normal,
)

__all__ = [
    # settings
    "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
    "set_image_data_format", "clear_session",
    # making and reading tensors
    "variable", "constant", "zeros", "ones", "zeros_like", "ones_like", "eye", "cast",
    "is_tensor", "is_keras_tensor", "int_shape", "shape", "ndim", "dtype", "eval", "get_value", "set_value",
    "batch_get_value", "batch_set_value", "count_params",
    # element-wise
    "abs", "square", "sqrt", "exp", "log", "pow", "sign", "round", "clip", "maximum",
    "minimum", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    # reductions
    "sum", "mean", "max", "min", "prod", "std", "var", "logsumexp", "argmax", "argmin", "any", "all",
    # shapes
    "reshape", "permute_dimensions", "transpose", "expand_dims", "squeeze", "concatenate",
    "stack", "flatten", "batch_flatten", "repeat", "repeat_elements", "tile", "gather",
    # products
    "dot", "batch_dot",
    # neural-network functions
    "relu", "elu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "softplus", "softsign",
    "l2_normalize", "bias_add", "stop_gradient", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy",
    # the functional graph
    "function", "learning_phase",
    # random tensors
    "random_normal", "random_uniform", "random_binomial", "truncated_normal",
]

_name_counts = {}


def clear_session():
    """Reset the counters that give layers their default names (``dense_1``, ...)."""
    _name_counts.clear()


def unique_name(prefix):
    """``prefix`` followed by ``_1``, ``_2``, ... (Keras' default layer names)."""
    _name_counts[prefix] = _name_counts.get(prefix, 0) + 1
    return f"{prefix}_{_name_counts[prefix]}"


# --- making and reading tensors --------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding ``value`` (cast to ``dtype``, ``floatx()`` by default)."""
    return Variable(np.asarray(value), dtype=dtype or floatx(), name=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """A constant Tensor; a scalar ``value`` with ``shape`` is broadcast to it."""
    array = np.asarray(value, dtype=dtype or floatx())
    if shape is not None:
        array = np.broadcast_to(array, shape).copy()
    return Tensor(array, name=name)


def zeros(shape, dtype=None, name=None):
    return Variable(np.zeros(_concrete_shape(shape, "zeros"), dtype=dtype or floatx()), name=name)


def ones(shape, dtype=None, name=None):
    return Variable(np.ones(_concrete_shape(shape, "ones"), dtype=dtype or floatx()), name=name)


def eye(size, dtype=None, name=None):
    return Variable(np.eye(size, dtype=dtype or floatx()), name=name)


def zeros_like(x, dtype=None, name=None):
    return ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return ops.ones_like(x, dtype=dtype)


def cast(x, dtype):
    return ops.cast(x, dtype)


def is_tensor(x):
    """True for a Tensor, and for the symbolic tensors of a functional model."""
    return isinstance(x, Tensor) or is_keras_tensor(x)


def is_keras_tensor(x):
    """True for a symbolic tensor of a functional model (``Input(...)``, a layer's output)."""
    return bool(getattr(x, "_is_symbolic", False))


def int_shape(x):
    """The shape as a tuple of ints (``None`` for unknown axes of symbolic tensors)."""
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    return tuple(None if n is None else int(n) for n in shape)


def shape(x):
    """The shape as an integer Tensor (not differentiable)."""
    return Tensor(np.asarray(int_shape(x), dtype=np.int64))


def ndim(x):
    return len(int_shape(x))


def dtype(x):
    if is_keras_tensor(x):
        return str(x.dtype)
    return str(as_tensor(x).dtype)


def get_value(x):
    """The value of a Tensor as a NumPy array."""
    return as_tensor(x).numpy()


# Keras' ``K.eval(x)`` reads a tensor's value; it evaluates no code (it is ``get_value``).
eval = get_value  # noqa: A001


def batch_get_value(tensors):
    return [get_value(t) for t in tensors]


def set_value(x, value):
    """Assign ``value`` to the Variable ``x``."""
    if not isinstance(x, Variable):
        raise TypeError(f"set_value expects a Variable, got {type(x).__name__}.")
    x.assign(value)


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def count_params(x):
    return int(np.prod(int_shape(x), dtype=np.int64))


# --- element-wise --------------------------------------------------------------------------------
def abs(x):  # noqa: A001
    return ops.abs(x)


def square(x):
    return ops.square(x)


def sqrt(x):
    """``sqrt(x)`` after clipping ``x`` to ``[0, inf)``, as Keras 2 does."""
    return ops.sqrt(ops.clip(x, 0.0, None))


def exp(x):
    return ops.exp(x)


def log(x):
    return ops.log(x)


def pow(x, a):  # noqa: A001
    return ops.power(x, a)


def sign(x):
    return ops.sign(x)


def round(x):  # noqa: A001
    """Round to the nearest integer, halves to even (not differentiable)."""
    return Tensor(np.round(as_tensor(x).numpy()))


def clip(x, min_value, max_value):
    """Clip to ``[min_value, max_value]``; as in Keras, ``max_value < min_value`` means ``min_value``."""
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return ops.clip(x, min_value, max_value)


def maximum(x, y):
    return ops.maximum(x, y)


def minimum(x, y):
    return ops.minimum(x, y)


def _compare(x, y, compare):
    return Tensor(compare(np.asarray(x), np.asarray(y)))


def equal(x, y):
    return _compare(x, y, np.equal)


def not_equal(x, y):
    return _compare(x, y, np.not_equal)


def greater(x, y):
    return _compare(x, y, np.greater)


def greater_equal(x, y):
    return _compare(x, y, np.greater_equal)


def less(x, y):
    return _compare(x, y, np.less)


def less_equal(x, y):
    return _compare(x, y, np.less_equal)


# --- reductions -----------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):  # noqa: A001
    return ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; booleans are averaged as ``floatx()`` (Keras' behaviour)."""
    return ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return ops.min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return ops.prod(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return ops.std(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return ops.var(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return ops.logsumexp(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    return ops.argmax(x, axis=axis)


def argmin(x, axis=-1):
    return ops.argmin(x, axis=axis)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return Tensor(np.any(np.asarray(x), axis=axis, keepdims=keepdims))


def all(x, axis=None, keepdims=False):  # noqa: A001
    return Tensor(np.all(np.asarray(x), axis=axis, keepdims=keepdims))


# --- shapes ---------------------------------------------------------------------------------------
def reshape(x, shape):
    return ops.reshape(x, shape)


def permute_dimensions(x, pattern):
    """Permute the axes: ``pattern`` is a tuple like ``(0, 2, 1)``."""
    return ops.transpose(x, pattern)


def transpose(x):
    """Reverse the axes (a matrix transpose for 2-D)."""
    return ops.transpose(x)


def expand_dims(x, axis=-1):
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    return ops.squeeze(x, axis)


def concatenate(tensors, axis=-1):
    """Join along ``axis`` (the last one by default, as in Keras)."""
    return ops.concatenate(tensors, axis=axis)


def stack(x, axis=0):
    return ops.stack(x, axis=axis)


def flatten(x):
    """All elements in one axis."""
    return ops.reshape(x, (-1,))


def batch_flatten(x):
    """``(N, ...) -> (N, prod(...))``."""
    return ops.flatten(x)


def repeat(x, n):
    """``(N, D) -> (N, n, D)``: repeat a 2-D tensor ``n`` times along a new axis 1."""
    x = as_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"repeat: expected a 2-D tensor, got shape {x.shape}.")
    return ops.tile(ops.expand_dims(x, 1), (1, n, 1))


def repeat_elements(x, rep, axis):
    return ops.repeat(x, rep, axis)


def tile(x, n):
    return ops.tile(x, n)


def gather(reference, indices):
    """Rows of ``reference`` at ``indices`` (integer array or Tensor)."""
    return ops.getitem(reference, np.asarray(indices, dtype=np.int64))


# --- products -------------------------------------------------------------------------------------
def dot(x, y):
    return ops.dot(x, y)


def batch_dot(x, y, axes=None):
    return ops.batch_dot(x, y, axes)


# --- neural-network functions ----------------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return ops.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha)


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    return ops.hard_sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def l2_normalize(x, axis=None):
    return ops.l2_normalize(x, axis=axis)


def bias_add(x, bias, data_format=None):
    """Add a per-channel ``bias`` of shape ``(C,)`` to ``x`` (channels last or first)."""
    x, bias = as_tensor(x), as_tensor(bias)
    data_format = data_format or image_data_format()
    if data_format == "channels_first" and x.ndim > 2:
        bias = ops.reshape(bias, (bias.shape[0],) + (1,) * (x.ndim - 2))
    return x + bias


def stop_gradient(x):
    return ops.stop_gradient(x)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log(output))`` per sample; ``output`` are probabilities unless ``from_logits``.

    Probabilities are first rescaled to sum to 1 and clipped to ``[eps, 1 - eps]`` (Keras 2);
    logits go through ``log_softmax``, which is finite for any value.
    """
    if from_logits:
        log_probabilities = ops.log_softmax(output, axis=axis)
    else:
        output = as_tensor(output)
        output = output / ops.sum(output, axis=axis, keepdims=True)
        log_probabilities = ops.log(ops.clip(output, epsilon(), 1.0 - epsilon()))
    return -ops.sum(as_tensor(target) * log_probabilities, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy with integer class labels instead of one-hot targets."""
    output = as_tensor(output)
    labels = np.asarray(target).astype(np.int64)
    if labels.ndim == output.ndim:
        labels = labels.reshape(labels.shape[:-1]) if labels.shape[-1] == 1 else labels
    classes = output.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must be in [0, {classes}), "
            f"got values from {labels.min()} to {labels.max()}."
        )
    one_hot = np.moveaxis(np.eye(classes, dtype=output.dtype)[labels], -1, axis)
    return categorical_crossentropy(one_hot, output, from_logits=from_logits, axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise ``-(t log(p) + (1 - t) log(1 - p))``.

    From logits it is computed as ``max(x, 0) - x t + log(1 + exp(-|x|))``, finite for any ``x``.
    """
    target = as_tensor(target)
    if from_logits:
        x = as_tensor(output)
        return ops.relu(x) - x * target + ops.softplus(-ops.abs(x))
    p = ops.clip(output, epsilon(), 1.0 - epsilon())
    return -(target * ops.log(p) + (1 - target) * ops.log(1 - p))


# --- the functional graph ---------------------------------------------------------------------------
class _LearningPhase:
    """The placeholder ``K.learning_phase()``: given to ``K.function`` as an input, its value
    (0 for inference, 1 for training) is the ``training`` flag of the layers."""

    _is_learning_phase = True

    def __repr__(self):
        return "<learning phase>"


_LEARNING_PHASE = _LearningPhase()


def learning_phase():
    """Keras 2's learning-phase placeholder, an input of ``K.function`` (0: test, 1: train)."""
    return _LEARNING_PHASE


def function(inputs, outputs, updates=None, **kwargs):
    """A function from arrays to arrays through part of a functional graph (Keras 2).

    ``f = K.function([model.input], [model.layers[1].output])`` then ``f([x])`` returns
    the list of the outputs' values for the data ``x``. Put ``K.learning_phase()`` among the
    inputs to pass the training flag (``f([x, 1])``: Dropout active).

    Raises:
        NotImplementedError: for ``updates`` (minikeras has no graph updates to run).
        ValueError: when the outputs cannot be computed from the inputs.
    """
    if updates:
        raise NotImplementedError("K.function: `updates` is not supported (there are no graph updates to run).")
    if kwargs:
        raise NotImplementedError(f"K.function: unsupported argument(s) {sorted(kwargs)}.")
    return dispatch.graph_function(inputs, outputs)


# --- symbolic tensors -------------------------------------------------------------------------------
# Called on the symbolic tensors of a functional model (``Input(...)``, a layer's output), each
# function below builds a node of the graph instead of computing (see ``minikeras/dispatch.py``
# and ``layers/op_layer.py``), so that programs can do K math between layers. The functions
# that read settings, make variables or only look at a shape are not in the list.
_NOT_SYMBOLIC = {
    "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
    "clear_session", "variable", "constant", "zeros", "ones", "eye", "is_tensor", "is_keras_tensor",
    "int_shape", "ndim", "dtype", "eval", "get_value", "set_value", "batch_get_value",
    "batch_set_value", "count_params", "function", "learning_phase",
}
for _name in __all__:
    if _name not in _NOT_SYMBOLIC:
        globals()[_name] = dispatch.symbolic_aware(globals()[_name])
del _name
