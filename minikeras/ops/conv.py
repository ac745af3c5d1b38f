"""Convolutions: ``conv`` (1D/2D/3D), ``conv_transpose`` and ``depthwise_conv``.

A convolution slides a kernel over the input. Along one spatial axis, with stride ``s``,
dilation ``d`` and ``p`` zeros before the input::

    y[n, o, j] = sum over taps k and input channels i of  x[n, o*s + k*d - p, i] * w[k, i, j]

Once every receptive field is copied into a row (``im2col``), that sum is a matrix
product, which NumPy's BLAS does fast. The three operations of a convolution form a
closed family, which is why gradients of any order work:

- ``Conv``               y  = conv(x, w)
- ``ConvTranspose``      dx = conv_transpose(dy, w): the gradient of ``conv`` with respect to
                         its input (``col2im`` of ``dy @ w.T``); Keras' ``Conv2DTranspose``
                         is exactly this, for the convolution that maps its output to its input
- ``ConvKernelGradient`` dw = the gradient of ``conv`` with respect to its kernel (``cols.T @ dy``)

The depthwise convolution (each input channel with its own ``depth_multiplier`` filters)
has the same three operations, as direct loops.

The kernels in ``minikeras/_kernels/conv.pyx`` see one canonical layout: channels last,
C-contiguous, and two or three spatial axes (a 1D convolution runs as 2D with a height of
1). Everything else, strings, layouts and checks, is done here, before any loop runs.
"""
import dataclasses

import numpy as np

from minikeras._kernels import compute_dtype as _compute_dtype, kernel as _kernel
from minikeras.ops.base import Op
from minikeras.tensor import as_tensor
from minikeras.utils import conv_utils

__all__ = ["conv", "conv_transpose", "depthwise_conv"]

# Columns are built and multiplied a few images at a time, so that a chunk of ``cols`` is
# still in the cache when BLAS reads it (a whole batch of columns is tens of MB). See
# benchmarks/kernels.py for the measurements behind the size.
_CHUNK_BYTES = 4 << 20


@dataclasses.dataclass(frozen=True)
class ConvGeometry:
    """One convolution in the integers the kernels take (canonical rank 2 or 3).

    ``in_spatial`` are the sizes of the convolution's input, ``out_spatial`` those of its
    output (for a transposed convolution, the other way round), ``pads`` the zeros before
    each spatial axis, ``kernel_shape`` the user's kernel shape.
    """

    data_format: str
    lifted: bool
    in_spatial: tuple
    out_spatial: tuple
    kernel_size: tuple
    strides: tuple
    dilation: tuple
    pads: tuple
    kernel_shape: tuple

    @property
    def kernel_args(self):
        """The integer arguments of every conv kernel: strides, dilations, pads before."""
        return (*self.strides, *self.dilation, *self.pads)

    @property
    def pointwise(self):
        """A 1x1 convolution without stride or padding: the columns are the input itself."""
        return all(k == 1 for k in self.kernel_size) and all(s == 1 for s in self.strides) and (
            all(p == 0 for p in self.pads) and self.in_spatial == self.out_spatial
        )

    def canonical(self, array, dtype):
        """A user-layout batch as a C-contiguous channels-last array of rank 4 or 5."""
        if self.data_format == "channels_first":
            array = np.moveaxis(array, 1, -1)
        if self.lifted:
            array = array[:, np.newaxis]
        return np.ascontiguousarray(array, dtype=dtype)

    def user(self, array):
        """The inverse of ``canonical``.

        For channels_first this returns a transposed view rather than a copy: the next
        convolution turns it back into a contiguous channels-last array for free.
        """
        if self.lifted:
            array = array[:, 0]
        if self.data_format == "channels_first":
            array = np.moveaxis(array, -1, 1)
        return array

    def canonical_kernel(self, w, dtype):
        return np.ascontiguousarray(w.reshape(*self.kernel_size, *w.shape[-2:]), dtype=dtype)

    def check_operands(self, op, x=None, dy=None, w=None, depthwise=False):
        """Refuse arrays that do not match this geometry, in the user's layout.

        ``conv``, ``conv_transpose`` and ``depthwise_conv`` build the geometry from their
        arrays, so they always pass. An operation applied directly
        (``ConvTranspose.apply(dy, w, geometry=g)``, as the benchmarks do) could be handed
        others, and the depthwise loops would then read or write past an array's end.
        """
        c_in, last = self.kernel_shape[-2:]
        c_out = c_in * last if depthwise else last
        batch = (x if x is not None else dy).shape[:1]
        expected = [
            ("an input", x, self._user_shape(batch, self.in_spatial, c_in)),
            ("an output gradient", dy, self._user_shape(batch, self.out_spatial, c_out)),
            ("a kernel", w, self.kernel_shape),
        ]
        for name, array, shape in expected:
            if array is not None and tuple(array.shape) != shape:
                raise ValueError(
                    f"{op}: expected {name} of shape {shape} for this geometry; received "
                    f"shape {tuple(array.shape)}."
                )

    def _user_shape(self, batch, spatial, channels):
        """``batch`` (a tuple: ``(N,)``) plus canonical ``spatial`` sizes, in the user's layout."""
        spatial = spatial[1:] if self.lifted else spatial
        if self.data_format == "channels_first":
            return (*batch, channels, *spatial)
        return (*batch, *spatial, channels)


