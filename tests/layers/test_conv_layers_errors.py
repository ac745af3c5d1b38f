"""Convolution layers refuse bad arguments and bad inputs with a ValueError that names them.

Every error is raised in Python, before any compiled loop runs: the messages name the
layer (class and name), the argument or input, what was expected and what was received.
"""
import numpy as np
import pytest

from minikeras.layers.convolutional.conv1d import Conv1D
from minikeras.layers.convolutional.conv2d import Conv2D
from minikeras.layers.convolutional.conv2d_transpose import Conv2DTranspose
from minikeras.layers.convolutional.conv3d import Conv3D
from minikeras.layers.convolutional.conv3d_transpose import Conv3DTranspose
from minikeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from minikeras.layers.convolutional.separable_conv1d import SeparableConv1D
from minikeras.layers.convolutional.separable_conv2d import SeparableConv2D

# (class, positional arguments before kernel_size, rank)
CONV_LAYERS = [
    (Conv1D, (2,), 1), (Conv2D, (2,), 2), (Conv3D, (2,), 3),
    (SeparableConv1D, (2,), 1), (SeparableConv2D, (2,), 2), (DepthwiseConv2D, (), 2),
    (Conv2DTranspose, (2,), 2), (Conv3DTranspose, (2,), 3),
]
IDS = [c[0].__name__ for c in CONV_LAYERS]


def make(cls, head, **kwargs):
    kwargs.setdefault("kernel_size", 2)
    return cls(*head, name="c", **kwargs)


# --- arguments, refused at construction --------------------------------------------------------
@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
def test_strides_with_dilation_is_refused(cls, head, rank):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': `strides` > 1 is not compatible "
                                         r"with `dilation_rate` > 1\. Received: strides=\(2"):
        make(cls, head, strides=2, dilation_rate=2)


@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
@pytest.mark.parametrize("argument", ["kernel_size", "strides", "dilation_rate"])
def test_non_positive_sizes_are_refused(cls, head, rank, argument):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': The `{argument}` argument must "
                                         r"hold positive values\. Received: 0"):
        make(cls, head, **{argument: 0})
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': The `{argument}` argument must be "
                                         rf"an int or a tuple of {rank} ints\. Received: \(1, 1, 1, 1\)"):
        make(cls, head, **{argument: (1, 1, 1, 1)})


@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
def test_unknown_padding_and_data_format_are_refused(cls, head, rank):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': The `padding` argument must be one "
                                         r"of 'valid', 'same'.*Received: 'full'"):
        make(cls, head, padding="full")
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': The `data_format` argument must be "
                                         r"one of 'channels_first', 'channels_last'\. Received: 'NHWC'"):
        make(cls, head, data_format="NHWC")


@pytest.mark.parametrize("cls, head, rank", [c for c in CONV_LAYERS if c[0] is not Conv1D],
                         ids=[i for i in IDS if i != "Conv1D"])
def test_causal_padding_is_only_for_conv1d(cls, head, rank):
    with pytest.raises(ValueError, match=r"The `padding` argument must be one of 'valid', 'same'\. "
                                         r"Received: 'causal'"):
        make(cls, head, padding="causal")


def test_causal_conv1d_needs_channels_last():
    with pytest.raises(ValueError, match=r"Conv1D 'c': when using causal padding in `Conv1D`, "
                                         r"`data_format` must be 'channels_last' \(temporal data\)\. "
                                         r"Received: data_format='channels_first'"):
        Conv1D(2, 3, padding="causal", data_format="channels_first", name="c")


@pytest.mark.parametrize("cls", [Conv1D, Conv2D, Conv3D, SeparableConv1D, SeparableConv2D,
                                 Conv2DTranspose, Conv3DTranspose])
@pytest.mark.parametrize("filters", [0, -3, 2.5, "8", True])
def test_filters_must_be_a_positive_integer(cls, filters):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': `filters` must be a positive integer\. "
                                         rf"Received: filters={filters!r}"):
        cls(filters, 3, name="c")


@pytest.mark.parametrize("cls, head", [(SeparableConv1D, (2,)), (SeparableConv2D, (2,)),
                                       (DepthwiseConv2D, ())])
