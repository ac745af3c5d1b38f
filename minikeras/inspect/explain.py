"""``layer.explain(input_shape)``: how a layer's output shape follows from its input, in
words and numbers.

Every number comes from ``minikeras/utils/conv_utils.py``, the one place that does the
shape arithmetic for the layers themselves, so an explanation can never disagree with the
layer. For each spatial axis it shows the formula of the padding mode with the numbers put
in, how ``same`` splits its zeros between the two sides (TensorFlow's rule: the smaller
half before), and what strides, dilation, ``output_padding``, pooling windows, cropping,
padding and upsampling do::

    >>> from minikeras import layers
    >>> print(layers.Conv2D(8, 3, strides=2, padding="same").explain((None, 28, 28, 1)))
    Conv2D 'conv2d_...': input (None, 28, 28, 1) -> output (None, 14, 14, 8)
      channels_last: spatial axes 1, 2 (28, 28), channels on the last axis (1)
      kernel (3, 3), strides (2, 2), dilation (1, 1), padding 'same'
      'same': out = ceil(in / stride); the zeros needed, max((out - 1) * stride + k_eff - in, 0), are split with the smaller half before
      height: in 28, out = ceil(28 / 2) = 14; zeros max(13 * 2 + 3 - 28, 0) = 1: 0 before, 1 after
      width: in 28, out = ceil(28 / 2) = 14; zeros max(13 * 2 + 3 - 28, 0) = 1: 0 before, 1 after
      channels: 1 -> 8 (filters)
      weights: kernel (3, 3, 1, 8) + bias (8,) = 80 parameters

The result is a ``str`` (print it) with one more attribute, ``output_shape``.
"""
import math

import numpy as np

from minikeras.utils import conv_utils

__all__ = ["Explanation", "explain"]

AXIS_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


class Explanation(str):
    """The text of an explanation; ``.output_shape`` is the shape it arrives at."""

    def __new__(cls, lines, output_shape):
        text = super().__new__(cls, "\n".join(lines))
        text.output_shape = output_shape
        return text


def explain(layer, input_shape):
    """Explain how ``layer`` turns an input of ``input_shape`` (batch axis first, ``None``
    for unknown sizes) into its output shape.

    Raises:
        ValueError: when the layer cannot take that shape (the layer's own error).
    """
    from minikeras.layers.base_layer import layer_label

    input_shape = _as_shape(input_shape)
    expected = layer.compute_output_shape(input_shape)  # the layer's own checks first
    for family, describe in _families():
        if isinstance(layer, family):
            lines, output_shape = describe(layer, input_shape)
            break
    else:
        lines, output_shape = _generic(layer, input_shape, expected)
    head = f"{layer_label(layer)}: input {_fmt(input_shape)} -> output {_fmt(output_shape)}"
    return Explanation([head] + ["  " + line for line in lines], output_shape)


def _as_shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(None if s is None else int(s) for s in shape)


def _fmt(shape):
    return str(tuple(shape)) if not isinstance(shape, list) else str([tuple(s) for s in shape])


def _families():
    from minikeras.layers.convolutional.base_conv import (
        BaseConv, BaseConvTranspose, BaseDepthwiseConv, BaseSeparableConv,
    )
    from minikeras.layers.convolutional.cropping import BaseCropping
    from minikeras.layers.convolutional.upsampling import BaseUpSampling
    from minikeras.layers.convolutional.zero_padding import BaseZeroPadding
    from minikeras.layers.core.dense import Dense
    from minikeras.layers.core.flatten import Flatten
    from minikeras.layers.core.reshape import Reshape
    from minikeras.layers.pooling.base_pooling import BasePooling
    from minikeras.layers.pooling.global_pooling import BaseGlobalPooling

    # Subclasses before their bases: a transposed or depthwise convolution is a BaseConv too.
    return [
        (BaseConvTranspose, _conv_transpose), (BaseSeparableConv, _conv), (BaseDepthwiseConv, _conv),
        (BaseConv, _conv), (BasePooling, _pooling), (BaseGlobalPooling, _global_pooling),
        (BaseCropping, _cropping), (BaseZeroPadding, _zero_padding), (BaseUpSampling, _upsampling),
        (Dense, _dense), (Flatten, _flatten), (Reshape, _reshape),
    ]


# --- the pieces shared by the spatial layers ------------------------------------------------------
def _layout(layer, input_shape):
    """The data-format line, the spatial sizes and the channel count of ``input_shape``."""
    rank, data_format = layer.rank, layer.data_format
    sizes = conv_utils.spatial_shape(input_shape, data_format)
    first = 2 if data_format == "channels_first" else 1
    axes = ", ".join(str(first + i) for i in range(rank))
    channels = input_shape[1] if data_format == "channels_first" else input_shape[-1]
    where = "axis 1" if data_format == "channels_first" else "the last axis"
    line = (f"{data_format}: spatial ax{'is' if rank == 1 else 'es'} {axes} "
            f"({', '.join(str(s) for s in sizes)}), channels on {where} ({channels})")
    return line, sizes, channels


