"""Convolution geometry: the checks of a convolution's arguments, and the integers they become.

Before any loop runs, a convolution is reduced to a ``ConvGeometry``: the spatial sizes of
its input and output, the kernel size, strides, dilation and the zeros before each axis,
in the canonical layout the kernels take (channels last, a 1D convolution lifted to 2D
with a height of 1). Along one axis the output length follows from the others::

    out = (in + pad_before + pad_after - ((k - 1) * d + 1)) // s + 1

``_forward_geometry`` checks the arguments of ``conv`` and ``depthwise_conv`` and builds
their geometry; ``_transpose_geometry`` does the same for ``conv_transpose``, as the
geometry of the convolution it is the transpose of. Mistakes are reported here, in a
``ValueError`` that names the operation, so that ``ops/conv.py`` and
``ops/depthwise_conv.py`` only ever hand valid integers to the kernels. The shape
arithmetic itself lives in ``utils/conv_utils.py``.
"""
import dataclasses

import numpy as np

from minikeras.utils import conv_utils

__all__ = ["ConvGeometry"]


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
