"""Neural-network functions: activations, softmax and its logarithm, normalisation.

Each is written to stay finite for large inputs (|x| = 100 and beyond): ``sigmoid`` and
``softplus`` never evaluate ``exp`` of a large positive number, ``softmax`` and
``log_softmax`` subtract the maximum first.
"""
import numpy as np

from minikeras.ops.base import Op
from minikeras.ops.elementwise import clip, exp, maximum, sqrt, square, where
from minikeras.ops.reduce import sum as reduce_sum
from minikeras.tensor import as_tensor

__all__ = [
    "relu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax", "softplus",
    "softsign", "elu", "selu", "l2_normalize", "linear",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Relu(Op):
    """z = max(x, 0);  dz/dx = 1 where x > 0, else 0 (0 at the kink, as in TensorFlow)."""

    def forward(self, x):
        self.positive = x > 0
        return np.maximum(x, 0)

    def backward(self, grad):
        return grad * self.positive.astype(grad.dtype)


class Sigmoid(Op):
    """z = 1 / (1 + exp(-x));  dz/dx = z (1 - z)."""

    def forward(self, x):
        # exp of a negative number only: exp(-|x|) never overflows.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, grad):
        z = self.output
        return grad * z * (1 - z)


class Tanh(Op):
    """z = tanh(x);  dz/dx = 1 - z**2."""

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad):
        return grad * (1 - square(self.output))


class Softmax(Op):
    """z_i = exp(x_i) / sum_j exp(x_j) along ``axis``;  dx = z * (g - sum(g * z))."""

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, grad):
        z = self.output
        return z * (grad - reduce_sum(grad * z, axis=self.axis, keepdims=True))


class LogSoftmax(Op):
    """z_i = x_i - log(sum_j exp(x_j));  dx = g - softmax(x) * sum(g)."""

    def forward(self, x):
        shifted = x - x.max(axis=self.axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, grad):
        return grad - exp(self.output) * reduce_sum(grad, axis=self.axis, keepdims=True)


class Softplus(Op):
    """z = log(1 + exp(x));  dz/dx = sigmoid(x)."""

    def forward(self, x):
        return np.logaddexp(0, x).astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad * sigmoid(self.inputs[0])


class Softsign(Op):
    """z = x / (1 + |x|);  dz/dx = 1 / (1 + |x|)**2."""

    def forward(self, x):
        return x / (1 + np.abs(x))

    def backward(self, grad):
        (x,) = self.inputs
        return grad / square(1 + abs(x))


class Elu(Op):
    """z = x if x > 0 else alpha (exp(x) - 1);  dz/dx = 1 if x > 0 else z + alpha."""

    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, self.alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)

    def backward(self, grad):
        slope = where(self.positive, 1.0, self.output + self.alpha)
        return grad * slope


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras' rectified linear unit.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``,
    ``alpha * (x - threshold)`` otherwise. With the defaults, ``max(x, 0)``.
    """
    x = as_tensor(x)
    if alpha == 0 and max_value is None and threshold == 0:
        return Relu.apply(x)
    above = where(x.numpy() > threshold, x, 0.0)
    if max_value is not None:
        above = clip(above, 0.0, max_value)
    if alpha != 0:
        above = above - alpha * Relu.apply(threshold - x)
    return above


def sigmoid(x):
    """``1 / (1 + exp(-x))``, stable for any magnitude of ``x``."""
    return Sigmoid.apply(x)


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``."""
    return clip(0.2 * as_tensor(x) + 0.5, 0.0, 1.0)


def tanh(x):
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, computed after subtracting the maximum."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("softmax: expected a tensor of rank >= 1, got a scalar.")
    return Softmax.apply(x, axis=axis % x.ndim)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` without computing the softmax: finite for any logits."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("log_softmax: expected a tensor of rank >= 1, got a scalar.")
    return LogSoftmax.apply(x, axis=axis % x.ndim)


def softplus(x):
    """``log(1 + exp(x))``, stable for large ``|x|``."""
    return Softplus.apply(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    return Softsign.apply(x)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return Elu.apply(x, alpha=float(alpha))


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalising constants."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def linear(x):
    """The identity."""
    return as_tensor(x)


def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x**2, axis), 1e-12))``, as Keras defines it."""
    x = as_tensor(x)
    squared_norm = reduce_sum(square(x), axis=axis, keepdims=True)
    return x / sqrt(maximum(squared_norm, 1e-12))
