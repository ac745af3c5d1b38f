"""Benchmark cases of the BatchNormalization and Embedding layers (float32, training).

Each case times one training-mode forward and backward pass three ways: minikeras (the
layer called as users call it, under a ``GradientTape``, gradients of the input and the
weights), a straightforward NumPy version, and PyTorch (``nn.BatchNorm2d`` in its default
NCHW layout, ``F.embedding``). See ``kernels.py`` for the runner.
"""
import numpy as np

from minikeras.layers import BatchNormalization, Embedding
from minikeras.tape import GradientTape
from minikeras.tensor import Tensor

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


def _random(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def numpy_batch_norm_forward_backward(x, dy, gamma, beta, epsilon=1e-3):
    """Batch normalisation over every axis but the last, forward then backward."""
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    centred = x - mean
    inv_std = 1 / np.sqrt((centred * centred).mean(axis=axes) + epsilon)
    xhat = centred * inv_std
    y = xhat * gamma + beta
    dbeta = dy.sum(axis=axes)
    dgamma = (dy * xhat).sum(axis=axes)
    n = x.size // x.shape[-1]
    dx = gamma * inv_std * (dy - dbeta / n - xhat * dgamma / n)
    return y, dx, dgamma, dbeta


def _batch_norm_case(batch):
    x = _random((batch, 24, 24, 64), 0)
    dy = _random((batch, 24, 24, 64), 1)
    layer = BatchNormalization()
    layer(x)
    gamma, beta = np.ones(64, np.float32), np.zeros(64, np.float32)

    def ours():
        xt = Tensor(x)
        with GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt, training=True)
        return tape.gradient(y, [xt] + layer.trainable_weights, output_gradients=Tensor(dy))

    def make_torch():
        module = torch.nn.BatchNorm2d(64, eps=1e-3, momentum=0.01)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).requires_grad_(True)
        g = torch.from_numpy(np.ascontiguousarray(dy.transpose(0, 3, 1, 2)))

        def run():
            xt.grad = None
            module.zero_grad()
            module(xt).backward(g)
        return run

    return dict(name="BatchNormalization (24,24,64) training: forward + backward", minikeras=ours,
                numpy=lambda: numpy_batch_norm_forward_backward(x, dy, gamma, beta),
                torch=None if torch is None else make_torch(), bytes=None, target=1.0)


def _embedding_case(batch):
    rng = np.random.default_rng(2)
    indices = rng.integers(0, 10000, (batch, 80))
    dy = _random((batch, 80, 64), 3)
    layer = Embedding(10000, 64)
    layer(indices)
    table = layer.get_weights()[0]

    def ours():
        with GradientTape() as tape:
            y = layer(indices)
        return tape.gradient(y, layer.embeddings, output_gradients=Tensor(dy))

    def numpy_version():
        y = table.take(indices, axis=0)
        grad = np.zeros_like(table)
        np.add.at(grad, indices.reshape(-1), dy.reshape(-1, 64))
        return y, grad

    def make_torch():
        weight = torch.from_numpy(table.copy()).requires_grad_(True)
        it, g = torch.from_numpy(indices), torch.from_numpy(dy)

        def run():
            weight.grad = None
            F.embedding(it, weight).backward(g)
        return run

    return dict(name="Embedding(10000, 64) on (80,) indices: forward + backward", minikeras=ours,
                numpy=numpy_version, torch=None if torch is None else make_torch(), bytes=None, target=1.0)


def cases(batch=128):
    return [_batch_norm_case(batch), _embedding_case(batch)]
