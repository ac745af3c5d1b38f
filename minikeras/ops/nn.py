"""Neural-network functions: activations, softmax and its logarithm, normalisation.

Each is written to stay finite for large inputs (|x| = 100 and beyond): ``sigmoid`` and
``softplus`` never evaluate ``exp`` of a large positive number, ``softmax`` and
``log_softmax`` subtract the maximum first.
"""
import numpy as np

from minikeras import tape
from minikeras._kernels import compute_dtype, kernel
from minikeras.ops.base import Op
from minikeras.ops.elementwise import clip, exp, maximum, sqrt, square, where
from minikeras.ops.reduce import sum as reduce_sum
from minikeras.tensor import Tensor, as_tensor

__all__ = [
    "relu", "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax", "softplus",
    "softsign", "elu", "selu", "l2_normalize", "linear", "bias_activation", "dropout_mask_apply",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Relu(Op):
    """z = max(x, 0);  dz/dx = 1 where x > 0, else 0 (0 at the kink, as in TensorFlow).

    x > 0 exactly where z > 0, so the backward pass reads the output instead of keeping a mask.
    """

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, grad):
        return ReluGradient.apply(grad, self.output)


class ReluGradient(Op):
    """dx = grad * (1 where y > 0, else 0): ReLU's backward rule at its output ``y``.

    Linear in ``grad``, so its own gradient is the same rule: d(grad) = ReluGradient(g, y);
    ``y`` gets none (the rule is constant in y almost everywhere). One pass of
    ``bias_activation_backward`` (``_kernels/activation.pyx``).
    """

    def forward(self, grad, y):
        if grad.shape != y.shape:
            raise ValueError(f"ReluGradient: expected a gradient of the output's shape {y.shape}; "
                             f"received shape {grad.shape}.")
        dz, _ = _bias_activation_backward(grad, y, has_bias=False, relu=True)
        return dz.astype(np.result_type(grad, y), copy=False)

    def backward(self, grad):
        return ReluGradient.apply(grad, self.inputs[1]), None


class BiasActivation(Op):
    """z = activation(x + bias), the bias along the last axis, ``activation`` 'relu' or 'linear'.

    One pass forward and one backward (``_kernels/activation.pyx``) instead of an addition, a
    ReLU, its mask, a product and a sum over the bias axes. Gradients: dx = ReluGradient(g, z)
    (g for 'linear'), dbias = dx summed over every axis but the last.
    """

    def forward(self, x, bias=None):
        check_bias_activation("BiasActivation", x.shape, bias, self.activation)
        dtype = compute_dtype(x) if bias is None else compute_dtype(x, bias)
        z = np.array(x, dtype=dtype, order="C")  # a copy: the kernel works in place
        relu, has_bias = self.activation == "relu", bias is not None
        if x.size and (relu or has_bias):
            channels = x.shape[-1] if x.ndim else 1
            b = np.ascontiguousarray(bias if has_bias else np.zeros(channels), dtype=dtype)
            kernel("bias_activation")(z.reshape(-1, channels), b, has_bias, relu)
        return z.astype(x.dtype if bias is None else np.result_type(x, bias), copy=False)

    def backward(self, grad):
        has_bias = len(self.inputs) == 2
        dz, dbias = bias_activation_gradients(grad, self.output, has_bias, self.activation == "relu")
        return (dz, dbias) if has_bias else (dz,)


class DropoutMaskApply(Op):
    """z = x * (scale where bits >= threshold, else 0): inverted dropout with given random bits.

    Linear in x: dx = DropoutMaskApply(g) with the same bits. ``_kernels/dropout.pyx``.
    """

    def forward(self, x):
        dtype = compute_dtype(x)
        flat = np.ascontiguousarray(x, dtype=dtype).reshape(-1)
        out = np.empty_like(flat)
        kernel("dropout_mask_apply")(flat, self.bits.reshape(-1), self.threshold, self.scale, out)
        return out.reshape(x.shape).astype(x.dtype, copy=False)

    def backward(self, grad):
        return DropoutMaskApply.apply(grad, bits=self.bits, threshold=self.threshold, scale=self.scale)


def dropout_mask_apply(x, bits, threshold, scale):
    """Inverted dropout of ``x`` from random 32-bit integers, one per element.

    Args:
        x: a Tensor.
        bits: a uint32 array of ``x``'s shape (e.g. from ``Generator.bit_generator.random_raw``).
        threshold: int in [0, 2**32]: an element is kept when its integer is >= threshold
            (``round(rate * 2**32)`` keeps a fraction 1 - rate).
        scale: the factor of the kept elements, ``1 / (1 - rate)``.

    Returns:
        ``x * (scale where bits >= threshold, else 0)``, differentiable in ``x``.

    Raises:
        ValueError: for bits that are not uint32 of x's shape, or a threshold out of range.

    Example:
        >>> bits = np.array([0, 2**31, 2**32 - 1], dtype=np.uint32)
        >>> dropout_mask_apply(np.ones(3, "float32"), bits, 2**31, 2.0).numpy()
        array([0., 2., 2.], dtype=float32)
    """
    x = as_tensor(x)
    bits = np.asarray(bits)
    if bits.dtype != np.uint32 or bits.shape != x.shape:
        raise ValueError(f"dropout_mask_apply: expected uint32 bits of the input's shape {x.shape}; "
                         f"received {bits.dtype} of shape {bits.shape}.")
    if not 0 <= int(threshold) <= 2**32:
        raise ValueError(f"dropout_mask_apply: `threshold` must be in [0, 2**32]; received {threshold!r}.")
    return DropoutMaskApply.apply(x, bits=np.ascontiguousarray(bits), threshold=int(threshold),
                                  scale=float(scale))


