"""Benchmark cases of the padding, upsampling and pooling kernels (float32, channels last).

Each operation is timed three ways: minikeras (the ops in ``minikeras/ops/padding.py``,
``upsampling.py`` and ``pooling.py``, called as users call them, Tensors and all), a
straightforward NumPy version (``np.pad``, slicing, ``np.repeat``, ``sliding_window_view``)
and ``torch.nn.functional`` in its default NCHW layout. A backward case times the
backward operation alone, on a given upstream gradient. See ``kernels.py`` for the runner.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minikeras.ops import padding, pooling, upsampling
from minikeras.tape import GradientTape
from minikeras.tensor import Tensor

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


def _random(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _nchw(array, requires_grad=False):
    tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))
    return tensor.requires_grad_(requires_grad)


def _torch(make):
    """``make()`` builds the torch callable; None without torch."""
    return None if torch is None else make()


# --- plain NumPy versions -------------------------------------------------------------------

def numpy_max_pool_2x2_forward_backward(x, dy):
    """2x2 max pooling, stride 2: the max of each window, then dy sent to its maxima."""
    windows = sliding_window_view(x, (2, 2), axis=(1, 2))[:, ::2, ::2]   # (N, OH, OW, C, 2, 2)
    y = windows.max(axis=(-2, -1))
    upsampled = y.repeat(2, 1).repeat(2, 2)
    dx = np.where(x == upsampled, dy.repeat(2, 1).repeat(2, 2), 0)     # ties: every maximum
    return y, dx


def numpy_bilinear(x, size):
    """TensorFlow's half-pixel bilinear resize to ``size`` times the height and width."""

    def neighbours(in_size, factor):
        s = np.maximum((np.arange(in_size * factor) + 0.5) / factor - 0.5, 0)
        lo = np.floor(s).astype(int)
        return lo, np.minimum(lo + 1, in_size - 1), (s - lo).astype(np.float32)

    y0, y1, dy = neighbours(x.shape[1], size[0])
    x0, x1, dx = neighbours(x.shape[2], size[1])
    dx = dx[:, None]
    rows0, rows1 = x[:, y0], x[:, y1]
    top = rows0[:, :, x0] + (rows0[:, :, x1] - rows0[:, :, x0]) * dx
    bottom = rows1[:, :, x0] + (rows1[:, :, x1] - rows1[:, :, x0]) * dx
    return top + (bottom - top) * dy[:, None, None]


# --- the cases ------------------------------------------------------------------------------

def _max_pool_case(batch):
    x = _random((batch, 24, 24, 64), 0)
    dy = _random((batch, 12, 12, 64), 1)

    def ours():
        xt = Tensor(x)
        with GradientTape() as tape:
            tape.watch(xt)
            y = pooling.max_pool(xt, (2, 2))
        return tape.gradient(y, xt, output_gradients=Tensor(dy))

    def make_torch():
        xt, g = _nchw(x, requires_grad=True), _nchw(dy)

        def run():
            xt.grad = None
            F.max_pool2d(xt, 2).backward(g)
        return run

    return dict(name="MaxPooling2D 2x2 (24,24,64): forward + backward", minikeras=ours,
                numpy=lambda: numpy_max_pool_2x2_forward_backward(x, dy), torch=_torch(make_torch),
                bytes=None, target=0.5)


def _avg_pool_case(batch):
    x = _random((batch, 24, 24, 64), 2)
    dy = _random((batch, 12, 12, 64), 3)

    def ours():
        xt = Tensor(x)
        with GradientTape() as tape:
            tape.watch(xt)
            y = pooling.avg_pool(xt, (3, 3), (2, 2), "same")
        return tape.gradient(y, xt, output_gradients=Tensor(dy))

    def numpy_version():
        padded = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))                # 'same': 0 before, 1 after
        counts = sliding_window_view(np.pad(np.ones(x.shape[1:3], np.float32), ((0, 1), (0, 1))),
                                     (3, 3))[::2, ::2].sum(axis=(-2, -1))
        windows = sliding_window_view(padded, (3, 3), axis=(1, 2))[:, ::2, ::2]
        y = windows.sum(axis=(-2, -1)) / counts[:, :, None]
        share = dy / counts[:, :, None]
        dx = np.zeros(padded.shape, np.float32)
        for i in range(3):
            for j in range(3):
                dx[:, i:i + 24:2, j:j + 24:2] += share
        return y, dx[:, :24, :24]

    def make_torch():
        # PyTorch's padding is symmetric, so its 'same' differs; the window count is the same.
        xt, g = _nchw(x, requires_grad=True), _nchw(dy)

        def run():
            xt.grad = None
            F.avg_pool2d(xt, 3, 2, padding=1, count_include_pad=False).backward(g)
        return run

    return dict(name="AveragePooling2D 3x3/2 same (24,24,64): forward + backward", minikeras=ours,
                numpy=numpy_version, torch=_torch(make_torch), bytes=None, target=None)


