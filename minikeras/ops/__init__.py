"""Differentiable operations, one family per module; each op keeps forward and backward together.

The lowercase functions re-exported here are what layers, losses and users call. They are
also Keras 3's ``keras.ops``: the NumPy-like names that Keras 3 programs use (``creation.py``,
``comparison.py``, ``indexing.py``, ``einsum.py``, ``crossentropy.py`` hold those that
Keras 2 had no need for). Where Keras 3's default differs, minikeras keeps its own (used by
every layer): ``argmax``/``argmin`` default to the last axis and ``concatenate`` to
``axis=-1``; pass ``axis`` to be sure.
"""
from minikeras.ops.base import Op
from minikeras.ops.comparison import (
    equal, greater, greater_equal, less, less_equal, logical_and, logical_not, logical_or, not_equal,
)
from minikeras.ops.creation import (
    arange, array, convert_to_numpy, convert_to_tensor, eye, full, one_hot, ones, shape, zeros,
)
from minikeras.ops.crossentropy import binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy
from minikeras.ops.einsum import einsum
from minikeras.ops.elementwise import (
    abs, add, cast, clip, divide, exp, identity, log, maximum, minimum, multiply, negative, ones_like,
    power, sign, sqrt, square, stop_gradient, subtract, where, zeros_like,
)
from minikeras.ops.linalg import batch_dot, dot, matmul, tensordot
from minikeras.ops.nn import (
    elu, hard_sigmoid, l2_normalize, linear, log_softmax, normalize, relu, selu, sigmoid, softmax,
    softplus, softsign, tanh,
)
from minikeras.ops.reduce import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
from minikeras.ops.indexing import argsort, cumsum, split, take, take_along_axis, top_k
from minikeras.ops.shape import (
    broadcast_to, concatenate, expand_dims, flatten, getitem, repeat, reshape, squeeze, stack,
    sum_to_shape, tile, transpose,
)

__all__ = [
    "Op", "abs", "add", "cast", "clip", "divide", "exp", "identity", "log", "maximum", "minimum",
    "multiply", "negative", "ones_like", "power", "sign", "sqrt", "square", "stop_gradient",
    "subtract", "where", "zeros_like", "batch_dot", "dot", "matmul", "tensordot", "elu",
    "hard_sigmoid", "l2_normalize", "linear", "log_softmax", "relu", "selu", "sigmoid",
    "softmax", "softplus", "softsign", "tanh", "argmax", "argmin", "logsumexp", "max", "mean",
    "min", "prod", "std", "sum", "var", "broadcast_to", "concatenate", "expand_dims", "flatten",
    "getitem", "repeat", "reshape", "squeeze", "stack", "sum_to_shape", "tile", "transpose",
    # Keras 3's keras.ops names
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "array", "convert_to_tensor", "convert_to_numpy", "shape", "zeros",
    "ones", "eye", "arange", "full", "one_hot", "einsum", "argsort", "cumsum", "split", "take",
    "take_along_axis", "top_k", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "normalize",
]

from minikeras.ops.signatures import clip, reshape, transpose  # noqa: E402,F811 (Keras 3's argument names too)

# Importing ops/shape.py bound the name ``shape`` to that module; Keras 3's ``ops.shape(x)`` is
# the function (the module stays importable as ``minikeras.ops.shape``).
from minikeras.ops.creation import shape  # noqa: E402,F811

# Keras 3 programs call these on the symbolic tensors of a functional model as well (between
# layers, as tf.keras allows): there, each call becomes a graph node (see dispatch.py). The ops
# built on ``Op.apply`` do so already; these convert their arguments first, so they are wrapped.
from minikeras.dispatch import symbolic_aware as _symbolic_aware  # noqa: E402

for _name in ("sum", "mean", "max", "min", "prod", "std", "var", "logsumexp", "argmax", "argmin", "matmul",
              "dot", "tensordot", "batch_dot", "reshape", "transpose", "expand_dims", "squeeze", "concatenate",
              "stack", "where", "cast", "relu", "softmax", "log_softmax", "tile", "repeat", "flatten",
              "broadcast_to", "l2_normalize", "normalize", "elu", "zeros_like", "ones_like"):
    if not hasattr(globals()[_name], "__wrapped_function__"):
        globals()[_name] = _symbolic_aware(globals()[_name])
del _name