def check_bias_activation(op, shape, bias, activation):
    """The arguments of a fused bias and activation: ``bias`` (C,) for an output ``shape``
    whose channels are on the last axis; ``activation`` 'relu' or 'linear'."""
    if activation not in ("relu", "linear"):
        raise ValueError(f"{op}: `activation` must be 'relu' or 'linear'; received {activation!r}.")
    if bias is not None and (len(shape) < 1 or tuple(bias.shape) != (shape[-1],)):
        raise ValueError(f"{op}: expected a bias of shape ({shape[-1] if shape else '?'},) "
                         f"(one value per channel); received shape {tuple(bias.shape)}.")


def _bias_activation_backward(grad, y, has_bias, relu):
    """Arrays (dz, dbias) of ``bias_activation_backward``; channels on the last axis."""
    dtype = compute_dtype(grad, y)
    channels = y.shape[-1] if y.ndim else 1
    g = np.ascontiguousarray(grad, dtype=dtype).reshape(-1, channels)
    rows = g.shape[0]
    dz = np.empty_like(g) if relu else g
    # A fixed number of partial sums (not one per thread) keeps the bias gradient the same
    # on any number of threads.
    parts = np.zeros((max(1, min(8, rows)), channels), np.float64)
    if rows and channels and (relu or has_bias):
        yv = np.ascontiguousarray(y, dtype=dtype).reshape(-1, channels) if relu else g
        kernel("bias_activation_backward")(g, yv, dz, parts, has_bias, relu)
    dbias = parts.sum(axis=0).astype(dtype) if has_bias else None
    return dz.reshape(grad.shape), dbias


def bias_activation_gradients(grad, y, has_bias, relu, channel_axis=-1):
    """The gradients of ``y = activation(z + bias)``: Tensors (dz, dbias or None).

    ``grad`` is the gradient of ``y`` (both Tensors). When an outer tape is recording the
    backward pass (a second derivative), they are built from differentiable operations;
    otherwise one compiled pass computes both.
    """
    axis = channel_axis % y.ndim
    if tape.is_recording():
        dz = ReluGradient.apply(grad, y) if relu else grad
        others = tuple(a for a in range(y.ndim) if a != axis)
        return dz, reduce_sum(dz, axis=others) if has_bias else None
    g, yv = grad.numpy(), y.numpy()
    if axis != y.ndim - 1:
        g, yv = np.moveaxis(g, axis, -1), np.moveaxis(yv, axis, -1)
    dz, dbias = _bias_activation_backward(g, yv, has_bias, relu)
    if axis != y.ndim - 1:
        dz = np.moveaxis(dz, -1, axis)
    return Tensor(dz) if relu else grad, None if dbias is None else Tensor(dbias)


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


def bias_activation(x, bias=None, activation="linear"):
    """``activation(x + bias)`` in one pass, with ``bias`` along the last axis.

    Args:
        x: a Tensor ``(..., C)``, e.g. the output of a matrix product.
        bias: None or a Tensor ``(C,)``.
        activation: ``'relu'`` or ``'linear'``.

    Returns:
        A Tensor of ``x``'s shape: the same numbers as ``relu(x + bias)`` (or ``x + bias``).

    Raises:
        ValueError: for another activation, or a bias that is not one value per channel.

    Example:
        >>> bias_activation(np.array([[-1.0, 2.0]]), np.array([0.5, 0.5]), "relu").numpy()
        array([[0. , 2.5]])
    """
    x = as_tensor(x)
    if bias is None:
        return BiasActivation.apply(x, activation=activation)
    return BiasActivation.apply(x, as_tensor(bias), activation=activation)


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


def normalize(x, axis=-1, order=2, epsilon=None):
    """Keras 3's ``ops.normalize``: ``x / max(norm(x), epsilon)``, the ``order``-norm taken
    along ``axis`` (the last by default) and kept for broadcasting.

    ``epsilon`` defaults to ``config.epsilon()`` (1e-7). The floor is applied to the sum of
    powers (``max(sum |x|**order, epsilon**order) ** (1/order)``, the same number): so an
    all-zero slice gets a zero gradient, not ``0 * inf``. Shape in = shape out.
    """
    from minikeras import config
    from minikeras.ops.elementwise import abs as absolute, power

    if not isinstance(order, (int, float)) or order <= 0:
        raise ValueError(f"normalize: order must be a positive number, received {order!r}.")
    x = as_tensor(x)
    floor = config.epsilon() if epsilon is None else float(epsilon)
    if order == 2:
        return x / sqrt(maximum(reduce_sum(square(x), axis=axis, keepdims=True), floor ** 2))
    powered = reduce_sum(power(absolute(x), float(order)), axis=axis, keepdims=True)
    return x / power(maximum(powered, floor ** order), 1.0 / order)