def test_depth_multiplier_must_be_a_positive_integer(cls, head):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': `depth_multiplier` must be a "
                                         r"positive integer\. Received: depth_multiplier=0"):
        make(cls, head, depth_multiplier=0)


def test_unknown_names_of_sub_objects_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"Conv2D 'c': Unknown activation function: 'relux'"):
        Conv2D(2, 3, activation="relux", name="c")
    with pytest.raises(ValueError, match=r"Conv2D 'c': .*glorot_unifrom"):
        Conv2D(2, 3, kernel_initializer="glorot_unifrom", name="c")
    with pytest.raises(ValueError, match=r"SeparableConv2D 'c': Unknown regularizer: 'l3'"):
        SeparableConv2D(2, 3, pointwise_regularizer="l3", name="c")
    with pytest.raises(ValueError, match=r"DepthwiseConv2D 'c': Unknown constraint: 'positive'"):
        DepthwiseConv2D(3, depthwise_constraint="positive", name="c")


@pytest.mark.parametrize("cls, rank", [(Conv2DTranspose, 2), (Conv3DTranspose, 3)])
def test_output_padding_must_be_smaller_than_the_stride(cls, rank):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': each `output_padding` must be smaller "
                                         rf"than the stride along its axis\. Received: strides="
                                         rf"\({', '.join(['2'] * rank)}\), output_padding="
                                         rf"\({', '.join(['2'] * rank)}\)"):
        cls(2, 3, strides=2, output_padding=2, name="c")
    with pytest.raises(ValueError, match=r"each `output_padding` must be smaller than the stride"):
        cls(2, 3, output_padding=1, name="c")  # the default stride is 1
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': The `output_padding` argument must "
                                         r"hold non-negative values\. Received: -1"):
        cls(2, 3, strides=2, output_padding=-1, name="c")


# --- inputs, refused when called (before any kernel runs) ----------------------------------------
# (class, kwargs, a good input shape, a too-small input shape and the message about it)
SMALL_INPUTS = [
    (Conv1D, dict(filters=2, kernel_size=4), (1, 5, 2), (1, 3, 2),
     r"Conv1D 'c': the kernel \(4,\) is larger than the padded input \(3,\) \(padding='valid'\)\. "
     r"Input shape received: \(1, 3, 2\)"),
    (Conv2D, dict(filters=2, kernel_size=5), (1, 5, 5, 1), (1, 3, 6, 1),
     r"Conv2D 'c': the kernel \(5, 5\) is larger than the padded input \(3, 6\)"),
    (Conv2D, dict(filters=2, kernel_size=3, dilation_rate=2, data_format="channels_first"),
     (1, 1, 5, 5), (1, 1, 5, 4),
     r"Conv2D 'c': the kernel \(3, 3\) \(dilated to \(5, 5\)\) is larger than the padded input \(5, 4\)"),
    (Conv3D, dict(filters=2, kernel_size=(1, 2, 3)), (1, 1, 2, 3, 1), (1, 1, 2, 2, 1),
     r"Conv3D 'c': the kernel \(1, 2, 3\) is larger than the padded input \(1, 2, 2\)"),
    (SeparableConv1D, dict(filters=2, kernel_size=3), (1, 3, 1), (1, 2, 1),
     r"SeparableConv1D 'c': the kernel \(3,\) is larger than the padded input \(2,\)"),
    (SeparableConv2D, dict(filters=2, kernel_size=3), (1, 3, 3, 1), (1, 2, 3, 1),
     r"SeparableConv2D 'c': the kernel \(3, 3\) is larger than the padded input \(2, 3\)"),
    (DepthwiseConv2D, dict(kernel_size=(2, 4)), (1, 2, 4, 1), (1, 2, 3, 1),
     r"DepthwiseConv2D 'c': the kernel \(2, 4\) is larger than the padded input \(2, 3\)"),
    (Conv2DTranspose, dict(filters=1, kernel_size=2, padding="same", output_padding=0), (1, 2, 2, 1),
     (1, 1, 2, 1),
     r"Conv2DTranspose 'c': the output would be empty: spatial output size \(0, 1\) for an input of "
     r"shape \(1, 1, 2, 1\)"),
    (Conv3DTranspose, dict(filters=1, kernel_size=2, padding="same", output_padding=0),
     (1, 2, 2, 2, 1), (1, 2, 1, 2, 1),
     r"Conv3DTranspose 'c': the output would be empty: spatial output size \(1, 0, 1\)"),
]
SMALL_IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(SMALL_INPUTS)]


