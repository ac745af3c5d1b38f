"""Batch normalisation with the statistics of the batch: forward and backward in one op.

For channel ``c`` (all other axes are reduced; ``n`` values per channel)::

    mean_c = sum(x) / n                 var_c = sum((x - mean_c)**2) / n   (biased)
    xhat   = (x - mean_c) / sqrt(var_c + epsilon)
    y      = gamma_c * xhat + beta_c

The backward rule, with ``g`` the upstream gradient and sums over the reduced axes::

    dbeta  = sum(g)                     dgamma = sum(g * xhat)
    dx     = gamma_c / sqrt(var_c + epsilon) * (g - dbeta / n - xhat * dgamma / n)

(the last two terms are what flows through ``mean_c`` and ``var_c``). Written as one op
over the kernels of ``_kernels/normalization.pyx`` rather than a chain of ``mean``,
``square`` and ``sqrt``: two passes over the data forward (the sums, then
``y = x * scale + offset``) and two backward (the sums of ``g`` and ``g * (x - mean)``,
then ``dx = g * a + x * b + d``), where composing NumPy calls makes about a dozen.
Measured on (128, 24, 24, 64) float32: see benchmarks/README.md.
"""
import numpy as np

from minikeras._kernels import compute_dtype, kernel
from minikeras.ops.base import Op
from minikeras.tensor import as_tensor

__all__ = ["batch_norm_training", "BatchNormTraining"]

def _as_rows(x, axis, dtype):
    """``x`` as a C-contiguous ``(O, C * I)`` array of ``dtype`` (the kernels' layout)."""
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    return np.ascontiguousarray(x, dtype=dtype).reshape(outer, -1) if x.size else \
        np.zeros((outer, int(np.prod(x.shape[axis:], dtype=np.int64))), dtype=dtype)


def _channel_sums(name, channels, *arrays):
    """Run the reduction kernel ``name``; return its two float64 per-channel sums."""
    totals = np.zeros(channels), np.zeros(channels)
    kernel(name)(*arrays, *totals)
    return totals


class BatchNormTraining(Op):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta with the batch's mean and var.

    Attributes: ``axis`` (the channel axis, non-negative), ``epsilon``, ``stats`` (a dict
    that ``forward`` fills with the batch's ``mean`` and biased ``variance``, shape ``(C,)``).
    """

    def forward(self, x, gamma, beta):
        dtype = compute_dtype(x)
        channels = x.shape[self.axis]
        x3 = _as_rows(x, self.axis, dtype)
        n = x.size // channels if channels else 0
        # Sums of x - x[0, c, 0] in float64: exact variances even when |mean| >> std.
        inner = x3.shape[1] // channels if channels else 1
        shift = x3[0, ::inner].astype(np.float64) if n else np.zeros(channels)
        sums, squares = _channel_sums("batch_norm_sums", channels, x3, shift)
        mean_shifted = sums / max(n, 1)
        mean = shift + mean_shifted
        variance = np.maximum(squares / max(n, 1) - mean_shifted ** 2, 0.0)
        inv_std = 1.0 / np.sqrt(variance + self.epsilon)
        self.mean, self.inv_std, self.n = mean, inv_std, n
        self.stats["mean"], self.stats["variance"] = mean, variance
        scale = gamma.astype(np.float64) * inv_std
        y = np.empty_like(x3)
        kernel("batch_norm_apply")(x3, scale.astype(dtype), (beta - mean * scale).astype(dtype), y)
        return y.reshape(x.shape).astype(x.dtype, copy=False)

    def backward(self, grad):
        x, gamma, _ = self.inputs
        dtype = compute_dtype(x.numpy())
        g3 = _as_rows(np.asarray(grad.numpy()), self.axis, dtype)
        x3 = _as_rows(x.numpy(), self.axis, dtype)
        dbeta, grad_x_sum = _channel_sums("batch_norm_backward_sums", x.shape[self.axis], g3, x3, self.mean)
        dgamma = grad_x_sum * self.inv_std
        n = max(self.n, 1)
        # dx = k (g - dbeta/n - xhat dgamma/n) with k = gamma/std, xhat = (x - mean)/std
        #    = g * a + x * b + d
        a = gamma.numpy().astype(np.float64) * self.inv_std
        b = -a * self.inv_std * dgamma / n
        d = -a * dbeta / n - b * self.mean
        dx = np.empty_like(x3)
        kernel("batch_norm_backward_apply")(g3, x3, a.astype(dtype), b.astype(dtype), d.astype(dtype), dx)
        out_dtype = x.dtype
        return dx.reshape(x.shape).astype(out_dtype, copy=False), dgamma.astype(out_dtype), dbeta.astype(out_dtype)


def batch_norm_training(x, gamma, beta, axis=-1, epsilon=1e-3):
    """Normalise ``x`` with its own per-channel statistics along every axis but ``axis``.

    Args:
        x: a Tensor of rank >= 2.
        gamma, beta: Tensors of shape ``(x.shape[axis],)``.
        axis: the channel axis.
        epsilon: added to the variance.

    Returns:
        ``(y, mean, variance)``: the normalised Tensor and the batch statistics as NumPy
        float64 arrays (the variance is the biased one, divided by ``n``).

    Raises:
        ValueError: for an ``axis`` outside ``x``'s rank, or ``gamma``/``beta`` whose
            shape is not ``(channels,)``.

    Example:
        >>> import numpy as np
        >>> y, mean, var = batch_norm_training(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1), epsilon=0.0)
        >>> y.numpy().ravel(), mean, var
        (array([-1.,  1.]), array([2.]), array([1.]))
    """
    x, gamma, beta = as_tensor(x), as_tensor(gamma), as_tensor(beta)
    if not -x.ndim <= axis < x.ndim or x.ndim < 1:
        raise ValueError(f"batch_norm_training: axis {axis} is out of range for an input of shape {x.shape}.")
    axis = axis % x.ndim
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (x.shape[axis],):
            raise ValueError(
                f"batch_norm_training: {name} must have shape ({x.shape[axis]},) (the channels of axis "
                f"{axis}), received shape {value.shape}."
            )
    stats = {}
    y = BatchNormTraining.apply(x, gamma, beta, axis=axis, epsilon=float(epsilon), stats=stats)
    return y, stats["mean"], stats["variance"]