def _upsampling_cases(batch):
    x = _random((batch, 14, 14, 64), 4)
    dy = _random((batch, 28, 28, 64), 5)
    io_bytes = x.nbytes + dy.nbytes
    backward = upsampling.UpsampleNearestBackward

    def make_torch_forward(mode):
        xt = _nchw(x)
        options = {} if mode == "nearest" else {"align_corners": False}
        return lambda: F.interpolate(xt, scale_factor=2, mode=mode, **options)

    def make_torch_backward():
        g = _nchw(dy)
        return lambda: torch.ops.aten.upsample_nearest2d_backward(g, [28, 28], list(g.shape[:2]) + [14, 14])

    return [
        dict(name="UpSampling2D x2 nearest (14,14,64): forward",
             minikeras=lambda: upsampling.upsample_nearest(x, (2, 2)),
             numpy=lambda: x.repeat(2, 1).repeat(2, 2),
             torch=_torch(lambda: make_torch_forward("nearest")), bytes=io_bytes, target=0.5),
        dict(name="UpSampling2D x2 nearest (14,14,64): backward",
             minikeras=lambda: backward.apply(dy, size=(2, 2), data_format="channels_last"),
             numpy=lambda: dy.reshape(batch, 14, 2, 14, 2, 64).sum(axis=(2, 4)),
             torch=_torch(make_torch_backward), bytes=io_bytes, target=1.0),
        dict(name="UpSampling2D x2 bilinear (14,14,64): forward",
             minikeras=lambda: upsampling.upsample_bilinear_2d(x, (2, 2)),
             numpy=lambda: numpy_bilinear(x, (2, 2)),
             torch=_torch(lambda: make_torch_forward("bilinear")), bytes=None, target=1.0),
    ]


def _padding_cases(batch):
    x = _random((batch, 28, 28, 32), 6)
    dy = _random((batch, 32, 32, 32), 7)
    io_bytes = x.nbytes + dy.nbytes

    def make_torch(array, pads):
        t = _nchw(array)
        return lambda: F.pad(t, pads)

    return [
        dict(name="ZeroPadding2D 2 (28,28,32): forward",
             minikeras=lambda: padding.zero_pad(x, 2),
             numpy=lambda: np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))),
             torch=_torch(lambda: make_torch(x, (2, 2, 2, 2))), bytes=io_bytes, target=1.0),
        # The backward of zero padding is the cropping of the gradient.
        dict(name="ZeroPadding2D 2 (28,28,32): backward",
             minikeras=lambda: padding.crop(dy, 2),
             numpy=lambda: np.ascontiguousarray(dy[:, 2:-2, 2:-2]),
             torch=_torch(lambda: make_torch(dy, (-2, -2, -2, -2))), bytes=io_bytes, target=1.0),
        dict(name="Cropping2D ((1,3),(2,2)) (32,32,32): forward",
             minikeras=lambda: padding.crop(dy, ((1, 3), (2, 2))),
             numpy=lambda: np.ascontiguousarray(dy[:, 1:-3, 2:-2]),
             torch=_torch(lambda: make_torch(dy, (-2, -2, -1, -3))), bytes=io_bytes, target=None),
    ]


def cases(batch=128):
    return [_max_pool_case(batch), _avg_pool_case(batch)] + _upsampling_cases(batch) + _padding_cases(batch)