def _names(rank):
    return AXIS_NAMES[rank]


def _ceil_div(a, b):
    return f"ceil({a} / {b})"


PADDING_RULES = {
    "valid": "'valid': no zeros added; out = ceil((in - k_eff + 1) / stride), "
             "k_eff = (k - 1) * dilation + 1: the windows must fit inside the input",
    "same": "'same': out = ceil(in / stride); the zeros needed, max((out - 1) * stride + k_eff - in, 0), "
            "are split with the smaller half before",
    "causal": "'causal': k_eff - 1 zeros before the input and none after (no output sees the "
              "future); out = ceil(in / stride)",
}


def _window_axis(name, size, k, s, d, padding):
    """One axis of a convolution or pooling window: the formula with the numbers in it."""
    if size is None:
        return f"{name}: in unknown (None), out unknown"
    k_eff = conv_utils.effective_kernel_size(k, d)
    out = conv_utils.conv_output_length(size, k, padding, s, d)
    before, after = conv_utils.conv_padding_amounts(size, k, padding, s, d)
    dilated = f"; k_eff = ({k} - 1) * {d} + 1 = {k_eff}" if d != 1 else ""
    if padding == "valid":
        span = f"({size} - {k_eff} + 1)"
        text = f"{name}: in {size}{dilated}, out = {_ceil_div(span, s)} = {out}"
    elif padding == "same":
        total = before + after
        text = (f"{name}: in {size}{dilated}, out = {_ceil_div(size, s)} = {out}; zeros "
                f"max({out - 1} * {s} + {k_eff} - {size}, 0) = {total}: {before} before, {after} after")
    else:  # causal
        text = f"{name}: in {size}{dilated}, {before} zeros before, out = {_ceil_div(size, s)} = {out}"
    return text, out


def _axis_text(result):
    return result if isinstance(result, str) else result[0]


def _weights_line(layer, input_dim):
    """``kernel (3, 3, 1, 8) + bias (8,) = 80 parameters``, from the layer's Keras shapes."""
    if not layer.built:
        shapes = _unbuilt_weight_shapes(layer, input_dim)
    else:
        shapes = [(w.name, tuple(w.shape)) for w in layer.weights]
    if not shapes:
        return None
    count = sum(int(np.prod(s)) for _, s in shapes)
    return "weights: " + " + ".join(f"{n} {s}" for n, s in shapes) + f" = {count:,} parameters"


def _unbuilt_weight_shapes(layer, input_dim):
    from minikeras.layers.convolutional.base_conv import (
        BaseConvTranspose, BaseDepthwiseConv, BaseSeparableConv,
    )
    from minikeras.layers.core.dense import Dense

    if input_dim is None:
        return []
    if isinstance(layer, Dense):
        shapes = [("kernel", (input_dim, layer.units))]
        units = layer.units
    elif isinstance(layer, BaseSeparableConv):
        shapes = [("depthwise_kernel", layer.kernel_size + (input_dim, layer.depth_multiplier)),
                  ("pointwise_kernel", (1,) * layer.rank + (input_dim * layer.depth_multiplier, layer.filters))]
        units = layer.filters
    elif isinstance(layer, BaseDepthwiseConv):
        shapes = [("depthwise_kernel", layer.kernel_size + (input_dim, layer.depth_multiplier))]
        units = input_dim * layer.depth_multiplier
    elif isinstance(layer, BaseConvTranspose):
        shapes = [("kernel", layer.kernel_size + (layer.filters, input_dim))]
        units = layer.filters
    else:
        shapes = [("kernel", layer.kernel_size + (input_dim, layer.filters))]
        units = layer.filters
    if layer.use_bias:
        shapes.append(("bias", (units,)))
    return shapes


