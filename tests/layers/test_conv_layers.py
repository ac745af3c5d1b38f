"""Convolution layers: shapes, weights, gradients, configs, and agreement with Keras.

The Keras numbers come from ``tests/fixtures/make_conv_layer_fixtures.py`` (run once with
Keras 3 + JAX, float64); this file also checks the padding, cropping, upsampling and
pooling fixtures, so that every conv-like layer's agreement with Keras is tested here.
"""
import doctest
import json
import os

import numpy as np
import pytest

from minikeras import backend as K
from minikeras import regularizers
from minikeras.layers import convolutional, pooling
from minikeras.layers.convolutional import (
    base_conv, conv1d, conv2d, conv2d_transpose, conv3d, conv3d_transpose, cropping,
    depthwise_conv2d, separable_conv1d, separable_conv2d, upsampling, zero_padding,
)
from minikeras.layers.convolutional.conv1d import Conv1D
from minikeras.layers.convolutional.conv2d import Conv2D
from minikeras.layers.convolutional.conv2d_transpose import Conv2DTranspose
from minikeras.layers.convolutional.conv3d import Conv3D
from minikeras.layers.convolutional.conv3d_transpose import Conv3DTranspose
from minikeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from minikeras.layers.convolutional.separable_conv1d import SeparableConv1D
from minikeras.layers.convolutional.separable_conv2d import SeparableConv2D
from minikeras.layers.pooling import average_pooling, base_pooling, global_pooling, max_pooling
from minikeras.tape import GradientTape
from minikeras.utils.layer_test import layer_test

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
CF = {"data_format": "channels_first"}


# --- every conv layer through the harness: shapes, weights, config, gradients, a training step
# (layer class, kwargs, input shape, expected output shape, expected weight shapes)
HARNESS_CASES = [
    (Conv1D, dict(filters=2, kernel_size=3), (2, 5, 2), (None, 3, 2), [(3, 2, 2), (2,)]),
    (Conv1D, dict(filters=2, kernel_size=2, strides=2, padding="same"), (1, 5, 2), (None, 3, 2), None),
    (Conv1D, dict(filters=2, kernel_size=2, padding="causal", dilation_rate=2), (1, 5, 2), (None, 5, 2), None),
    (Conv1D, dict(filters=3, kernel_size=2, **CF), (1, 2, 4), (None, 3, 3), [(2, 2, 3), (3,)]),
    (Conv2D, dict(filters=2, kernel_size=(3, 2), activation="tanh"), (1, 4, 3, 2), (None, 2, 2, 2), [(3, 2, 2, 2), (2,)]),
    (Conv2D, dict(filters=2, kernel_size=3, strides=2, padding="same"), (1, 5, 4, 2), (None, 3, 2, 2), None),
    (Conv2D, dict(filters=2, kernel_size=2, dilation_rate=2, padding="same"), (1, 4, 4, 1), (None, 4, 4, 2), None),
    (Conv2D, dict(filters=3, kernel_size=2, strides=(1, 2), **CF), (1, 2, 3, 4), (None, 3, 2, 2), [(2, 2, 2, 3), (3,)]),
    (Conv2D, dict(filters=2, kernel_size=2, use_bias=False), (1, 3, 3, 2), (None, 2, 2, 2), [(2, 2, 2, 2)]),
    (Conv3D, dict(filters=2, kernel_size=2), (1, 3, 3, 2, 1), (None, 2, 2, 1, 2), [(2, 2, 2, 1, 2), (2,)]),
    (Conv3D, dict(filters=2, kernel_size=(1, 2, 2), strides=2, padding="same", **CF), (1, 2, 3, 3, 2), (None, 2, 2, 2, 1), None),
    (Conv3D, dict(filters=1, kernel_size=2, dilation_rate=(1, 2, 1)), (1, 2, 3, 2, 1), (None, 1, 1, 1, 1), None),
    (SeparableConv1D, dict(filters=2, kernel_size=2, depth_multiplier=2), (1, 4, 2), (None, 3, 2), [(2, 2, 2), (1, 4, 2), (2,)]),
    (SeparableConv1D, dict(filters=2, kernel_size=3, strides=2, padding="same", **CF), (1, 2, 5), (None, 2, 3), None),
    (SeparableConv1D, dict(filters=1, kernel_size=2, dilation_rate=2), (1, 5, 2), (None, 3, 1), None),
    (SeparableConv2D, dict(filters=2, kernel_size=2, depth_multiplier=2), (1, 3, 3, 2), (None, 2, 2, 2), [(2, 2, 2, 2), (1, 1, 4, 2), (2,)]),
    (SeparableConv2D, dict(filters=2, kernel_size=2, strides=2, padding="same", **CF), (1, 2, 3, 3), (None, 2, 2, 2), None),
    (SeparableConv2D, dict(filters=1, kernel_size=2, dilation_rate=2, padding="same"), (1, 3, 3, 1), (None, 3, 3, 1), None),
    (DepthwiseConv2D, dict(kernel_size=2, depth_multiplier=2), (1, 3, 3, 2), (None, 2, 2, 4), [(2, 2, 2, 2), (4,)]),
    (DepthwiseConv2D, dict(kernel_size=(2, 3), strides=2, padding="same", **CF), (1, 2, 3, 3), (None, 2, 2, 2), [(2, 3, 2, 1), (2,)]),
    (DepthwiseConv2D, dict(kernel_size=2, dilation_rate=2, depth_multiplier=1), (1, 4, 3, 1), (None, 2, 1, 1), None),
    (Conv2DTranspose, dict(filters=2, kernel_size=2), (1, 2, 3, 2), (None, 3, 4, 2), [(2, 2, 2, 2), (2,)]),
    (Conv2DTranspose, dict(filters=1, kernel_size=3, strides=2, padding="same"), (1, 2, 2, 2), (None, 4, 4, 1), [(3, 3, 1, 2), (1,)]),
    (Conv2DTranspose, dict(filters=1, kernel_size=2, strides=(2, 3), output_padding=(1, 2)), (1, 2, 2, 1), (None, 5, 7, 1), None),
    (Conv2DTranspose, dict(filters=2, kernel_size=2, dilation_rate=2, **CF), (1, 1, 2, 2), (None, 2, 4, 4), [(2, 2, 2, 1), (2,)]),
    (Conv3DTranspose, dict(filters=1, kernel_size=2, strides=2), (1, 1, 2, 1, 2), (None, 2, 4, 2, 1), [(2, 2, 2, 1, 2), (1,)]),
    (Conv3DTranspose, dict(filters=2, kernel_size=3, strides=2, padding="same", output_padding=1, **CF), (1, 1, 1, 2, 1), (None, 2, 2, 4, 2), None),
    (Conv3DTranspose, dict(filters=1, kernel_size=2, dilation_rate=2), (1, 1, 2, 1, 1), (None, 3, 4, 3, 1), None),
]


