"""The shared base of LocallyConnected1D/2D: a convolution whose weights are not shared.

A convolution slides one kernel over the input. A locally connected layer has a separate
kernel for every output position ``p`` (Keras 2's ``K.local_conv1d/2d``)::

    patch_p   = the input window of position p, flattened       (batch, K)
    out[:, p] = patch_p @ kernel[p]  (+ bias)                    kernel (L, K, filters)

with ``L`` the number of output positions and ``K = prod(kernel_size) * channels``. The
window is flattened in the input's layout: ``(kh, kw, channels)`` for channels_last,
``(channels, kh, kw)`` for channels_first, as Keras 2 does, so that its weights load as
they are. The patches are gathered with one fancy index (whose gradient is a
scatter-add), the L products run as one batched matmul.
"""
import numpy as np

from minikeras import activations, constraints, initializers, ops, regularizers
from minikeras.layers.base_layer import InputSpec, Layer, layer_label, naming_errors
from minikeras.utils import conv_utils

__all__ = ["BaseLocallyConnected"]


class BaseLocallyConnected(Layer):
    """``activation(local_conv(inputs, kernel) + bias)`` for ``rank`` 1 or 2 spatial axes.

    See ``LocallyConnected1D`` and ``LocallyConnected2D`` for the arguments.
    """

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"{layer_label(self)}: `filters` must be a positive integer, received filters={filters!r}.")
        if implementation != 1:
            raise NotImplementedError(
                f"{layer_label(self)}: implementation={implementation!r} is not supported; "
                "minikeras has implementation 1 (Keras 2.2.4's only one)."
            )
        with naming_errors(self):
            self.kernel_size = conv_utils.normalize_tuple(kernel_size, self.rank, "kernel_size")
            self.strides = conv_utils.normalize_tuple(strides, self.rank, "strides")
            padding = padding.lower() if isinstance(padding, str) else padding
            if padding != "valid":
                raise ValueError(
                    f"Invalid border mode for {name} (only \"valid\" is supported): received padding={padding!r}."
                )
            self.padding = padding
            self.data_format = conv_utils.normalize_data_format(data_format)
            self.activation = activations.get(activation)
            self.kernel_initializer = initializers.get(kernel_initializer)
            self.bias_initializer = initializers.get(bias_initializer)
            self.kernel_regularizer = regularizers.get(kernel_regularizer)
            self.bias_regularizer = regularizers.get(bias_regularizer)
            self.kernel_constraint = constraints.get(kernel_constraint)
            self.bias_constraint = constraints.get(bias_constraint)
        self.filters = int(filters)
        self.use_bias = bool(use_bias)
        self.implementation = 1
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.kernel = self.bias = None

    # --- shapes ---------------------------------------------------------------------------------
    def _split(self, input_shape):
        """``(spatial sizes, channels)`` of an input shape, checked."""
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{layer_label(self)}: expected an input of rank {self.rank + 2}, received shape {input_shape}."
            )
        if self.data_format == "channels_first":
            channels, spatial = input_shape[1], input_shape[2:]
        else:
            channels, spatial = input_shape[-1], input_shape[1:-1]
        return tuple(spatial), channels

    def _output_spatial(self, input_shape):
        spatial, _ = self._split(input_shape)
        for size, k in zip(spatial, self.kernel_size):
            if size is not None and size < k:
                raise ValueError(
                    f"{layer_label(self)}: the kernel {self.kernel_size} is larger than the input's "
                    f"spatial size {spatial} (padding='valid'). Input shape received: {tuple(input_shape)}."
                )
        return tuple(conv_utils.conv_output_length(size, k, "valid", s)
                     for size, k, s in zip(spatial, self.kernel_size, self.strides))

    def build(self, input_shape):
        spatial, channels = self._split(input_shape)
        output = self._output_spatial(input_shape)
        if channels is None or any(n is None for n in spatial):
            raise ValueError(
                f"{layer_label(self)}: the spatial sizes and the channel axis of the input should be "
                f"fully defined (a separate kernel per output position), received shape {tuple(input_shape)}."
            )
        positions = int(np.prod(output))
        self.kernel = self.add_weight(
            "kernel", (positions, int(np.prod(self.kernel_size)) * channels, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", output + (self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        axis = 1 if self.data_format == "channels_first" else self.rank + 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels, **{
            a: n for a, n in zip(self._spatial_axes(), spatial)}})
        self.built = True

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self.rank))

    def compute_output_shape(self, input_shape):
        output = self._output_spatial(input_shape)
        batch = tuple(input_shape)[0]
        if self.data_format == "channels_first":
            return (batch, self.filters) + output
        return (batch,) + output + (self.filters,)

    # --- the computation ---------------------------------------------------------------------------
    def _patches(self, inputs, output):
        """``(batch, L, K)``: the flattened window of every output position."""
        # starts[a][o] + offsets[a][k]: the input index along spatial axis a of window element k.
        grids = [np.arange(o)[:, None] * s + np.arange(k)[None, :]
                 for o, s, k in zip(output, self.strides, self.kernel_size)]
        if self.rank == 1:
            index = (grids[0],)                                       # (OL, KL)
        else:
            rows = grids[0][:, None, :, None]                         # (OR, 1, KH, 1)
            cols = grids[1][None, :, None, :]                         # (1, OC, 1, KW)
            index = (rows, cols)                                      # -> (OR, OC, KH, KW)
        batch, positions = inputs.shape[0], int(np.prod(output))
        if self.data_format == "channels_first":
            # x[:, :, index] -> (batch, C, *output, *kernel) -> (batch, *output, C, *kernel)
            gathered = ops.getitem(inputs, (slice(None), slice(None)) + index)
            r = self.rank
            perm = (0,) + tuple(range(2, 2 + r)) + (1,) + tuple(range(2 + r, 2 + 2 * r))
            gathered = ops.transpose(gathered, perm)
        else:
            # x[:, index, :] -> (batch, *output, *kernel, C)
            gathered = ops.getitem(inputs, (slice(None),) + index + (slice(None),))
        return ops.reshape(gathered, (batch, positions, -1))

    def call(self, inputs):
        output = self._output_spatial(inputs.shape)
        patches = self._patches(inputs, output)                              # (batch, L, K)
        products = ops.matmul(ops.transpose(patches, (1, 0, 2)), self.kernel)  # (L, batch, F)
        outputs = ops.transpose(products, (1, 0, 2))                          # (batch, L, F)
        outputs = ops.reshape(outputs, (inputs.shape[0],) + output + (self.filters,))
        if self.use_bias:
            if self.data_format == "channels_first" and self.rank == 2:
                # Keras 2.2.4's K.bias_add reshapes (not transposes) the (OR, OC, F) bias
                # to (F, OR, OC) for channels_first; kept, so that its weights give its numbers.
                outputs = self._to_channels_first(outputs) + ops.reshape(self.bias, (self.filters,) + output)
                return self.activation(outputs)
            outputs = outputs + self.bias
        if self.data_format == "channels_first":
            outputs = self._to_channels_first(outputs)
        return self.activation(outputs)

    def _to_channels_first(self, outputs):
        return ops.transpose(outputs, (0, self.rank + 1) + tuple(range(1, self.rank + 1)))

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "implementation": self.implementation,
        }
        return {**super().get_config(), **config}