@pytest.mark.parametrize("cls, kwargs, good, small, message", SMALL_INPUTS, ids=SMALL_IDS)
def test_a_kernel_larger_than_the_padded_input_is_refused(cls, kwargs, good, small, message):
    layer = cls(name="c", **kwargs)
    with pytest.raises(ValueError, match=message):
        layer.compute_output_shape(small)
    with pytest.raises(ValueError, match=message):
        layer(np.ones(small))  # refused before building, too
    assert not layer.built
    layer(np.ones(good))
    with pytest.raises(ValueError, match=message):
        layer(np.ones(small))


def test_same_and_causal_padding_accept_a_kernel_larger_than_the_input():
    assert Conv2D(2, 5, padding="same")(np.ones((1, 3, 3, 1))).shape == (1, 3, 3, 2)
    assert Conv1D(2, 5, padding="causal")(np.ones((1, 2, 1))).shape == (1, 2, 2)
    assert Conv2DTranspose(1, 7)(np.ones((1, 1, 1, 1))).shape == (1, 7, 7, 1)


@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
def test_wrong_rank_is_refused(cls, head, rank):
    layer = make(cls, head)
    wrong = (1,) * (rank + 1) + (2,)
    with pytest.raises(ValueError, match=rf"Layer 'c' is incompatible with the layer: expected "
                                         rf"ndim={rank + 2}, found ndim={rank + 3}"):
        layer(np.ones(wrong + (1,)))
    with pytest.raises(ValueError, match=rf"expected ndim={rank + 2}, found ndim={rank + 1}"):
        layer.compute_output_shape((1,) * rank + (2,))


@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_wrong_channel_count_after_build_is_refused(cls, head, rank, data_format):
    layer = make(cls, head, data_format=data_format)
    spatial = (3,) * rank
    first = (1, 2) + spatial if data_format == "channels_first" else (1,) + spatial + (2,)
    second = (1, 5) + spatial if data_format == "channels_first" else (1,) + spatial + (5,)
    axis = 1 if data_format == "channels_first" else -1
    layer(np.ones(first))
    with pytest.raises(ValueError, match=rf"Layer 'c' is incompatible with the layer: expected axis "
                                         rf"{axis} of the input to have value 2, but received input "
                                         rf"with shape \(1, [35], "):
        layer(np.ones(second))


@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
def test_empty_spatial_or_channel_axes_are_refused(cls, head, rank):
    layer = make(cls, head, padding="same")
    for shape in [(1, 0) + (3,) * (rank - 1) + (2,), (1,) + (3,) * rank + (0,)]:
        with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': expected an input whose sizes "
                                             rf"\(other than the batch\) are all positive, but "
                                             rf"received an input of shape \(1, "):
            layer(np.ones(shape))
    assert not layer.built


def test_an_unknown_channel_count_cannot_build():
    with pytest.raises(ValueError, match=r"Conv2D 'c': the channel dimension of the inputs \(axis -1\) "
                                         r"should be defined\. Found None\. Full input shape received: "
                                         r"\(None, 5, 5, None\)"):
        Conv2D(2, 3, name="c").build((None, 5, 5, None))


@pytest.mark.parametrize("cls, head, rank", CONV_LAYERS, ids=IDS)
def test_set_weights_with_wrong_shapes_is_refused(cls, head, rank):
    layer = make(cls, head)
    layer.build((1,) + (3,) * rank + (2,))
    weights = layer.get_weights()
    wrong = [np.zeros(w.shape + (1,)) for w in weights]
    first = layer.weights[0]
    with pytest.raises(ValueError, match=rf"Layer 'c': weight '{first.name}' expected shape "
                                         rf"{re_tuple(first.shape)}, but received an array of shape"):
        layer.set_weights(wrong)
    with pytest.raises(ValueError, match=rf"Layer 'c': set_weights expected a list of {len(weights)} "
                                         rf"arrays"):
        layer.set_weights(weights[:-1])
    np.testing.assert_array_equal(layer.get_weights()[0], weights[0])  # nothing half-set


def re_tuple(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")
