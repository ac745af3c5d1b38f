"""Batch normalisation with the statistics of the batch: forward and backward in one op.

For channel ``c`` (all other axes are reduced; ``n`` values per channel)::

    mean_c = sum(x) / n                 var_c = sum((x - mean_c)**2) / n   (biased)
    xhat   = (x - mean_c) / sqrt(var_c + epsilon)
    y      = gamma_c * xhat + beta_c

The backward rule, with ``g`` the upstream gradient and sums over the reduced axes::

    dbeta  = sum(g)                     dgamma = sum(g * xhat)
    dx     = gamma_c / sqrt(var_c + epsilon) * (g - dbeta / n - xhat * dgamma / n)

(the last two terms are what flows through ``mean_c`` and ``var_c``). Written as one op
rather than a chain of ``mean``/``square``/``sqrt`` so that it makes three passes over the
data instead of a dozen.
"""
import numpy as np

from minikeras.ops.base import Op

__all__ = ["batch_norm_training", "BatchNormTraining"]


def _as_rows(x, axis):
    """``x`` as ``(outer, C, inner)``: the channel axis in the middle, without a copy."""
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    return x.reshape(outer, x.shape[axis], inner)


class BatchNormTraining(Op):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta with the batch's mean and var.

    Attributes: ``axis`` (the channel axis, non-negative), ``epsilon``, ``stats`` (a dict
    that ``forward`` fills with the batch's ``mean`` and biased ``variance``, shape ``(C,)``).
    """

    def forward(self, x, gamma, beta):
        x3 = _as_rows(x, self.axis)
        n = x3.shape[0] * x3.shape[2]
        # Statistics in float64 (a float32 sum of 10**6 values loses digits), output in x's dtype.
        mean = x3.sum(axis=(0, 2), dtype=np.float64) / n
        centred = x3 - mean.astype(x.dtype)[None, :, None]
        variance = np.einsum("ocj,ocj->c", centred, centred, dtype=np.float64) / n if x.dtype == np.float64 \
            else np.square(centred).sum(axis=(0, 2), dtype=np.float64) / n
        inv_std = 1.0 / np.sqrt(variance + self.epsilon)
        self.mean, self.inv_std = mean, inv_std
        self.stats["mean"], self.stats["variance"] = mean, variance
        scale = (gamma * inv_std).astype(x.dtype)
        y = centred * scale[None, :, None] + beta.astype(x.dtype)[None, :, None]
        return y.reshape(x.shape)

    def backward(self, grad):
        x, gamma, _ = self.inputs
        g3 = _as_rows(np.asarray(grad.numpy()), self.axis)
        x3 = _as_rows(x.numpy(), self.axis)
        n = g3.shape[0] * g3.shape[2]
        dtype = x3.dtype
        xhat = (x3 - self.mean.astype(dtype)[None, :, None]) * self.inv_std.astype(dtype)[None, :, None]
        dbeta = g3.sum(axis=(0, 2), dtype=np.float64)
        dgamma = np.einsum("ocj,ocj->c", g3, xhat, dtype=np.float64)
        scale = (gamma.numpy() * self.inv_std).astype(dtype)[None, :, None]
        dx = scale * (g3 - (dbeta / n).astype(dtype)[None, :, None]
                      - xhat * (dgamma / n).astype(dtype)[None, :, None])
        return dx.reshape(x.shape), dgamma.astype(dtype), dbeta.astype(dtype)


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

    Example:
        >>> import numpy as np
        >>> y, mean, var = batch_norm_training(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1), epsilon=0.0)
        >>> y.numpy().ravel(), mean, var
        (array([-1.,  1.]), array([2.]), array([1.]))
    """
    from minikeras.tensor import as_tensor

    x = as_tensor(x)
    axis = axis % x.ndim
    stats = {}
    y = BatchNormTraining.apply(x, gamma, beta, axis=axis, epsilon=float(epsilon), stats=stats)
    return y, stats["mean"], stats["variance"]
