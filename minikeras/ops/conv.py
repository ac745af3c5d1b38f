"""Convolutions: ``conv`` (1D/2D/3D) and ``conv_transpose``.

A convolution slides a kernel over the input. Along one spatial axis, with stride ``s``,
dilation ``d`` and ``p`` zeros before the input::

    y[n, o, j] = sum over taps k and input channels i of  x[n, o*s + k*d - p, i] * w[k, i, j]

Once every receptive field is copied into a row (``im2col``), that sum is a matrix
product, which NumPy's BLAS does fast. A 2D forward pass that keeps no columns for a
backward pass (``predict``, large layers) runs the three steps, im2col, product, bias and
ReLU, in one compiled pipeline whose threads each take whole chunks of images
(``conv2d_pipeline_forward``). The three operations of a convolution form a
closed family, which is why gradients of any order work:

- ``Conv``               y  = conv(x, w)
- ``ConvTranspose``      dx = conv_transpose(dy, w): the gradient of ``conv`` with respect to
                         its input (``col2im`` of ``dy @ w.T``); Keras' ``Conv2DTranspose``
                         is exactly this, for the convolution that maps its output to its input
- ``ConvKernelGradient`` dw = the gradient of ``conv`` with respect to its kernel (``cols.T @ dy``)

The depthwise convolution (each input channel with its own ``depth_multiplier`` filters)
has the same three operations, as direct loops, in ``ops/depthwise_conv.py``;
``depthwise_conv`` is re-exported here so that the three functions can be imported together.
Both modules check their arguments and describe a convolution by the ``ConvGeometry`` of
``ops/conv_geometry.py``.

The kernels in ``minikeras/_kernels/conv.pyx`` see one canonical layout: channels last,
C-contiguous, and two or three spatial axes (a 1D convolution runs as 2D with a height of
1). Everything else, strings, layouts and checks, is done in Python, before any loop runs.
"""
import os

import numpy as np

from minikeras._kernels import compute_dtype as _compute_dtype, current_backend as _current_backend, kernel as _kernel
from minikeras._kernels.blas import gemm_addresses
from minikeras.ops.base import Op
from minikeras.ops.conv_geometry import _forward_geometry, _transpose_geometry
from minikeras.ops.depthwise_conv import depthwise_conv  # re-exported: the three functions together
from minikeras import tape
from minikeras.ops.nn import bias_activation_gradients, check_bias_activation
from minikeras.tensor import Tensor, as_tensor

__all__ = ["conv", "conv_transpose", "depthwise_conv"]

# Columns are built and multiplied a few images at a time, so that a chunk of ``cols`` is
# still mostly in the cache when BLAS reads it (a whole batch of columns is tens of MB).
# 16 MB rather than 4: each chunk is a BLAS call that must wake BLAS' other thread, and on a
# busy machine that wake-up can wait for a whole scheduler time slice. Measured on 2 cores
# with other programs running (load 9), a whole training step of the MNIST CNN: 4.9 s with
# 4 MB chunks, 2.2 s with 16 MB, 2.3-3.5 s with one chunk; on one thread, 16 MB costs 5-8 %
# more CPU time than 4 MB (185 against 200 ms a step).
_CHUNK_BYTES = 16 << 20
# A forward pass that will be differentiated keeps its im2col matrix when the whole batch's
# fits in this many bytes, so that the kernel gradient need not build it again (LeNet-5 on
# MNIST, batch 128: 10 and 8 MB, im2col was a third of its step). Larger ones (the Keras
# CNN's second layer: 85 MB) are rebuilt chunk by chunk.
_KEEP_COLUMNS_BYTES = 16 << 20


# --------------------------------------------------------------------------------------
# The numerics, on canonical arrays
# --------------------------------------------------------------------------------------