@pytest.mark.parametrize(
    "layer_cls, kwargs, input_shape, output_shape, weight_shapes", HARNESS_CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(HARNESS_CASES)],
)
def test_layer_harness(layer_cls, kwargs, input_shape, output_shape, weight_shapes):
    layer_test(layer_cls, kwargs, input_shape=input_shape, expected_output_shape=output_shape,
               expected_weight_shapes=weight_shapes)


def test_regularizers_and_constraints_go_through_the_harness():
    penalties = dict(kernel_regularizer="l2", bias_regularizer=regularizers.l1(0.1),
                     activity_regularizer="l1", kernel_constraint="max_norm", bias_constraint="non_neg")
    layer_test(Conv2D, dict(filters=2, kernel_size=2, **penalties), input_shape=(1, 3, 3, 1),
               expected_num_losses=3)
    separable = dict(depthwise_regularizer="l2", pointwise_regularizer="l1", bias_regularizer="l2",
                     depthwise_constraint="unit_norm", pointwise_constraint="max_norm")
    layer_test(SeparableConv2D, dict(filters=2, kernel_size=2, **separable), input_shape=(1, 3, 3, 2),
               expected_num_losses=3)
    layer_test(DepthwiseConv2D, dict(kernel_size=2, depthwise_regularizer="l2", depthwise_constraint="non_neg"),
               input_shape=(1, 3, 3, 2), expected_num_losses=1)
    layer_test(Conv2DTranspose, dict(filters=1, kernel_size=2, kernel_regularizer="l1"),
               input_shape=(1, 2, 2, 1), expected_num_losses=1)