# --- the families --------------------------------------------------------------------------------------
def _conv(layer, input_shape):
    from minikeras.layers.convolutional.base_conv import BaseDepthwiseConv, BaseSeparableConv

    layout, sizes, channels = _layout(layer, input_shape)
    lines = [layout,
             f"kernel {layer.kernel_size}, strides {layer.strides}, dilation {layer.dilation_rate}, "
             f"padding {layer.padding!r}",
             PADDING_RULES[layer.padding]]
    if any(d > 1 for d in layer.dilation_rate):
        lines.append("dilation d spreads the k taps of the kernel d apart: they span "
                     "k_eff = (k - 1) * d + 1 input positions")
    outs = []
    for name, size, k, s, d in zip(_names(layer.rank), sizes, layer.kernel_size, layer.strides,
                                   layer.dilation_rate):
        result = _window_axis(name, size, k, s, d, layer.padding)
        lines.append(_axis_text(result))
        outs.append(None if isinstance(result, str) else result[1])
    out_channels = layer._output_channels(channels)
    if isinstance(layer, BaseSeparableConv):
        lines.append(f"channels: {channels} -> {channels} * {layer.depth_multiplier} (depth_multiplier) "
                     f"= {None if channels is None else channels * layer.depth_multiplier} after the "
                     f"depthwise step, then a 1x1 convolution to {out_channels} (filters)")
    elif isinstance(layer, BaseDepthwiseConv):
        lines.append(f"channels: each of the {channels} input channels gets {layer.depth_multiplier} "
                     f"filter(s) of its own (depth_multiplier): {channels} * "
                     f"{layer.depth_multiplier} = {out_channels}")
    else:
        lines.append(f"channels: {channels} -> {out_channels} (filters)")
    weights = _weights_line(layer, channels)
    if weights:
        lines.append(weights)
    return lines, _with_channels(input_shape, outs, out_channels, layer.data_format)


def _with_channels(input_shape, spatial, channels, data_format):
    shape = conv_utils.with_spatial_shape(input_shape, spatial, data_format)
    shape = list(shape)
    shape[1 if data_format == "channels_first" else -1] = channels
    return tuple(shape)


def _conv_transpose(layer, input_shape):
    layout, sizes, channels = _layout(layer, input_shape)
    op = layer.output_padding
    lines = [layout,
             f"kernel {layer.kernel_size}, strides {layer.strides}, dilation {layer.dilation_rate}, "
             f"padding {layer.padding!r}, output_padding {op}",
             "a transposed convolution is the gradient of a convolution: each input element adds "
             "the kernel, scaled by it, into the output at position in * stride - pad_before"]
    if op is None:
        lines.append("without output_padding: 'valid': out = in * stride + max(k_eff - stride, 0); "
                     "'same': out = in * stride")
    else:
        lines.append("with output_padding: out = (in - 1) * stride + k_eff - 2 * pad + output_padding, "
                     "pad = 0 ('valid') or k_eff // 2 ('same'); output_padding adds rows at the end")
    outs = []
    for i, (name, size) in enumerate(zip(_names(layer.rank), sizes)):
        k, s, d = layer.kernel_size[i], layer.strides[i], layer.dilation_rate[i]
        if size is None:
            lines.append(f"{name}: in unknown (None), out unknown")
            outs.append(None)
            continue
        k_eff = conv_utils.effective_kernel_size(k, d)
        p = None if op is None else op[i]
        out = conv_utils.deconv_output_length(size, k, layer.padding, p, s, d)
        before = conv_utils.deconv_pad_before(size, out, k, layer.padding, s, d)
        if p is None and layer.padding == "valid":
            formula = f"{size} * {s} + max({k_eff} - {s}, 0)"
        elif p is None:
            formula = f"{size} * {s}"
        else:
            pad = 0 if layer.padding == "valid" else k_eff // 2
            formula = f"({size} - 1) * {s} + {k_eff} - 2 * {pad} + {p}"
        lines.append(f"{name}: in {size}, out = {formula} = {out}; the first {before} position(s) of "
                     "the full result are cut off (pad_before)")
        outs.append(out)
    lines.append(f"channels: {channels} -> {layer.filters} (filters)")
    weights = _weights_line(layer, channels)
    if weights:
        lines.append(weights)
    return lines, _with_channels(input_shape, outs, layer.filters, layer.data_format)


def _pooling(layer, input_shape):
    layout, sizes, channels = _layout(layer, input_shape)
    kind = "maximum" if "Max" in type(layer).__name__ else "mean"
    lines = [layout,
             f"pool window {layer.pool_size}, strides {layer.strides}, padding {layer.padding!r}: each "
             f"output is the {kind} of one window, channel by channel",
             PADDING_RULES[layer.padding].replace("k_eff = (k - 1) * dilation + 1", "k_eff = pool size")]
    if layer.padding == "same":
        lines.append("padded positions take no part: a window that overlaps the zeros pools only "
                     "the input it covers")
    outs = []
    for name, size, k, s in zip(_names(layer.rank), sizes, layer.pool_size, layer.strides):
        result = _window_axis(name, size, k, s, 1, layer.padding)
        lines.append(_axis_text(result))
        outs.append(None if isinstance(result, str) else result[1])
    lines.append(f"channels: {channels}, unchanged; no weights")
    return lines, conv_utils.with_spatial_shape(input_shape, outs, layer.data_format)