# --------------------------------------------------------------------------------------
# The numerics, on canonical arrays
# --------------------------------------------------------------------------------------

class _Columns:
    """The im2col matrix of a few images at a time, in one reusable buffer.

    For ``n`` images the matrix has one row per output pixel ``(n, *out_spatial)`` and one
    column per kernel tap and input channel ``(*kernel_size, C_in)``.
    """

    def __init__(self, g, channels, n_images, dtype):
        self.g, self.channels = g, channels
        self.width = int(np.prod(g.kernel_size)) * channels
        self.per_image = int(np.prod(g.out_spatial)) * self.width
        self.step = max(1, _CHUNK_BYTES // (self.per_image * np.dtype(dtype).itemsize))
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


def _conv_forward(x, w, g):
    """x (N, *in, C_in), w (*K, C_in, C_out) -> y (N, *out, C_out)."""
    n, c_out = x.shape[0], w.shape[-1]
    y = np.empty((n, *g.out_spatial, c_out), x.dtype)
    columns = _Columns(g, x.shape[-1], n, x.dtype)
    w2 = w.reshape(-1, c_out)
    for n0, n1 in columns.chunks(n):
        np.matmul(columns.im2col(x[n0:n1]), w2, out=y[n0:n1].reshape(-1, c_out))
    return y


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


# --------------------------------------------------------------------------------------
# The operations
# --------------------------------------------------------------------------------------

class Conv(Op):
    """y = conv(x, w); dx = ConvTranspose(dy, w), dw = ConvKernelGradient(x, dy)."""

    def forward(self, x, w):
        g, dtype = self.geometry, _compute_dtype(x, w)
        g.check_operands("Conv", x=x, w=w)
        y = _conv_forward(g.canonical(x, dtype), g.canonical_kernel(w, dtype), g)
        return g.user(y).astype(np.result_type(x, w), copy=False)

    def backward(self, grad):
        x, w = self.inputs
        g = self.geometry
        return (
            ConvTranspose.apply(grad, w, geometry=g) if self.needs_input_grad[0] else None,
            ConvKernelGradient.apply(x, grad, geometry=g) if self.needs_input_grad[1] else None,
        )


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


# --------------------------------------------------------------------------------------
# Checking the arguments and turning them into a ConvGeometry
# --------------------------------------------------------------------------------------

def _check_input(op, x, w, ranks, data_format):
    """Rank and layout of ``x``; returns (data_format, spatial sizes, channels)."""
    if x.ndim not in ranks:
        names = {3: "3 (batch, steps, channels)", 4: "4 (batch, rows, cols, channels)",
                 5: "5 (batch, depth, rows, cols, channels)"}
        expected = " or ".join(names[r] for r in ranks)
        raise ValueError(f"{op}: expected an input of rank {expected}; received shape {x.shape}.")
    if w.ndim != x.ndim:
        raise ValueError(
            f"{op}: expected a kernel of rank {x.ndim} (*kernel_size, channels, filters) for an "
            f"input of rank {x.ndim}; received a kernel of shape {w.shape}."
        )
    data_format = _reraise(op, conv_utils.normalize_data_format, data_format)
    if data_format == "channels_first":
        spatial, channels = tuple(x.shape[2:]), x.shape[1]
    else:
        spatial, channels = tuple(x.shape[1:-1]), x.shape[-1]
    if min(spatial) <= 0 or channels <= 0:
        raise ValueError(
            f"{op}: the input's spatial sizes and channels must be positive; received shape "
            f"{x.shape} with data_format={data_format!r}."
        )
    if min(w.shape) <= 0:
        raise ValueError(f"{op}: the kernel's sizes must be positive; received shape {w.shape}.")
    return data_format, spatial, channels


def _check_channels(op, x, w, data_format, channels, expected, axis_name):
    if channels != expected:
        raise ValueError(
            f"{op}: the input has {channels} channels but the kernel of shape {w.shape} expects "
            f"{expected} ({axis_name}); received input shape {x.shape} with "
            f"data_format={data_format!r}."
        )


def _strides_and_dilation(op, strides, dilation_rate, n):
    strides = _reraise(op, conv_utils.normalize_tuple, strides, n, "strides")
    dilation = _reraise(op, conv_utils.normalize_tuple, dilation_rate, n, "dilation_rate")
    conv_utils.check_index_range(op, strides=strides, dilation_rate=dilation)
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(
            f"{op}: `strides > 1` is not supported together with `dilation_rate > 1`. "
            f"Received: strides={strides}, dilation_rate={dilation}."
        )
    return strides, dilation


def _reraise(op, function, *args):
    """Call a conv_utils checker, naming the operation in its error message."""
    try:
        return function(*args)
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None


def _geometry(**fields):
    """The ConvGeometry; a 1D convolution runs as a 2D one of height 1 (the kernels are 2D/3D)."""
    if len(fields["kernel_size"]) != 1:
        return ConvGeometry(lifted=False, **fields)
    height_one = dict(in_spatial=1, out_spatial=1, kernel_size=1, strides=1, dilation=1, pads=0)
    for key, value in height_one.items():
        fields[key] = (value,) + fields[key]
    return ConvGeometry(lifted=True, **fields)


def _forward_geometry(op, x, w, strides, padding, dilation_rate, data_format, ranks):
    """Check a convolution's (or depthwise convolution's) arguments; its ConvGeometry."""
    data_format, spatial, channels = _check_input(op, x, w, ranks, data_format)
    n = len(spatial)
    _check_channels(op, x, w, data_format, channels, w.shape[-2], "the kernel's axis -2")
    kernel_size = tuple(w.shape[:n])
    strides, dilation = _strides_and_dilation(op, strides, dilation_rate, n)
    if isinstance(padding, str):
        mode = _reraise(op, conv_utils.normalize_padding, padding, ("valid", "same", "causal"))
        if mode == "causal" and n != 1:
            raise ValueError(
                f"{op}: padding='causal' is only for 1D convolutions (inputs of rank 3); "
                f"received an input of shape {x.shape}."
            )
        sides = [conv_utils.conv_padding_amounts(i, k, mode, s, d)
                 for i, k, s, d in zip(spatial, kernel_size, strides, dilation)]
    else:
        try:
            sides = conv_utils.normalize_side_amounts(padding, n, "padding")
        except ValueError:
            raise ValueError(
                f"{op}: `padding` must be 'valid', 'same', 'causal' (1D only) or explicit "
                f"non-negative zeros per side, ((before, after),) * {n}. Received: {padding!r}"
            ) from None
        conv_utils.check_index_range(op, padding=sides)
    out_spatial = []
    for axis, (i, k, s, d, (before, after)) in enumerate(zip(spatial, kernel_size, strides, dilation, sides)):
        window = conv_utils.effective_kernel_size(k, d)
        if i + before + after < window:
            raise ValueError(
                f"{op}: the kernel window does not fit in the padded input along spatial axis "
                f"{axis}: kernel size {k} with dilation {d} spans {window}, the input has length "
                f"{i} plus {before} + {after} padding. Received input shape {x.shape}, kernel "
                f"shape {w.shape}, padding={padding!r}."
            )
        # Explicit pads make a 'valid' convolution of the padded input.
        out_spatial.append(conv_utils.conv_output_length(i + before + after, k, "valid", s, d))
    return _geometry(
        data_format=data_format, in_spatial=spatial, out_spatial=tuple(out_spatial),
        kernel_size=kernel_size, strides=strides, dilation=dilation,
        pads=tuple(before for before, _ in sides), kernel_shape=tuple(w.shape),
    )


def _transpose_geometry(op, x, w, strides, padding, output_padding, dilation_rate, data_format):
    """Check a transposed convolution's arguments; the ConvGeometry of the convolution it
    is the transpose of (whose input has the transposed convolution's output size)."""
    data_format, spatial, channels = _check_input(op, x, w, (3, 4, 5), data_format)
    n = len(spatial)
    _check_channels(op, x, w, data_format, channels, w.shape[-1], "the kernel's last axis")
    kernel_size = tuple(w.shape[:n])
    strides, dilation = _strides_and_dilation(op, strides, dilation_rate, n)
    padding = _reraise(op, conv_utils.normalize_padding, padding, ("valid", "same"))
    if output_padding is None:
        extra = (None,) * n
    else:
        extra = _reraise(op, conv_utils.normalize_tuple, output_padding, n, "output_padding", True)
        if any(p >= s for p, s in zip(extra, strides)):
            raise ValueError(
                f"{op}: strides {strides} must be greater than output_padding {extra} "
                "along every axis."
            )
    out_spatial, pads = [], []
    for i, k, s, d, p in zip(spatial, kernel_size, strides, dilation, extra):
        o = conv_utils.deconv_output_length(i, k, padding, p, s, d)
        if o <= 0:
            raise ValueError(
                f"{op}: the output would be empty along a spatial axis (length {o}) for input "
                f"shape {x.shape}, kernel shape {w.shape}, padding={padding!r}, "
                f"output_padding={output_padding!r}."
            )
        out_spatial.append(o)
        pads.append(conv_utils.deconv_pad_before(i, o, k, padding, s, d))
    return _geometry(
        data_format=data_format, in_spatial=tuple(out_spatial), out_spatial=spatial,
        kernel_size=kernel_size, strides=strides, dilation=dilation, pads=tuple(pads),
        kernel_shape=tuple(w.shape),
    )


# --------------------------------------------------------------------------------------
# The functions layers call
# --------------------------------------------------------------------------------------

def conv(x, kernel, strides=1, padding="valid", dilation_rate=1, data_format="channels_last"):
    """N-D convolution (1D, 2D or 3D, from the input's rank), without bias.

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

    Returns:
        A Tensor ``(batch, *out_spatial, filters)`` in the same layout, with
        ``out_spatial`` from ``conv_utils.conv_output_length``.

    Raises:
        ValueError: a wrong rank, a channel count that does not match the kernel, a
            non-positive size, an unknown option, strides and dilation both above 1, or a
            kernel window larger than the padded input.

    Example:
        >>> x = np.ones((1, 5, 5, 1), "float32")
        >>> conv(x, np.ones((3, 3, 1, 2), "float32"), padding="same").shape
        (1, 5, 5, 2)
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    g = _forward_geometry("conv", x, kernel, strides, padding, dilation_rate, data_format,
                          ranks=(3, 4, 5))
    return Conv.apply(x, kernel, geometry=g)


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