# --- values against an independent NumPy reference ---------------------------------------------
def _numpy_conv2d(x, kernel, stride, pads):
    """Direct-loop cross-correlation of a channels_last batch (the definition, for checking)."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw, _, filters = kernel.shape
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, filters))
    for i in range(oh):
        for j in range(ow):
            window = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return y


def test_conv2d_matches_the_definition_in_both_layouts():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 5, 3))
    kernel, bias = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
    # 'same' with stride 2 on 6x5: outputs 3x3, padding totals 1 and 2, smaller half before.
    expected = _numpy_conv2d(x, kernel, 2, ((0, 1), (1, 1))) + bias
    for data_format, layout in (("channels_last", x), ("channels_first", x.transpose(0, 3, 1, 2))):
        layer = Conv2D(4, 3, strides=2, padding="same", data_format=data_format, dtype="float64")
        layer.build(layout.shape)
        layer.set_weights([kernel, bias])
        y = layer(layout).numpy()
        if data_format == "channels_first":
            y = y.transpose(0, 2, 3, 1)
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_separable_conv_is_depthwise_then_pointwise():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 5, 5, 2))
    depthwise, pointwise = rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((1, 1, 4, 3))
    separable = SeparableConv2D(3, 3, depth_multiplier=2, use_bias=False, dtype="float64")
    separable.build(x.shape)
    separable.set_weights([depthwise, pointwise])
    per_channel = DepthwiseConv2D(3, depth_multiplier=2, use_bias=False, dtype="float64")
    per_channel.build(x.shape)
    per_channel.set_weights([depthwise])
    mixed = np.tensordot(per_channel(x).numpy(), pointwise[0, 0], axes=([3], [0]))
    np.testing.assert_allclose(separable(x).numpy(), mixed, rtol=1e-12)
    # output channel c * depth_multiplier + m filters input channel c with kernel [..., c, m]
    one = _numpy_conv2d(x[..., 1:2], depthwise[:, :, 1:2, 0:1], 1, ((0, 0), (0, 0)))
    np.testing.assert_allclose(per_channel(x).numpy()[..., 2:3], one, rtol=1e-12)


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    """<conv(z), x> == <z, conv_transpose(x)> for the same kernel, strides and padding."""
    rng = np.random.default_rng(3)
    kernel = rng.standard_normal((3, 3, 2, 4))  # Conv2D: 2 -> 4 channels; transpose: 4 -> 2
    for padding, output_padding, size in (("same", None, 6), ("valid", 1, 8), ("same", 1, 6)):
        forward = Conv2D(4, 3, strides=2, padding=padding, use_bias=False, dtype="float64")
        backward = Conv2DTranspose(2, 3, strides=2, padding=padding, output_padding=output_padding,
                                   use_bias=False, dtype="float64")
        z = rng.standard_normal((1, size, size, 2))
        forward.build(z.shape)
        forward.set_weights([kernel])
        y = forward(z).numpy()
        x = rng.standard_normal(y.shape)
        backward.build(x.shape)
        backward.set_weights([kernel])
        zt = backward(x).numpy()
        assert zt.shape == z.shape, (padding, output_padding)
        np.testing.assert_allclose(np.sum(y * x), np.sum(z * zt), rtol=1e-10)


def test_causal_conv1d_never_looks_ahead():
    rng = np.random.default_rng(4)
    layer = Conv1D(2, 3, padding="causal", dilation_rate=2, dtype="float64")
    x = rng.standard_normal((1, 9, 2))
    y = layer(x).numpy()
    changed = x.copy()
    changed[0, 5:] += 1.0  # the future of step 4
    np.testing.assert_array_equal(layer(changed).numpy()[0, :5], y[0, :5])
    assert not np.allclose(layer(changed).numpy()[0, 5:], y[0, 5:])


def test_activity_regularizer_penalty_is_the_raw_sum_over_the_batch():
    layer = Conv1D(2, 2, activity_regularizer=regularizers.l2(0.5), kernel_regularizer="l1",
                   dtype="float64")
    y = layer(np.random.default_rng(5).standard_normal((3, 4, 2)))
    kernel_penalty, activity_penalty = (float(p.numpy()) for p in layer.losses)
    assert activity_penalty == pytest.approx(0.5 * np.sum(y.numpy() ** 2))
    assert kernel_penalty == pytest.approx(0.01 * np.abs(layer.kernel.numpy()).sum())


def test_gradients_flow_through_a_stack_of_conv_layers():
    x = np.random.default_rng(6).standard_normal((2, 6, 6, 1))
    stack = [Conv2D(2, 3, padding="same", activation="tanh", dtype="float64"),
             SeparableConv2D(2, 2, dtype="float64"), Conv2DTranspose(1, 2, strides=2, dtype="float64")]
    with GradientTape() as tape:
        y = x
        for layer in stack:
            y = layer(y)
        loss = (y * y).sum()
    weights = [w for layer in stack for w in layer.trainable_weights]
    grads = tape.gradient(loss, weights)
    assert y.shape == (2, 10, 10, 1)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in grads)


# --- configs ---------------------------------------------------------------------------------------
CONV_KEYS = {"name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
             "data_format", "dilation_rate", "activation", "use_bias", "kernel_initializer",
             "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
             "kernel_constraint", "bias_constraint"}
SEPARABLE_KEYS = (CONV_KEYS - {"kernel_initializer", "kernel_regularizer", "kernel_constraint"}) | {
    "depth_multiplier", "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer",
    "pointwise_regularizer", "depthwise_constraint", "pointwise_constraint"}
DEPTHWISE_KEYS = (CONV_KEYS - {"filters", "kernel_initializer", "kernel_regularizer",
                               "kernel_constraint"}) | {
    "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"}


@pytest.mark.parametrize("layer, keys", [
    (Conv1D(2, 3), CONV_KEYS), (Conv2D(2, 3), CONV_KEYS), (Conv3D(2, 3), CONV_KEYS),
    (Conv2DTranspose(2, 3), CONV_KEYS | {"output_padding"}),
    (Conv3DTranspose(2, 3), CONV_KEYS | {"output_padding"}),
    (SeparableConv1D(2, 3), SEPARABLE_KEYS), (SeparableConv2D(2, 3), SEPARABLE_KEYS),
    (DepthwiseConv2D(3), DEPTHWISE_KEYS),
], ids=lambda v: type(v).__name__ if not isinstance(v, set) else "")
def test_config_has_the_keras_2_keys_and_round_trips(layer, keys):
    config = layer.get_config()
    assert set(config) == keys
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config


def test_config_serializes_the_sub_objects_keras_style():
    layer = Conv2D(4, (3, 2), strides=(2, 1), padding="SAME", activation="relu",
                   kernel_initializer="he_normal", kernel_regularizer=regularizers.l1_l2(0.1, 0.2),
                   bias_constraint="max_norm", data_format="channels_first", name="c")
    config = layer.get_config()
    assert config["kernel_size"] == (3, 2) and config["strides"] == (2, 1)
    assert config["padding"] == "same" and config["activation"] == "relu"
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert config["bias_initializer"] == {"class_name": "Zeros", "config": {}}
    assert config["kernel_regularizer"]["class_name"] == "L1L2"
    assert config["kernel_regularizer"]["config"] == pytest.approx({"l1": 0.1, "l2": 0.2})
    assert config["bias_constraint"]["class_name"] == "MaxNorm"
    assert Conv2DTranspose(2, 3, strides=2, output_padding=1).get_config()["output_padding"] == (1, 1)
    assert Conv2DTranspose(2, 3).get_config()["output_padding"] is None


def test_a_keras_2_saved_config_builds_the_layer():
    """A config as Keras 2.2.4 writes it to JSON (lists, VarianceScaling for glorot_uniform)."""
    keras_config = {
        "name": "conv2d_1", "trainable": True, "batch_input_shape": [None, 28, 28, 1],
        "dtype": "float32", "filters": 32, "kernel_size": [3, 3], "strides": [1, 1],
        "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
        "activation": "relu", "use_bias": True,
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {
            "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    }
    layer = Conv2D.from_config(keras_config)
    assert layer.name == "conv2d_1" and layer.kernel_size == (3, 3)
    assert layer.compute_output_shape((None, 28, 28, 1)) == (None, 26, 26, 32)
    assert layer(np.zeros((1, 28, 28, 1))).shape == (1, 26, 26, 32)


def test_data_format_defaults_to_the_image_data_format_except_for_1d():
    previous = K.image_data_format()
    try:
        K.set_image_data_format("channels_first")
        assert Conv2D(2, 3).data_format == "channels_first"
        assert DepthwiseConv2D(3).data_format == "channels_first"
        assert Conv3DTranspose(2, 3).data_format == "channels_first"
        assert SeparableConv1D(2, 3).data_format == "channels_first"  # Keras 2: None by default
        assert Conv1D(2, 3).data_format == "channels_last"  # Keras 2: channels_last by default
        layer = Conv2D(2, 3)
        assert layer(np.zeros((1, 1, 5, 5))).shape == (1, 2, 3, 3)
    finally:
        K.set_image_data_format(previous)


def test_keras_2_aliases():
    assert conv1d.Convolution1D is Conv1D and conv2d.Convolution2D is Conv2D
    assert conv3d.Convolution3D is Conv3D
    assert separable_conv1d.SeparableConvolution1D is SeparableConv1D
    assert separable_conv2d.SeparableConvolution2D is SeparableConv2D
    assert conv2d_transpose.Deconvolution2D is conv2d_transpose.Deconv2D is Conv2DTranspose
    assert conv2d_transpose.Convolution2DTranspose is Conv2DTranspose
    assert conv3d_transpose.Deconvolution3D is conv3d_transpose.Deconv3D is Conv3DTranspose
    assert pooling.MaxPool2D is pooling.MaxPooling2D and pooling.AvgPool3D is pooling.AveragePooling3D
    assert pooling.GlobalAvgPool1D is pooling.GlobalAveragePooling1D
    assert pooling.GlobalMaxPool3D is pooling.GlobalMaxPooling3D
    for name in convolutional.__all__:
        assert hasattr(convolutional, name), name
    for name in pooling.__all__:
        assert hasattr(pooling, name), name


def test_symbolic_shapes_with_unknown_sizes():
    assert Conv1D(4, 3, padding="causal").compute_output_shape((None, None, 2)) == (None, None, 4)
    assert Conv2D(4, 3, strides=2).compute_output_shape((None, None, 9, 2)) == (None, None, 4, 4)
    assert Conv2DTranspose(4, 3, strides=2, padding="same").compute_output_shape(
        (None, 2, None, 5)) == (None, 4, None, 4)
    layer = DepthwiseConv2D(3, depth_multiplier=3, data_format="channels_first")
    assert layer.compute_output_shape((None, 2, 5, 5)) == (None, 6, 3, 3)


# --- agreement with Keras on the fixtures --------------------------------------------------------
GROUPS = ("conv", "transpose", "separable", "reshaping", "pooling")
KERAS_CLASSES = {name: getattr(package, name)
                 for package in (convolutional, pooling) for name in package.__all__}


def _fixture(group):
    return np.load(os.path.join(FIXTURES, f"convlayer_{group}.npz"))


def _fixture_cases():
    for group in GROUPS:
        names = sorted({key.split("/")[0] for key in _fixture(group).files})
        for name in names:
            yield pytest.param(group, name, id=f"{group}-{name}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("group, name", list(_fixture_cases()))
def test_matches_keras(group, name, dtype):
    data = _fixture(group)
    spec = json.loads(str(data[f"{name}/config"]))
    layer = KERAS_CLASSES[spec["class_name"]](dtype=dtype, **spec["kwargs"])
    x = data[f"{name}/x"]
    layer.build(x.shape)
    weights = [data[f"{name}/w{i}"] for i in range(len(layer.weights))]
    assert f"{name}/w{len(weights)}" not in data.files, "the fixture has more weights than the layer"
    layer.set_weights(weights)
    call_kwargs = {"mask": data[f"{name}/mask"]} if f"{name}/mask" in data.files else {}
    y = layer(x, **call_kwargs)
    expected = data[f"{name}/y"]
    assert y.dtype == dtype
    assert y.shape == expected.shape == layer.compute_output_shape(x.shape)
    if dtype == "float64":
        np.testing.assert_allclose(y.numpy(), expected, rtol=spec["rtol"], atol=1e-12)
    else:
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)


# --- the examples in the docstrings run ----------------------------------------------------------
DOCUMENTED_MODULES = [
    base_conv, conv1d, conv2d, conv3d, conv2d_transpose, conv3d_transpose, separable_conv1d,
    separable_conv2d, depthwise_conv2d, zero_padding, cropping, upsampling, base_pooling,
    max_pooling, average_pooling, global_pooling,
]


@pytest.mark.parametrize("module", DOCUMENTED_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