def _global_pooling(layer, input_shape):
    layout, sizes, channels = _layout(layer, input_shape)
    kind = "maximum" if "Max" in type(layer).__name__ else "mean"
    count = "x".join(str(s) for s in sizes)
    lines = [layout,
             f"the {kind} over all {count} positions of each channel: the spatial axes disappear",
             f"output (batch, channels) = ({input_shape[0]}, {channels}); no weights"]
    return lines, (input_shape[0], channels)


def _cropping(layer, input_shape):
    layout, sizes, channels = _layout(layer, input_shape)
    lines = [layout, f"cropping {layer._pairs} (before, after) per spatial axis"]
    outs = []
    for name, size, (before, after) in zip(_names(layer.rank), sizes, layer._pairs):
        out = None if size is None else size - before - after
        lines.append(f"{name}: in unknown (None), out unknown" if size is None else
                     f"{name}: in {size}, out = {size} - {before} - {after} = {out}")
        outs.append(out)
    lines.append(f"channels: {channels}, unchanged; no weights")
    return lines, conv_utils.with_spatial_shape(input_shape, outs, layer.data_format)


def _zero_padding(layer, input_shape):
    layout, sizes, channels = _layout(layer, input_shape)
    lines = [layout, f"padding {layer._pairs} (before, after) zeros per spatial axis"]
    outs = []
    for name, size, (before, after) in zip(_names(layer.rank), sizes, layer._pairs):
        out = None if size is None else size + before + after
        lines.append(f"{name}: in unknown (None), out unknown" if size is None else
                     f"{name}: in {size}, out = {before} + {size} + {after} = {out}")
        outs.append(out)
    lines.append(f"channels: {channels}, unchanged; no weights")
    return lines, conv_utils.with_spatial_shape(input_shape, outs, layer.data_format)


def _upsampling(layer, input_shape):
    layout, sizes, channels = _layout(layer, input_shape)
    interpolation = getattr(layer, "interpolation", "nearest")
    how = ("each element is repeated size times along the axis (nearest)" if interpolation == "nearest"
           else "each output samples the input at (o + 0.5) / size - 0.5 between its two nearest "
                "inputs (bilinear, half-pixel centres)")
    lines = [layout, f"size {layer._factors}: {how}"]
    outs = []
    for name, size, factor in zip(_names(layer.rank), sizes, layer._factors):
        out = None if size is None else size * factor
        lines.append(f"{name}: in unknown (None), out unknown" if size is None else
                     f"{name}: in {size}, out = {size} * {factor} = {out}")
        outs.append(out)
    lines.append(f"channels: {channels}, unchanged; no weights")
    return lines, conv_utils.with_spatial_shape(input_shape, outs, layer.data_format)


def _dense(layer, input_shape):
    input_dim = input_shape[-1]
    kept = tuple(input_shape[:-1])
    lines = [f"y = activation(x @ kernel + bias) on the last axis: {input_dim} -> {layer.units} (units)"]
    if len(input_shape) > 2:
        lines.append(f"the other axes {kept} are kept: the same kernel is applied at every position "
                     "(put a Flatten first to mix them)")
    weights = _weights_line(layer, input_dim)
    if weights:
        lines.append(weights)
    return lines, kept + (layer.units,)


def _flatten(layer, input_shape):
    sizes = input_shape[1:]
    total = None if any(s is None for s in sizes) else int(np.prod(sizes))
    lines = [f"every sample becomes one row: {' * '.join(str(s) for s in sizes)} = {total}"]
    if layer.data_format == "channels_first":
        lines.append("channels_first: the channels are moved last first, so that the order of the "
                     "numbers matches a channels_last model (Keras 2)")
    lines.append("no weights")
    return lines, (input_shape[0], total)


def _reshape(layer, input_shape):
    output_shape = tuple(layer.compute_output_shape(input_shape))
    sizes = input_shape[1:]
    total = None if any(s is None for s in sizes) else int(np.prod(sizes))
    lines = [f"each sample's {total} numbers, in order, are rearranged to {layer.target_shape}"]
    if -1 in layer.target_shape:
        known = math.prod(s for s in layer.target_shape if s != -1)
        lines.append(f"-1 is inferred: {total} / {known} = {output_shape[1:][layer.target_shape.index(-1)]}")
    lines.append("no weights")
    return lines, output_shape


def _generic(layer, input_shape, output_shape):
    from minikeras.models.functional import Model

    same = output_shape == input_shape
    lines = [f"{type(layer).__name__} computes its output shape itself (compute_output_shape)"
             + (": the shape is unchanged" if same else "")]
    if isinstance(layer, Model):
        lines.append("a model inside the model: its own summary(explain=True) shows each of its layers")
    if getattr(layer, "built", False) and layer.weights:
        lines.append(_weights_line(layer, None))
    return lines, output_shape
