"""The shared base of every convolution layer, and the checks that conv-like layers share.

A convolution layer is a small recipe on top of one operation:

    outputs = activation(conv(inputs, kernel) + bias)

``BaseConv`` writes that recipe once: it normalises and checks the arguments (the shape
arithmetic itself lives in ``minikeras/utils/conv_utils.py``), creates the weights with
Keras' names and shapes, adds the bias along the channel axis, applies the activation,
computes the output shape and serialises the configuration. The layers differ in very
little, so each overrides one or two small hooks:

* ``Conv1D/2D/3D``: ``BaseConv`` itself; kernel ``(*kernel_size, C_in, filters)``, ``ops.conv``;
* ``Conv2DTranspose/3DTranspose`` (``BaseConvTranspose``): kernel
  ``(*kernel_size, filters, C_in)``, ``ops.conv_transpose``, the transposed output length;
* ``DepthwiseConv2D`` (``BaseDepthwiseConv``): one depthwise kernel
  ``(*kernel_size, C_in, depth_multiplier)``, ``ops.depthwise_conv``,
  ``C_in * depth_multiplier`` output channels;
* ``SeparableConv1D/2D`` (``BaseSeparableConv``, a ``BaseDepthwiseConv``): the depthwise
  step, then a pointwise kernel and a 1x1 ``ops.conv``.

The helpers at the top (``naming_errors``, ``check_positive_sizes``, ``check_window_fits``,
...) are also used by the pooling, padding, cropping and upsampling layers, so that every
conv-like layer words its errors the same way: the layer, what it expected, what it got.
"""
import numpy as np

from minikeras import activations, constraints, initializers, regularizers
from minikeras import backend as K
from minikeras.layers.base_layer import InputSpec, Layer, layer_label, naming_errors
from minikeras.ops.conv import conv, conv_transpose
from minikeras.ops.depthwise_conv import depthwise_conv
from minikeras.utils import conv_utils

__all__ = [
    "BaseConv", "BaseConvTranspose", "BaseDepthwiseConv", "BaseSeparableConv",
    "layer_label", "naming_errors", "positive_int", "spatial_axes", "channel_axis",
    "with_spatial", "check_positive_sizes", "check_window_fits",
]


# --- helpers shared by the conv-like layers --------------------------------------------------
# ``layer_label`` and ``naming_errors`` live in ``base_layer.py`` (every layer words its errors
# that way); they are re-exported here for the conv-like layers that import them from this module.


