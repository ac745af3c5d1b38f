"""Depthwise convolution: each input channel convolved with its own filters.

A depthwise convolution does not mix channels: with a depth multiplier ``M``, output
channel ``c*M + m`` sees input channel ``c`` only, through filter ``kernel[..., c, m]``.
Along one spatial axis, with stride ``s``, dilation ``d`` and ``p`` zeros before the input::

    y[n, o, c*M + m] = sum over taps k of  x[n, o*s + k*d - p, c] * w[k, c, m]

That is too little arithmetic per byte for an ``im2col`` matrix product to pay, so the
kernels (``depthwise_conv2d*`` in ``minikeras/_kernels/conv.pyx``) are direct loops. Like
``Conv``, the operation comes with its two gradients, and the three form a closed family:

- ``DepthwiseConv``           y  = depthwise_conv(x, w)
- ``DepthwiseConvTranspose``  dx = the gradient of ``depthwise_conv`` with respect to its input
- ``DepthwiseKernelGradient`` dw = the gradient of ``depthwise_conv`` with respect to its kernel

The arguments are checked, and turned into a ``ConvGeometry``, by ``ops/conv_geometry.py``,
exactly as for ``conv``.
"""
import numpy as np

from minikeras._kernels import compute_dtype as _compute_dtype, kernel as _kernel
from minikeras.ops.base import Op
from minikeras.ops.conv_geometry import _forward_geometry
from minikeras.tensor import as_tensor

__all__ = ["depthwise_conv"]


class DepthwiseConv(Op):
    """y[..., c*M + m] = conv of channel c with filter (c, m); gradients as for ``Conv``.

    The kernels pair channel j of their input with filter j only. A depth multiplier M
    becomes M == 1 by repeating every input channel M times (``np.repeat``): channel
    c*M + m of the repeated input is channel c, and filter (c, m), merged into column
    c*M + m of the kernel, is then filter j = c*M + m. The input gradient sums the M
    copies back.
    """

    def forward(self, x, w):
        g, dtype = self.geometry, _compute_dtype(x, w)
        g.check_operands("DepthwiseConv", x=x, w=w, depthwise=True)
        xc, wc = _repeated(g.canonical(x, dtype), w.shape[-1]), _merged_kernel(w, g, dtype)
        y = np.empty((xc.shape[0], *g.out_spatial, wc.shape[-1]), dtype)
        _kernel("depthwise_conv2d")(xc, wc, y, *g.kernel_args)
        return g.user(y).astype(np.result_type(x, w), copy=False)

    def backward(self, grad):
        x, w = self.inputs
        g = self.geometry
        return (
            DepthwiseConvTranspose.apply(grad, w, geometry=g) if self.needs_input_grad[0] else None,
            DepthwiseKernelGradient.apply(x, grad, geometry=g) if self.needs_input_grad[1] else None,
        )


class DepthwiseConvTranspose(Op):
    """dx = the input gradient of ``depthwise_conv(., w)`` for dy; linear in dy and in w."""

    def forward(self, dy, w):
        g, dtype = self.geometry, _compute_dtype(dy, w)
        g.check_operands("DepthwiseConvTranspose", dy=dy, w=w, depthwise=True)
        dyc, wc = g.canonical(dy, dtype), _merged_kernel(w, g, dtype)
        dx = np.empty((dyc.shape[0], *g.in_spatial, wc.shape[-1]), dtype)
        _kernel("depthwise_conv2d_backward_input")(dyc, wc, dx, *g.kernel_args)
        channels, multiplier = w.shape[-2:]
        if multiplier > 1:  # the M copies of each input channel add up
            dx = dx.reshape(*dx.shape[:-1], channels, multiplier).sum(axis=-1)
        return g.user(dx).astype(np.result_type(dy, w), copy=False)

    def backward(self, grad):
        dy, w = self.inputs
        g = self.geometry
        return (
            DepthwiseConv.apply(grad, w, geometry=g) if self.needs_input_grad[0] else None,
            DepthwiseKernelGradient.apply(grad, dy, geometry=g) if self.needs_input_grad[1] else None,
        )


class DepthwiseKernelGradient(Op):
    """dw = the kernel gradient of ``depthwise_conv(x, .)`` for the output gradient dy."""

    def forward(self, x, dy):
        g, dtype = self.geometry, _compute_dtype(x, dy)
        g.check_operands("DepthwiseKernelGradient", x=x, dy=dy, depthwise=True)
        xc = _repeated(g.canonical(x, dtype), g.kernel_shape[-1])
        dyc = g.canonical(dy, dtype)
        per_example = np.empty((xc.shape[0], *g.kernel_size, dyc.shape[-1]), dtype)
        _kernel("depthwise_conv2d_backward_kernel")(xc, dyc, per_example, *g.kernel_args)
        return per_example.sum(axis=0).reshape(g.kernel_shape).astype(np.result_type(x, dy), copy=False)

    def backward(self, grad):
        x, dy = self.inputs
        g = self.geometry
        return (
            DepthwiseConvTranspose.apply(dy, grad, geometry=g) if self.needs_input_grad[0] else None,
            DepthwiseConv.apply(x, grad, geometry=g) if self.needs_input_grad[1] else None,
        )


def _repeated(x, multiplier):
    """Each channel of a canonical input repeated ``multiplier`` times (no copy for 1)."""
    return x if multiplier == 1 else np.repeat(x, multiplier, axis=-1)


def _merged_kernel(w, g, dtype):
    """A depthwise kernel (*K, C, M) as the kernels' (KH, KW, C*M)."""
    return np.ascontiguousarray(w.reshape(*g.kernel_size, -1), dtype=dtype)


def depthwise_conv(x, kernel, strides=1, padding="valid", dilation_rate=1, data_format="channels_last"):
    """Depthwise convolution (1D or 2D): each input channel is convolved with its own filters.

    Output channel ``c * depth_multiplier + m`` is input channel ``c`` convolved with
    ``kernel[..., c, m]`` (TensorFlow's order).

    Args:
        x: the input, ``(batch, *spatial, channels)`` (or channels first), 1 or 2 spatial axes.
        kernel: ``(*kernel_size, channels, depth_multiplier)``.
        strides, padding, dilation_rate, data_format: as for ``conv``.

    Returns:
        A Tensor ``(batch, *out_spatial, channels * depth_multiplier)``.

    Raises:
        ValueError: as for ``conv``.

    Example:
        >>> x = np.ones((2, 6, 6, 3), "float32")
        >>> depthwise_conv(x, np.ones((3, 3, 3, 2), "float32")).shape
        (2, 4, 4, 6)
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    g = _forward_geometry("depthwise_conv", x, kernel, strides, padding, dilation_rate,
                          data_format, ranks=(3, 4))
    return DepthwiseConv.apply(x, kernel, geometry=g)
