"""Benchmark cases of the convolution kernels, on the Keras MNIST CNN's shapes (float32).

Each operation is timed three ways: minikeras (the ops in ``minikeras/ops/conv.py`` and
``depthwise_conv.py``), a
straightforward NumPy version (``sliding_window_view`` + ``matmul``, shifted slices) and
``torch.nn.functional`` in its default NCHW layout. See ``kernels.py`` for the runner.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minikeras.ops import conv as conv_ops
from minikeras.ops import depthwise_conv as depthwise_ops
from minikeras.ops.conv_geometry import _forward_geometry
from minikeras.tensor import Tensor

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


def _random(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _nchw(array):
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))


# --- plain NumPy versions (stride 1, valid padding, channels last) ----------------------

def numpy_conv2d(x, w):
    kh, kw, c_in, c_out = w.shape
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))        # (N, OH, OW, C, KH, KW)
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c_in)
    return (cols @ w.reshape(-1, c_out)).reshape(*windows.shape[:3], c_out)


def numpy_conv2d_backward_input(dy, w, x_shape, stride=1):
    kh, kw, c_in, c_out = w.shape
    n, oh, ow, _ = dy.shape
    dcols = (dy.reshape(-1, c_out) @ w.reshape(-1, c_out).T).reshape(n, oh, ow, kh, kw, c_in)
    dx = np.zeros(x_shape, dy.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, i:i + stride * oh:stride, j:j + stride * ow:stride] += dcols[:, :, :, i, j]
    return dx


def numpy_conv2d_backward_kernel(x, dy, kernel_size):
    windows = sliding_window_view(x, kernel_size, axis=(1, 2))     # (N, OH, OW, C, KH, KW)
    dw = np.tensordot(windows, dy, axes=([0, 1, 2], [0, 1, 2]))     # (C, KH, KW, C_out)
    return dw.transpose(1, 2, 0, 3)


def numpy_depthwise_conv2d(x, w):
    kh, kw, c, m = w.shape
    x = np.repeat(x, m, axis=-1)                                    # channel c*m + j
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))        # (N, OH, OW, C*M, KH, KW)
    return np.einsum("nhwcij,ijc->nhwc", windows, w.reshape(kh, kw, c * m), optimize=True)


def numpy_depthwise_conv2d_backward(x, dy, w):
    """Both gradients of a depthwise convolution with depth_multiplier 1, one tap at a time."""
    kh, kw = w.shape[:2]
    oh, ow = dy.shape[1:3]
    dx, dw = np.zeros_like(x), np.empty_like(w)
    for i in range(kh):
        for j in range(kw):
            dx[:, i:i + oh, j:j + ow] += dy * w[i, j, :, 0]
            dw[i, j, :, 0] = np.einsum("nhwc,nhwc->c", x[:, i:i + oh, j:j + ow], dy)
    return dx, dw


# --- the cases ------------------------------------------------------------------------------

def _conv2d_cases(batch, size, c_in, c_out, seed):
    label = f"Conv2D 3x3 ({size},{size},{c_in})->{c_out}"
    x, w = _random((batch, size, size, c_in), seed), _random((3, 3, c_in, c_out), seed + 1)
    dy = _random((batch, size - 2, size - 2, c_out), seed + 2)
    g = _forward_geometry("conv", Tensor(x), Tensor(w), 1, "valid", 1, "channels_last", (4,))
    ours = {
        "forward": lambda: conv_ops.conv(x, w),
        "backward-input": lambda: conv_ops.ConvTranspose.apply(dy, w, geometry=g),
        "backward-kernel": lambda: conv_ops.ConvKernelGradient.apply(x, dy, geometry=g),
    }
    plain = {
        "forward": lambda: numpy_conv2d(x, w),
        "backward-input": lambda: numpy_conv2d_backward_input(dy, w, x.shape),
        "backward-kernel": lambda: numpy_conv2d_backward_kernel(x, dy, (3, 3)),
    }
    theirs = dict.fromkeys(ours)
    if torch is not None:
        xt, dyt = _nchw(x), _nchw(dy)
        wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))

        def torch_backward(mask):
            return lambda: torch.ops.aten.convolution_backward(
                dyt, xt, wt, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1, mask)

        theirs = {
            "forward": lambda: F.conv2d(xt, wt),
            "backward-input": torch_backward([True, False, False]),
            "backward-kernel": torch_backward([False, True, False]),
        }
    cases = [dict(name=f"{label} {part}", minikeras=ours[part], numpy=plain[part],
                  torch=theirs[part], bytes=None, target=None) for part in ours]

    def total(parts):
        return None if parts["forward"] is None else lambda: [parts[p]() for p in parts]

    cases.append(dict(name=f"{label} fwd+bwd-input+bwd-kernel", minikeras=total(ours),
                      numpy=total(plain), torch=total(theirs), bytes=None, target=1.0))
    return cases


def _conv2d_transpose_case(batch):
    x, w = _random((batch, 7, 7, 64), 20), _random((3, 3, 32, 64), 21)   # (KH, KW, out, in)
    torch_call = None
    if torch is not None:
        xt = _nchw(x)
        wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # (in, out, KH, KW)
        torch_call = lambda: F.conv_transpose2d(xt, wt, stride=2)  # noqa: E731
    return dict(
        name="Conv2DTranspose 3x3 s2 (7,7,64)->32 forward",
        minikeras=lambda: conv_ops.conv_transpose(x, w, strides=2),
        numpy=lambda: numpy_conv2d_backward_input(x, w, (batch, 15, 15, 32), stride=2),
        torch=torch_call, bytes=None, target=1.0,
    )


def _depthwise_cases(batch):
    x, w = _random((batch, 26, 26, 32), 30), _random((3, 3, 32, 1), 31)
    dy = _random((batch, 24, 24, 32), 32)
    g = _forward_geometry("depthwise_conv", Tensor(x), Tensor(w), 1, "valid", 1,
                          "channels_last", (4,))
    torch_forward = torch_backward = None
    if torch is not None:
        xt, dyt = _nchw(x), _nchw(dy)
        wt = torch.from_numpy(np.ascontiguousarray(w.transpose(2, 3, 0, 1)))  # (C*M, 1, KH, KW)
        torch_forward = lambda: F.conv2d(xt, wt, groups=32)  # noqa: E731
        torch_backward = lambda: torch.ops.aten.convolution_backward(  # noqa: E731
            dyt, xt, wt, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 32, [True, True, False])
    nbytes = x.nbytes + dy.nbytes
    return [
        dict(name="DepthwiseConv2D 3x3 (26,26,32) forward",
             minikeras=lambda: depthwise_ops.depthwise_conv(x, w),
             numpy=lambda: numpy_depthwise_conv2d(x, w), torch=torch_forward, bytes=nbytes, target=1.5),
        dict(name="DepthwiseConv2D 3x3 (26,26,32) bwd-input+bwd-kernel",
             minikeras=lambda: (depthwise_ops.DepthwiseConvTranspose.apply(dy, w, geometry=g),
                                depthwise_ops.DepthwiseKernelGradient.apply(x, dy, geometry=g)),
             numpy=lambda: numpy_depthwise_conv2d_backward(x, dy, w),
             torch=torch_backward, bytes=None, target=None),
    ]


def cases(batch=128):
    """The convolution cases (see kernels.py for the keys)."""
    return (
        _conv2d_cases(batch, 26, 32, 64, seed=0)
        + _conv2d_cases(batch, 28, 1, 32, seed=10)
        + [_conv2d_transpose_case(batch)]
        + _depthwise_cases(batch)
    )