def positive_int(layer, value, name):
    """``value`` as an int, or a ``ValueError`` when it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"{layer_label(layer)}: `{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def spatial_axes(rank, data_format):
    """The axes of the ``rank`` spatial dimensions of a batch in ``data_format``."""
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


def channel_axis(data_format):
    """The channel axis: 1 for ``channels_first``, -1 (the last) for ``channels_last``."""
    return 1 if data_format == "channels_first" else -1


def with_spatial(input_shape, data_format, spatial, channels=None):
    """``input_shape`` with its spatial sizes replaced (and its channel count, if given)."""
    shape = list(input_shape)
    for axis, size in zip(spatial_axes(len(spatial), data_format), spatial):
        shape[axis] = size
    if channels is not None:
        shape[channel_axis(data_format)] = channels
    return tuple(shape)


def check_positive_sizes(layer, input_shape):
    """Every known non-batch size of the input must be positive (a batch may be empty)."""
    if any(size is not None and size <= 0 for size in tuple(input_shape)[1:]):
        raise ValueError(
            f"{layer_label(layer)}: expected an input whose sizes (other than the batch) are all "
            f"positive, but received an input of shape {tuple(input_shape)}."
        )


def check_window_fits(layer, what, input_shape, spatial, window, strides, padding, dilation=None):
    """Raise unless the (dilated) window fits in the padded input along every known axis.

    ``spatial`` are the input's spatial sizes (``None`` when unknown). The padding added
    by ``padding`` comes from ``conv_utils.conv_padding_amounts``, so ``same`` and
    ``causal`` always fit and only ``valid`` can fail.
    """
    dilation = dilation or (1,) * len(window)
    padded, too_small = [], False
    for size, k, s, d in zip(spatial, window, strides, dilation):
        if size is None:
            padded.append(None)
            continue
        before, after = conv_utils.conv_padding_amounts(size, k, padding, s, d)
        padded.append(size + before + after)
        too_small |= padded[-1] < conv_utils.effective_kernel_size(k, d)
    if too_small:
        spans = tuple(conv_utils.effective_kernel_size(k, d) for k, d in zip(window, dilation))
        dilated = f" (dilated to {spans})" if spans != tuple(window) else ""
        raise ValueError(
            f"{layer_label(layer)}: the {what} {tuple(window)}{dilated} is larger than the padded "
            f"input {tuple(padded)} (padding={padding!r}). "
            f"Input shape received: {tuple(input_shape)}."
        )


# --- the convolution layers' base -------------------------------------------------------------
class BaseConv(Layer):
    """Abstract N-D convolution layer: ``activation(conv(inputs, kernel) + bias)``.

    Subclasses fix ``rank`` (1, 2 or 3) and may override the hooks ``_build_kernels``,
    ``_convolve``, ``_output_length``, ``_output_channels`` and ``_check_spatial``.

    Args:
        rank: the number of spatial dimensions.
        filters: the number of output channels (``None`` for ``DepthwiseConv2D``).
        kernel_size: an int or a tuple of ``rank`` ints: the size of the window.
        strides: an int or a tuple of ``rank`` ints: the step of the window.
        padding: ``'valid'`` (no padding), ``'same'`` (the output is ``ceil(size / stride)``
            long, TensorFlow's split of the zeros) or, for ``Conv1D``, ``'causal'``;
            case-insensitive.
        data_format: ``'channels_last'`` (``(batch, *spatial, channels)``) or
            ``'channels_first'`` (``(batch, channels, *spatial)``); ``None`` means
            ``K.image_data_format()``.
        dilation_rate: an int or a tuple of ``rank`` ints: the spacing of the kernel's
            taps. Strides and dilation cannot both differ from 1.
        activation: an activation name or callable; ``None`` means linear.
        use_bias: whether to add a bias of one value per output channel.
        kernel_initializer, bias_initializer: initializers (name, dict or instance).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties, added to
            ``layer.losses``.
        kernel_constraint, bias_constraint: projections applied by the optimizer after
            each update.

    Raises:
        ValueError: at construction, for an unknown ``padding`` / ``data_format`` /
            activation / initializer name, non-positive sizes, or strides and dilation both
            above 1; when called, for a wrong rank or channel count, or a kernel larger
            than the padded input.
    """

    allowed_padding = ("valid", "same")
    takes_filters = True  # False for DepthwiseConv2D, whose output channels follow the input's

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = positive_int(self, filters, "filters") if self.takes_filters else None
        with naming_errors(self):
            self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size")
            self.strides = conv_utils.normalize_tuple(strides, rank, "strides")
            self.padding = conv_utils.normalize_padding(padding, self.allowed_padding)
            self.data_format = conv_utils.normalize_data_format(data_format)
            self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate")
            self.activation = activations.get(activation)
            self.kernel_initializer = initializers.get(kernel_initializer)
            self.bias_initializer = initializers.get(bias_initializer)
            self.kernel_regularizer = regularizers.get(kernel_regularizer)
            self.bias_regularizer = regularizers.get(bias_regularizer)
            self.kernel_constraint = constraints.get(kernel_constraint)
            self.bias_constraint = constraints.get(bias_constraint)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{layer_label(self)}: `strides` > 1 is not compatible with `dilation_rate` > 1. "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}."
            )
        self.use_bias = bool(use_bias)
        self.input_spec = InputSpec(ndim=rank + 2)

    # --- weights -------------------------------------------------------------------------------
    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        axis = channel_axis(self.data_format)
        input_dim = input_shape[axis]
        if input_dim is None:
            raise ValueError(
                f"{layer_label(self)}: the channel dimension of the inputs (axis {axis}) should be "
                f"defined. Found None. Full input shape received: {input_shape}."
            )
        self._check_spatial(input_shape)
        self._build_kernels(int(input_dim))
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self._output_channels(int(input_dim)),), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: int(input_dim)})
        self.built = True

    def _build_kernels(self, input_dim):
        """Create the kernel(s); here one kernel of shape ``(*kernel_size, C_in, filters)``."""
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (input_dim, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    # --- the computation ---------------------------------------------------------------------
    def call(self, inputs):
        self._check_spatial(inputs.shape)
        fused = self._fused_activation()
        if fused is not None:
            # The same numbers in one operation: bias and ReLU applied to each chunk of the
            # convolution's output as it is computed (see ops.conv).
            return conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                        dilation_rate=self.dilation_rate, data_format=self.data_format,
                        bias=self.bias, activation=fused)
        outputs = self._convolve(inputs)
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        return self.activation(outputs)  # `activation=None` is `linear`, the identity

    def _fused_activation(self):
        """'relu' or 'linear' when ``ops.conv`` can do this layer's whole call, else None."""
        if type(self)._convolve is not BaseConv._convolve:  # transposed, depthwise, separable
            return None
        if self.activation is activations.relu:
            return "relu"
        if self.activation is activations.linear and self.use_bias:
            return "linear"
        return None

    def _convolve(self, inputs):
        return conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                    dilation_rate=self.dilation_rate, data_format=self.data_format)

    def _check_spatial(self, input_shape):
        """Before any kernel runs: positive sizes, and the kernel fits in the padded input."""
        check_positive_sizes(self, input_shape)
        spatial = [input_shape[a] for a in spatial_axes(self.rank, self.data_format)]
        check_window_fits(self, "kernel", input_shape, spatial, self.kernel_size, self.strides,
                          self.padding, self.dilation_rate)

    # --- shapes --------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self.input_spec.check(self.name, input_shape)
        self._check_spatial(input_shape)
        axes = spatial_axes(self.rank, self.data_format)
        spatial = tuple(self._output_length(input_shape[a], i) for i, a in enumerate(axes))
        channels = self._output_channels(input_shape[channel_axis(self.data_format)])
        return with_spatial(input_shape, self.data_format, spatial, channels)

    def _output_length(self, length, i):
        """The output size along spatial axis ``i`` (``None`` stays ``None``)."""
        return conv_utils.conv_output_length(
            length, self.kernel_size[i], self.padding, self.strides[i], self.dilation_rate[i])

    def _output_channels(self, input_dim):
        return self.filters

    # --- configuration -------------------------------------------------------------------------
    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


