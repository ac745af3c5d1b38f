"""Differentiable operations, one family per module; each op keeps forward and backward together.

The lowercase functions re-exported here are what layers, losses and users call.
"""
from minikeras.ops.base import Op
from minikeras.ops.elementwise import (
    abs, add, cast, clip, divide, exp, identity, log, maximum, minimum, multiply, negative, ones_like,
    power, sign, sqrt, square, stop_gradient, subtract, where, zeros_like,
)
from minikeras.ops.linalg import batch_dot, dot, matmul, tensordot
from minikeras.ops.nn import (
    elu, hard_sigmoid, l2_normalize, linear, log_softmax, relu, selu, sigmoid, softmax,
    softplus, softsign, tanh,
)
from minikeras.ops.reduce import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
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
]