class _Columns:
    """The im2col matrix of a few images at a time, in one reusable buffer.

    For ``n`` images the matrix has one row per output pixel ``(n, *out_spatial)`` and one
    column per kernel tap and input channel ``(*kernel_size, C_in)``.
    """

    def __init__(self, g, channels, n_images, dtype, whole_batch=False):
        self.g, self.channels = g, channels
        self.width = int(np.prod(g.kernel_size)) * channels
        self.per_image = int(np.prod(g.out_spatial)) * self.width
        self.step = max(1, _CHUNK_BYTES // (self.per_image * np.dtype(dtype).itemsize))
        if whole_batch:
            self.step = max(1, n_images)
        self.flat = None if g.pointwise else np.empty(min(self.step, n_images) * self.per_image, dtype)

    def chunks(self, n_images):
        """(start, stop) of each group of images whose columns fill the buffer."""
        for start in range(0, n_images, self.step):
            yield start, min(start + self.step, n_images)

    def view(self, n):
        """The buffer as the kernels' cols array for ``n`` images."""
        g = self.g
        if len(g.out_spatial) == 2:
            shape = (n, *g.out_spatial, *g.kernel_size, self.channels)
        else:  # 3D: batch and output depth share one axis (see vol2col_3d)
            shape = (n * g.out_spatial[0], *g.out_spatial[1:], *g.kernel_size, self.channels)
        return self.flat[: n * self.per_image].reshape(shape)

    def im2col(self, x):
        """The im2col matrix of the images ``x`` (canonical), shape (rows, width)."""
        if self.g.pointwise:
            return x.reshape(-1, self.channels)
        cols = self.view(x.shape[0])
        _kernel("im2col_2d" if x.ndim == 4 else "vol2col_3d")(x, cols, *self.g.kernel_args)
        return cols.reshape(-1, self.width)


# The compiled pipelines (``conv2d_pipeline_forward`` and ``_backward``): each thread takes
# this many bytes of columns at a time (at least one image), which stay in its core's cache
# between im2col, the products and col2im. One image of the Keras CNN's second layer (663
# kB); on 2 cores its training step took 146-149 ms with 1 MB, 154-161 with 2 MB, 165-168
# with 4 MB and 183-200 with 8 MB.
_PIPELINE_CHUNK_BYTES = 1 << 20


def _pipeline_blas(x, g):
    """(sgemm, dgemm, ilp64) for the compiled pipelines, or None when the convolution takes
    the step-by-step path: not 2D, a 1x1 convolution (its columns are its input), no
    BLAS found to call from the kernel's threads, or a kernels module of the user's own
    that brings an ``im2col_2d`` (it must see every convolution, as lesson 4 shows)."""
    if x.ndim != 4 or g.pointwise:
        return None
    backend = _current_backend()
    if not isinstance(backend, str) and callable(getattr(backend, "im2col_2d", None)):
        return None
    addresses = gemm_addresses()
    return addresses if addresses[0] else None


def _conv_forward(x, w, g, bias=None, relu=False, keep_columns=False):
    """x (N, *in, C_in), w (*K, C_in, C_out) -> y (N, *out, C_out), columns or None.

    With a ``bias`` (C_out,) and/or ``relu``, y = relu(conv + bias): each chunk of y gets
    them right after its product, while it is still in the cache (one pass less over y).
    With ``keep_columns`` and a small enough im2col matrix, it is built for the whole batch
    at once and returned (rows, width) for the kernel gradient; otherwise None. Where the
    compiled pipeline runs (``_pipeline_blas``), it does all of this chunk by chunk on the
    threads and keeps no columns.
    """
    n, c_out = x.shape[0], w.shape[-1]
    y = np.empty((n, *g.out_spatial, c_out), x.dtype)
    w2 = w.reshape(-1, c_out)
    b = bias if bias is not None else np.zeros(c_out, x.dtype)
    blas = _pipeline_blas(x, g)
    if blas is not None:  # it rebuilds each chunk's columns in the cache: none are kept
        threads, images = _pipeline_sizes(g, x)
        cols = np.empty((threads, images, *g.out_spatial, *g.kernel_size, x.shape[-1]), x.dtype)
        _kernel("conv2d_pipeline_forward")(x, w2, b, y, cols, *g.kernel_args, bias is not None, relu, *blas)
        return y, None
    keep = keep_columns and not g.pointwise and (
        n * int(np.prod(g.out_spatial)) * int(np.prod(g.kernel_size)) * x.shape[-1]
        * x.dtype.itemsize <= _KEEP_COLUMNS_BYTES)
    columns = _Columns(g, x.shape[-1], n, x.dtype, whole_batch=keep)
    finish = _kernel("bias_activation") if bias is not None or relu else None
    for n0, n1 in columns.chunks(n):
        y2 = y[n0:n1].reshape(-1, c_out)
        np.matmul(columns.im2col(x[n0:n1]), w2, out=y2)
        if finish is not None:
            finish(y2, b, bias is not None, relu)
    return y, (columns.flat[: n * columns.per_image].reshape(-1, columns.width) if keep else None)


def _conv_backward_input(dy, w, g):
    """dy (N, *out, C_out), w (*K, C_in, C_out) -> dx (N, *in, C_in) = col2im(dy @ w.T)."""
    n, c_in, c_out = dy.shape[0], w.shape[-2], w.shape[-1]
    dx = np.empty((n, *g.in_spatial, c_in), dy.dtype)
    columns = _Columns(g, c_in, n, dy.dtype)
    w2t = w.reshape(-1, c_out).T
    for n0, n1 in columns.chunks(n):
        dy2 = dy[n0:n1].reshape(-1, c_out)
        if g.pointwise:
            np.matmul(dy2, w2t, out=dx[n0:n1].reshape(-1, c_in))
            continue
        cols = columns.view(n1 - n0)
        np.matmul(dy2, w2t, out=cols.reshape(-1, columns.width))
        _kernel("col2im_2d" if dy.ndim == 4 else "col2vol_3d")(cols, dx[n0:n1], *g.kernel_args)
    return dx


def _conv_backward_kernel(x, dy, g):
    """x (N, *in, C_in), dy (N, *out, C_out) -> dw (*K, C_in, C_out) = cols.T @ dy."""
    n, c_in, c_out = x.shape[0], x.shape[-1], dy.shape[-1]
    columns = _Columns(g, c_in, n, x.dtype)
    dw = np.zeros((columns.width, c_out), x.dtype)
    for n0, n1 in columns.chunks(n):
        dw += columns.im2col(x[n0:n1]).T @ dy[n0:n1].reshape(-1, c_out)
    return dw.reshape(*g.kernel_size, c_in, c_out)


def _conv_backward(x, w, dy, g, need_dx, need_dw, y=None, has_bias=False, relu=False, kept=None):
    """Both gradients of y = relu?(conv(x, w) + b?) in one walk over chunks of images.

    x (N, *in, C_in), w (*K, C_in, C_out), dy and y (N, *out, C_out) -> (dx or None,
    dw or None, db or None). For each chunk: dz = dy * (y > 0) and its bias sums
    (``bias_activation_backward``), dw += im2col(x).T @ dz, then dx = col2im(dz @ w.T) in the
    same columns buffer: dz is never written out whole, and each chunk is read while it is
    in the cache. ``kept``: the forward pass' im2col matrix of the whole batch, if it kept
    it. The same numbers as ``_conv_backward_input`` and ``_conv_backward_kernel`` after
    ``bias_activation_gradients``.
    """
    n, c_in, c_out = x.shape[0], x.shape[-1], w.shape[-1]
    blas = None if kept is not None else _pipeline_blas(x, g)
    if blas is not None:
        return _pipeline_backward(x, w, dy, g, need_dx, need_dw, y, has_bias, relu, blas)
    columns = _Columns(g, c_in, n, x.dtype)
    dx = np.empty_like(x) if need_dx else None
    dw = np.zeros((columns.width, c_out), x.dtype) if need_dw else None
    chunks = list(columns.chunks(n))
    parts = np.zeros((len(chunks), 1, c_out), np.float64)  # one bias partial sum per chunk
    finish = _kernel("bias_activation_backward") if has_bias or relu else None
    dz_buffer = np.empty((min(columns.step, n) * int(np.prod(g.out_spatial)), c_out), x.dtype) if relu else None
    w2t = w.reshape(-1, c_out).T
    rows_per_image = int(np.prod(dy.shape[1:-1]))
    for i, (n0, n1) in enumerate(chunks):
        dz = dy[n0:n1].reshape(-1, c_out)
        if finish is not None:
            out = dz_buffer[: dz.shape[0]] if relu else dz
            finish(dz, y[n0:n1].reshape(-1, c_out) if relu else dz, out, parts[i], has_bias, relu)
            dz = out
        if need_dw:
            if kept is not None:
                dw += kept[n0 * rows_per_image: n1 * rows_per_image].T @ dz
            else:
                dw += columns.im2col(x[n0:n1]).T @ dz
        if need_dx:
            if g.pointwise:
                np.matmul(dz, w2t, out=dx[n0:n1].reshape(-1, c_in))
                continue
            cols = columns.view(n1 - n0)
            np.matmul(dz, w2t, out=cols.reshape(-1, columns.width))
            _kernel("col2im_2d" if x.ndim == 4 else "col2vol_3d")(cols, dx[n0:n1], *g.kernel_args)
    db = parts.sum(axis=(0, 1)).astype(x.dtype) if has_bias else None
    return dx, None if dw is None else dw.reshape(*g.kernel_size, c_in, c_out), db


def _pipeline_sizes(g, x, parts_per_chunk=0):
    """(threads, images per chunk) of the compiled pipeline for the batch ``x``: chunks of
    about ``_PIPELINE_CHUNK_BYTES`` of columns, larger if the per-chunk parts of a backward
    pass (``parts_per_chunk`` numbers each) would otherwise pass 32 MB."""
    n, width = x.shape[0], int(np.prod(g.kernel_size)) * x.shape[-1]
    per_image = int(np.prod(g.out_spatial)) * width * x.dtype.itemsize
    images = max(1, _PIPELINE_CHUNK_BYTES // per_image)
    if parts_per_chunk:
        images = max(images, -(-n * parts_per_chunk * x.dtype.itemsize // (32 << 20)))
    return min(os.cpu_count() or 1, -(-n // images)), images


def _pipeline_backward(x, w, dy, g, need_dx, need_dw, y, has_bias, relu, blas):
    """``_conv_backward`` by the compiled pipeline (``conv2d_pipeline_backward``): each
    thread takes chunks of images; the chunks' kernel and bias gradients are added here,
    in order."""
    n, c_in, c_out = x.shape[0], x.shape[-1], w.shape[-1]
    w2 = w.reshape(-1, c_out)
    threads, images = _pipeline_sizes(g, x, w2.size)
    chunks, rows = -(-n // images), images * int(np.prod(g.out_spatial))
    dx = np.empty_like(x) if need_dx else np.empty((0, 0, 0, 0), x.dtype)
    parts = np.empty((chunks, *w2.shape) if need_dw else (0, 0, 0), x.dtype)
    bias_parts = np.empty((chunks, c_out) if has_bias else (0, 0), np.float64)
    scratch_dz = np.empty((threads, rows, c_out) if relu else (0, 0, 0), x.dtype)
    cols = np.empty((threads, images, *g.out_spatial, *g.kernel_size, c_in), x.dtype)
    _kernel("conv2d_pipeline_backward")(
        x, w2, dy, y if relu else dy, dx, parts, bias_parts, scratch_dz, cols, *g.kernel_args,
        need_dx, need_dw, has_bias, relu, *blas)
    dw = parts.sum(axis=0).reshape(w.shape) if need_dw else None
    db = bias_parts.sum(axis=0).astype(x.dtype) if has_bias else None
    return dx if need_dx else None, dw, db


# --------------------------------------------------------------------------------------
# The operations
# --------------------------------------------------------------------------------------

class Conv(Op):
    """y = conv(x, w); dx = ConvTranspose(dy, w), dw = ConvKernelGradient(x, dy).

    Fused form, for a layer's ``activation(conv(x, w) + b)``: ``Conv.apply(x, w, b,
    activation='relu')`` (``b`` optional, ``activation`` 'relu' or 'linear'). Then
    dz = ReluGradient(dy, y) first (and db = dz summed over all but the channel axis), in
    one pass (``bias_activation_gradients``), and dx, dw as above from dz.
    """

    activation = "linear"
    columns = None  # the forward pass' im2col matrix, when it is kept for the backward pass

    def forward(self, x, w, b=None):
        g, dtype = self.geometry, _compute_dtype(x, w)
        g.check_operands("Conv", x=x, w=w)
        relu = self.activation == "relu"
        if b is not None or relu:
            check_bias_activation("Conv", (w.shape[-1],), b, self.activation)
        bias = None if b is None else np.ascontiguousarray(b, dtype=dtype)
        y, self.columns = _conv_forward(g.canonical(x, dtype), g.canonical_kernel(w, dtype), g, bias,
                                        relu, keep_columns=tape.is_recording())
        return g.user(y).astype(np.result_type(x, w) if b is None else np.result_type(x, w, b),
                                copy=False)

    def backward(self, grad):
        x, w = self.inputs[:2]
        g, need = self.geometry, self.needs_input_grad
        has_bias, relu = len(self.inputs) == 3, self.activation == "relu"
        if not tape.is_recording():
            # Nobody differentiates this backward pass: compute dx, dw and db together.
            dtype = _compute_dtype(x, w, grad)
            dx, dw, db = _conv_backward(
                g.canonical(x, dtype), g.canonical_kernel(w, dtype), g.canonical(grad, dtype), g,
                need[0], need[1], g.canonical(self.output, dtype) if relu else None, has_bias, relu,
                self.columns if self.columns is not None and self.columns.dtype == dtype else None)
            self.columns = None
            grads = (None if dx is None else Tensor(g.user(dx)),
                     None if dw is None else Tensor(dw.reshape(g.kernel_shape)))
            return grads + ((None if db is None or not need[2] else Tensor(db)),) if has_bias else grads
        db = None
        if has_bias or relu:
            channel_axis = 1 if g.data_format == "channels_first" else -1
            grad, db = bias_activation_gradients(grad, self.output, has_bias, relu, channel_axis)
        grads = (
            ConvTranspose.apply(grad, w, geometry=g) if need[0] else None,
            ConvKernelGradient.apply(x, grad, geometry=g) if need[1] else None,
        )
        return grads + (db if need[2] else None,) if has_bias else grads


class ConvTranspose(Op):
    """dx = conv_transpose(dy, w), the adjoint of ``conv(., w)``; linear in dy and in w.

    Its gradients: d(dy) = conv(g, w) and dw = ConvKernelGradient(g, dy).
    """

    def forward(self, dy, w):
        g, dtype = self.geometry, _compute_dtype(dy, w)
        g.check_operands("ConvTranspose", dy=dy, w=w)
        dx = _conv_backward_input(g.canonical(dy, dtype), g.canonical_kernel(w, dtype), g)
        return g.user(dx).astype(np.result_type(dy, w), copy=False)

    def backward(self, grad):
        dy, w = self.inputs
        g = self.geometry
        return (
            Conv.apply(grad, w, geometry=g) if self.needs_input_grad[0] else None,
            ConvKernelGradient.apply(grad, dy, geometry=g) if self.needs_input_grad[1] else None,
        )


class ConvKernelGradient(Op):
    """dw = the kernel gradient of ``conv(x, .)`` for the output gradient dy.

    Its gradients: dx = ConvTranspose(dy, g) and d(dy) = conv(x, g).
    """

    def forward(self, x, dy):
        g, dtype = self.geometry, _compute_dtype(x, dy)
        g.check_operands("ConvKernelGradient", x=x, dy=dy)
        dw = _conv_backward_kernel(g.canonical(x, dtype), g.canonical(dy, dtype), g)
        return dw.reshape(g.kernel_shape).astype(np.result_type(x, dy), copy=False)

    def backward(self, grad):
        x, dy = self.inputs
        g = self.geometry
        return (
            ConvTranspose.apply(dy, grad, geometry=g) if self.needs_input_grad[0] else None,
            Conv.apply(x, grad, geometry=g) if self.needs_input_grad[1] else None,
        )


# --------------------------------------------------------------------------------------
# The functions layers call
# --------------------------------------------------------------------------------------

def conv(x, kernel, strides=1, padding="valid", dilation_rate=1, data_format="channels_last",
         bias=None, activation=None):
    """N-D convolution (1D, 2D or 3D, from the input's rank); optionally ``activation(conv + bias)``.

    Args:
        x: the input, ``(batch, *spatial, channels)`` (or ``(batch, channels, *spatial)``
            with ``data_format='channels_first'``), with 1, 2 or 3 spatial axes.
        kernel: ``(*kernel_size, in_channels, filters)`` (Keras' layout).
        strides: an int or one int per spatial axis.
        padding: ``'valid'``, ``'same'`` (TensorFlow's split: the smaller half before),
            ``'causal'`` (1D only: ``(kernel_size - 1) * dilation_rate`` zeros before), or
            explicit zeros per side, ``((before, after), ...)`` one pair per spatial axis.
        dilation_rate: an int or one int per spatial axis (not with strides > 1).
        data_format: ``'channels_last'`` or ``'channels_first'`` (None: ``K.image_data_format()``).
        bias: None, or a Tensor ``(filters,)`` added to every output position.
        activation: None (or ``'linear'``), or ``'relu'``. With a bias or an activation, the
            layer's whole ``activation(conv(x, kernel) + bias)`` runs as one operation: each
            chunk of the output gets the bias and the ReLU as soon as it is computed.

    Returns:
        A Tensor ``(batch, *out_spatial, filters)`` in the same layout, with
        ``out_spatial`` from ``conv_utils.conv_output_length``.

    Raises:
        ValueError: a wrong rank, a channel count that does not match the kernel, a
            non-positive size, an unknown option, strides and dilation both above 1, a
            kernel window larger than the padded input, a bias that is not ``(filters,)``, or
            an activation other than 'relu' or 'linear'.

    Example:
        >>> x = np.ones((1, 5, 5, 1), "float32")
        >>> conv(x, np.ones((3, 3, 1, 2), "float32"), padding="same").shape
        (1, 5, 5, 2)
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    g = _forward_geometry("conv", x, kernel, strides, padding, dilation_rate, data_format,
                          ranks=(3, 4, 5))
    activation = "linear" if activation is None else activation
    if bias is None and activation == "linear":
        return Conv.apply(x, kernel, geometry=g)
    check_bias_activation("conv", (kernel.shape[-1],), None if bias is None else as_tensor(bias),
                          activation)
    if bias is None:
        return Conv.apply(x, kernel, geometry=g, activation=activation)
    return Conv.apply(x, kernel, as_tensor(bias), geometry=g, activation=activation)


def conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                   data_format="channels_last"):
    """Transposed convolution (1D, 2D or 3D), as Keras 2 and TensorFlow compute it.

    It is the gradient of the convolution that maps the result to ``x``: every input
    pixel spreads ``x[i] * kernel[k]`` onto output position ``i * stride + k * dilation - pad``.

    Args:
        x: the input, ``(batch, *spatial, in_channels)`` (or channels first).
        kernel: ``(*kernel_size, filters, in_channels)`` (Keras' layout, filters first).
        strides, dilation_rate, data_format: as for ``conv``.
        padding: ``'valid'`` or ``'same'``.
        output_padding: None, or an int (or one per axis) below the stride: extra rows at
            the end of the output.

    Returns:
        A Tensor ``(batch, *out_spatial, filters)``, ``out_spatial`` from
        ``conv_utils.deconv_output_length``.

    Raises:
        ValueError: as for ``conv``, and an ``output_padding`` not below the stride.

    Example:
        >>> x = np.ones((1, 7, 7, 4), "float32")
        >>> conv_transpose(x, np.ones((3, 3, 2, 4), "float32"), strides=2).shape
        (1, 15, 15, 2)
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    g = _transpose_geometry("conv_transpose", x, kernel, strides, padding, output_padding,
                            dilation_rate, data_format)
    return ConvTranspose.apply(x, kernel, geometry=g)