# --- transposed convolutions ------------------------------------------------------------------
class BaseConvTranspose(BaseConv):
    """Abstract transposed convolution: the gradient of a convolution, used to upsample.

    The kernel has shape ``(*kernel_size, filters, C_in)`` (Keras' layout). Each output
    length is ``conv_utils.deconv_output_length``: ``size * stride`` for ``same``,
    ``size * stride + max(k_eff - stride, 0)`` for ``valid``, and with ``output_padding``
    ``(size - 1) * stride + k_eff - 2 * pad + output_padding``.

    Args:
        output_padding: ``None`` (infer the size) or an int / tuple of ``rank`` ints, each
            smaller than the matching stride: extra rows added at the end of the output.
        (the other arguments as in ``BaseConv``)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        if output_padding is not None:
            with naming_errors(self):
                output_padding = conv_utils.normalize_tuple(
                    output_padding, rank, "output_padding", allow_zero=True)
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise ValueError(
                    f"{layer_label(self)}: each `output_padding` must be smaller than the stride "
                    f"along its axis. Received: strides={self.strides}, "
                    f"output_padding={output_padding}."
                )
        self.output_padding = output_padding

    def _build_kernels(self, input_dim):
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (self.filters, input_dim),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    def _convolve(self, inputs):
        return conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                              output_padding=self.output_padding, dilation_rate=self.dilation_rate,
                              data_format=self.data_format)

    def _output_length(self, length, i):
        output_padding = None if self.output_padding is None else self.output_padding[i]
        return conv_utils.deconv_output_length(
            length, self.kernel_size[i], self.padding, output_padding, self.strides[i],
            self.dilation_rate[i])

    def _check_spatial(self, input_shape):
        """Any kernel fits a transposed convolution; but the output must not be empty."""
        check_positive_sizes(self, input_shape)
        axes = spatial_axes(self.rank, self.data_format)
        spatial = tuple(self._output_length(input_shape[a], i) for i, a in enumerate(axes))
        if any(size is not None and size <= 0 for size in spatial):
            raise ValueError(
                f"{layer_label(self)}: the output would be empty: spatial output size {spatial} "
                f"for an input of shape {tuple(input_shape)} (kernel_size={self.kernel_size}, "
                f"padding={self.padding!r}, output_padding={self.output_padding})."
            )

    def get_config(self):
        return {**super().get_config(), "output_padding": self.output_padding}


# --- depthwise and depthwise separable convolutions ----------------------------------------------
class BaseDepthwiseConv(BaseConv):
    """Abstract depthwise convolution: each input channel filtered on its own, no mixing.

    Each input channel gets ``depth_multiplier`` kernels of its own (``depthwise_kernel``:
    ``(*kernel_size, C_in, depth_multiplier)``), giving ``C_in * depth_multiplier``
    channels. ``DepthwiseConv2D`` is this step alone; ``BaseSeparableConv`` follows it with
    a 1x1 convolution.

    Args:
        depth_multiplier: the number of depthwise output channels per input channel.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: as the
            ``kernel_*`` arguments of ``BaseConv``, for the depthwise kernel.
        (the other arguments as in ``BaseConv``)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = positive_int(self, depth_multiplier, "depth_multiplier")
        with naming_errors(self):
            self.depthwise_initializer = initializers.get(depthwise_initializer)
            self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
            self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _build_kernels(self, input_dim):
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )

    def _convolve(self, inputs):
        return depthwise_conv(inputs, self.depthwise_kernel, strides=self.strides,
                              padding=self.padding, dilation_rate=self.dilation_rate,
                              data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            del config[key]
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        })
        return config


class BaseSeparableConv(BaseDepthwiseConv):
    """Abstract depthwise separable convolution: a depthwise step, then a 1x1 convolution.

    The depthwise step (``BaseDepthwiseConv``) filters each input channel on its own with
    ``depth_multiplier`` kernels, giving ``C_in * depth_multiplier`` channels; the
    pointwise step mixes them into ``filters`` channels (``pointwise_kernel``:
    ``(1, ..., 1, C_in * depth_multiplier, filters)``). Strides, padding and dilation
    belong to the depthwise step. Far fewer weights than a full convolution:
    ``k*k*C_in*dm + C_in*dm*filters`` instead of ``k*k*C_in*filters``.

    Args:
        pointwise_initializer, pointwise_regularizer, pointwise_constraint: as the
            ``kernel_*`` arguments of ``BaseConv``, for the pointwise kernel.
        (the other arguments as in ``BaseDepthwiseConv``)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)
        with naming_errors(self):
            self.pointwise_initializer = initializers.get(pointwise_initializer)
            self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
            self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _build_kernels(self, input_dim):
        super()._build_kernels(input_dim)  # the depthwise kernel
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            (1,) * self.rank + (input_dim * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )

    def _convolve(self, inputs):
        per_channel = super()._convolve(inputs)  # the depthwise step
        return conv(per_channel, self.pointwise_kernel, data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config
