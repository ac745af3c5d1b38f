"""Core layers through the layer-test harness, and against Keras reference outputs."""
import os

import numpy as np
import pytest

from minikeras import GradientTape, Tensor, config
from minikeras import backend as K
from minikeras.layers.core.activation import Activation
from minikeras.layers.core.activity_regularization import ActivityRegularization
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.dropout import Dropout
from minikeras.layers.core.flatten import Flatten
from minikeras.layers.core.masking import Masking
from minikeras.layers.core.permute import Permute
from minikeras.layers.core.repeat_vector import RepeatVector
from minikeras.layers.core.reshape import Reshape
from minikeras.layers.core.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from minikeras.utils.layer_test import layer_test

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")


def fixture(name):
    return np.load(os.path.join(FIXTURES, name))


# --- every layer, each argument, through the harness -------------------------------------------
@pytest.mark.parametrize("kwargs, input_shape, output_shape", [
    ({"units": 3}, (2, 4), (None, 3)),
    ({"units": 2, "activation": "tanh", "use_bias": False}, (2, 3), (None, 2)),
    ({"units": 2, "activation": "softmax"}, (2, 3, 4), (None, 3, 2)),
    ({"units": 2, "activation": "sigmoid", "kernel_initializer": "he_normal",
      "bias_initializer": {"class_name": "Constant", "config": {"value": 0.5}}}, (1, 2, 2, 3), (None, 2, 2, 2)),
    ({"units": 2, "kernel_regularizer": "l2", "bias_regularizer": {"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.0}},
      "activity_regularizer": "l1", "kernel_constraint": "max_norm", "bias_constraint": "non_neg"}, (2, 3), (None, 2)),
])
def test_dense(kwargs, input_shape, output_shape):
    num_losses = sum(kwargs.get(k) is not None for k in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"))
    shapes = [(input_shape[-1], kwargs["units"])] + ([(kwargs["units"],)] if kwargs.get("use_bias", True) else [])
    layer_test(Dense, kwargs, input_shape, expected_output_shape=output_shape,
               expected_weight_shapes=shapes, expected_num_losses=num_losses, supports_masking=True)


@pytest.mark.parametrize("activation", ["relu", "softmax", "elu", "selu", "softplus", "softsign", "tanh",
                                        "sigmoid", "hard_sigmoid", "exponential", "linear"])
def test_activation_layer(activation):
    layer_test(Activation, {"activation": activation}, input_shape=(2, 3), expected_output_shape=(None, 3))


def test_dropout_and_spatial_dropout_are_identity_at_inference():
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    for cls, kwargs in [(Dropout, {"rate": 0.5}), (Dropout, {"rate": 0.3, "noise_shape": (None, 1, 2, 2), "seed": 3}),
                        (SpatialDropout2D, {"rate": 0.5}), (SpatialDropout2D, {"rate": 0.2, "data_format": "channels_first"})]:
        layer_test(cls, kwargs, input_data=x, expected_output=x, supports_masking=True)
    layer_test(SpatialDropout1D, {"rate": 0.4, "seed": 1}, input_shape=(2, 3, 2), expected_output_shape=(None, 3, 2))
    layer_test(SpatialDropout3D, {"rate": 0.4}, input_shape=(1, 2, 2, 2, 3), expected_output_shape=(None, 2, 2, 2, 3))


def test_dropout_matches_keras_at_inference():
    ref = fixture("core_dropout.npz")
    np.testing.assert_array_equal(Dropout(0.5, dtype="float64")(ref["dropout_x"]).numpy(), ref["dropout_y"])
    np.testing.assert_array_equal(SpatialDropout2D(0.5, dtype="float64")(ref["dropout_x"]).numpy(), ref["spatial2d_y"])
    np.testing.assert_array_equal(Dropout(0.5, dtype="float64")(ref["dropout_x"], training=False).numpy(), ref["dropout_y"])


@pytest.mark.parametrize("case, cls, kwargs", [
    ("spatial1d", SpatialDropout1D, {}),
    ("spatial3d_cl", SpatialDropout3D, {"data_format": "channels_last"}),
    ("spatial3d_cf", SpatialDropout3D, {"data_format": "channels_first"}),
])
def test_spatial_dropout_1d_3d_match_keras_at_inference(case, cls, kwargs):
    ref = fixture("core_spatial_dropout.npz")
    for call_kwargs in ({}, {"training": False}):
        y = cls(0.5, dtype="float64", **kwargs)(ref[f"{case}_x"], **call_kwargs).numpy()
        np.testing.assert_array_equal(y, ref[f"{case}_y"])


def test_dropout_training_statistics_and_scaling():
    rate = 0.3
    layer = Dropout(rate, seed=0, dtype="float64")
    y = layer(np.ones((200, 500)), training=True).numpy()
    kept = y != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01
    np.testing.assert_allclose(y[kept], 1 / (1 - rate))  # inverted dropout
    assert abs(y.mean() - 1.0) < 0.01
    # gradient flows through the kept units only, with the same scale
    x = Tensor(np.ones((4, 6)))
    with GradientTape() as tape:
        tape.watch(x)
        out = layer(x, training=True)
    grad = tape.gradient(out, x).numpy()
    np.testing.assert_array_equal(grad, out.numpy())


def test_dropout_seed_and_noise_shape():
    a = Dropout(0.5, seed=42)(np.ones((3, 8)), training=True).numpy()
    b = Dropout(0.5, seed=42)(np.ones((3, 8)), training=True).numpy()
    np.testing.assert_array_equal(a, b)
    layer = Dropout(0.5, seed=42)
    first, second = (layer(np.ones((3, 8)), training=True).numpy() for _ in range(2))
    assert not np.array_equal(first, second)  # a new mask at each call, reproducibly
    y = Dropout(0.5, noise_shape=(None, 1, 4), seed=1)(np.ones((3, 5, 4)), training=True).numpy()
    assert (y == y[:, :1, :]).all()  # the same features dropped at every timestep
    assert Dropout(0.0)(np.ones((2, 2)), training=True).numpy().tolist() == [[1, 1], [1, 1]]


@pytest.mark.parametrize("cls, shape, data_format, channel_axis", [
    (SpatialDropout1D, (4, 6, 5), None, -1),
    (SpatialDropout2D, (4, 3, 3, 5), "channels_last", -1),
    (SpatialDropout2D, (4, 5, 3, 3), "channels_first", 1),
    (SpatialDropout3D, (4, 2, 2, 2, 5), "channels_last", -1),
    (SpatialDropout3D, (4, 5, 2, 2, 2), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format, channel_axis):
    kwargs = {} if data_format is None else {"data_format": data_format}
    y = cls(0.5, seed=0, **kwargs)(np.ones(shape), training=True).numpy()
    moved = np.moveaxis(y, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
    assert (moved == moved[:, :, :1]).all()  # each (sample, channel) kept or dropped as a whole
    assert set(np.unique(y)) == {0.0, 2.0}


def test_flatten():
    layer_test(Flatten, {}, input_shape=(2, 3, 4), expected_output_shape=(None, 12))
    layer_test(Flatten, {"data_format": "channels_first"}, input_shape=(2, 3, 2, 2), expected_output_shape=(None, 12))
    layer_test(Flatten, {"data_format": "channels_last"}, input_shape=(1, 2, 1, 2, 2), expected_output_shape=(None, 8))


def test_flatten_default_follows_image_data_format():
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    previous = config.image_data_format()
    try:
        config.set_image_data_format("channels_first")
        layer = Flatten()
        assert layer.data_format == "channels_first"
        np.testing.assert_array_equal(layer(x).numpy(), [[0, 4, 1, 5, 2, 6, 3, 7]])
    finally:
        config.set_image_data_format(previous)


def test_reshaping_layers():
    layer_test(Reshape, {"target_shape": (3, 4)}, input_shape=(2, 12), expected_output_shape=(None, 3, 4))
    layer_test(Reshape, {"target_shape": (-1, 2, 2)}, input_shape=(2, 3, 4), expected_output_shape=(None, 3, 2, 2))
    layer_test(Reshape, {"target_shape": [6]}, input_shape=(2, 3, 2), expected_output_shape=(None, 6))
    layer_test(Permute, {"dims": (2, 1)}, input_shape=(2, 3, 4), expected_output_shape=(None, 4, 3))
    layer_test(Permute, {"dims": (3, 1, 2)}, input_shape=(2, 3, 4, 5), expected_output_shape=(None, 5, 3, 4))
    layer_test(RepeatVector, {"n": 3}, input_shape=(2, 4), expected_output_shape=(None, 3, 4))


def test_reshape_output_shape_with_unknown_sizes():
    assert Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)
    assert Reshape((2, 3)).compute_output_shape((5, None)) == (5, 2, 3)
    assert Reshape((-1, 2, 2)).compute_output_shape((None, 6, 2)) == (None, 3, 2, 2)


def test_reshaping_layers_match_keras():
    ref = fixture("core_reshaping.npz")
    cases = [
        (Flatten(data_format="channels_first"), "flatten_cf"),
        (Flatten(data_format="channels_last"), "flatten_cl"),
        (Reshape((3, 4)), "reshape"),
        (Reshape((-1, 2, 2)), "reshape_infer"),
        (Permute((3, 1, 2)), "permute"),
        (RepeatVector(3), "repeat"),
    ]
    for layer, name in cases:
        layer.dtype = "float64"
        np.testing.assert_array_equal(layer(ref[f"{name}_x"]).numpy(), ref[f"{name}_y"], err_msg=name)


@pytest.mark.parametrize("case, config_kwargs", [
    ("dense2d_tanh", {"units": 3, "activation": "tanh"}),
    ("dense2d_linear_nobias", {"units": 2, "use_bias": False}),
    ("dense3d_softmax", {"units": 4, "activation": "softmax"}),
    ("dense4d_sigmoid", {"units": 2, "activation": "sigmoid"}),
    ("dense2d_relu", {"units": 5, "activation": "relu"}),
])
def test_dense_matches_keras(case, config_kwargs):
    ref = fixture("core_dense.npz")
    weights = [ref[f"{case}_w{i}"] for i in range(2) if f"{case}_w{i}" in ref]
    layer = Dense(dtype="float64", **config_kwargs)
    layer.build(ref[f"{case}_x"].shape)
    layer.set_weights(weights)
    np.testing.assert_allclose(layer(ref[f"{case}_x"]).numpy(), ref[f"{case}_y"], rtol=1e-10, atol=1e-12)
    # float32 agrees to float32 precision
    layer32 = Dense(weights=weights, **config_kwargs)
    out32 = layer32(ref[f"{case}_x"].astype(np.float32)).numpy()
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, ref[f"{case}_y"], rtol=1e-5, atol=1e-6)


def test_activation_layer_matches_keras():
    ref = fixture("core_activations.npz")
    np.testing.assert_allclose(Activation("sigmoid", dtype="float64")(ref["x"]).numpy(), ref["layer_sigmoid"], rtol=1e-12)


def test_masking():
    x = np.random.default_rng(2).standard_normal((2, 4, 3))
    x[0, 2] = 0.0
    # A masked timestep sits exactly on a jump (a nudge unmasks it): no finite differences there.
    out = layer_test(Masking, {"mask_value": 0.0}, input_data=x, expected_output_shape=(None, 4, 3),
                     supports_masking=True, check_gradients=False)
    np.testing.assert_array_equal(out, x)
    layer_test(Masking, {"mask_value": 1.0}, input_shape=(2, 3, 2))  # nothing masked: gradients checked
    t = Tensor(x)
    with GradientTape() as tape:
        tape.watch(t)
        y = Masking(dtype="float64")(t)
    grad = tape.gradient(y, t).numpy()
    np.testing.assert_array_equal(grad[0, 2], 0.0)  # masked steps get no gradient
    np.testing.assert_array_equal(np.delete(grad[0], 2, axis=0), 1.0)


@pytest.mark.parametrize("case, mask_value", [("masking", 0.0), ("masking15", 1.5)])
def test_masking_matches_keras(case, mask_value):
    ref = fixture("core_masking.npz")
    layer = Masking(mask_value=mask_value, dtype="float64")
    y = layer(ref[f"{case}_x"])
    np.testing.assert_array_equal(y.numpy(), ref[f"{case}_y"])
    np.testing.assert_array_equal(y._keras_mask, ref[f"{case}_mask"])
    np.testing.assert_array_equal(layer.compute_mask(ref[f"{case}_x"]), ref[f"{case}_mask"])
    assert y._keras_mask.dtype == bool and y._keras_mask.shape == ref[f"{case}_x"].shape[:2]


def test_mask_is_visible_to_the_next_layer():
    x = np.ones((2, 3, 2))
    x[1, 0] = 0.0
    masked = Masking()(x)
    seen = {}

    from minikeras.layers.core.lambda_layer import Lambda

    def record(inputs, mask=None):
        seen["mask"] = mask
        return inputs * 2.0

    Lambda(record)(masked)
    np.testing.assert_array_equal(seen["mask"], [[True, True, True], [False, True, True]])
    # layers that keep the time axis pass it on
    after = Dense(2)(Activation("relu")(masked))
    np.testing.assert_array_equal(after._keras_mask, masked._keras_mask)


def test_identity_layer_does_not_clear_the_input_mask():
    from minikeras.layers.core.lambda_layer import Lambda

    x = np.ones((2, 3, 2))
    x[1, 0] = 0.0
    masked = Masking()(x)
    Lambda(lambda t: t)(masked)  # a layer without mask support returns its input
    assert masked._keras_mask is not None


def antirectifier(x):  # the Lambda example of the Keras 2 core-layers page
    x = x - K.mean(x, axis=1, keepdims=True)
    x = K.l2_normalize(x, axis=1)
    return K.concatenate([K.relu(x), K.relu(-x)], axis=1)


@pytest.mark.parametrize("case, function", [
    ("antirectifier", antirectifier),
    ("antirectifier3d", antirectifier),
    ("hadamard", lambda t: t[0] * t[1]),
    ("add", lambda t: t[0] + t[1]),
])
def test_lambda_matches_keras(case, function):
    from minikeras.layers.core.lambda_layer import Lambda

    ref = fixture("core_lambda.npz")
    inputs = [ref[f"{case}_a"], ref[f"{case}_b"]] if f"{case}_a" in ref else ref[f"{case}_x"]
    layer = Lambda(function, dtype="float64")
    y = layer(inputs).numpy()
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, ref[f"{case}_y"], rtol=1e-12, atol=1e-15)
    shapes = [a.shape for a in inputs] if isinstance(inputs, list) else inputs.shape
    assert layer.compute_output_shape(shapes) == ref[f"{case}_y"].shape


def test_activity_regularization():
    layer_test(ActivityRegularization, {"l1": 0.1, "l2": 0.01}, input_shape=(2, 3),
               expected_num_losses=1, supports_masking=True)
    x = np.array([[1.0, -2.0], [0.5, 0.0]])
    layer = ActivityRegularization(l1=0.1, l2=0.2, dtype="float64")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    # the raw sum over the batch (multi-backend Keras 2), not divided by the batch size
    assert float(layer.losses[0]) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25)
    assert layer.get_config()["l1"] == 0.1 and layer.get_config()["l2"] == 0.2


@pytest.mark.parametrize("case", ["actreg2d", "actreg3d", "actreg4d"])
def test_activity_regularization_matches_keras(case):
    ref = fixture("core_regularization.npz")
    x, l1, l2 = ref[f"{case}_x"], float(ref[f"{case}_l1"]), float(ref[f"{case}_l2"])
    layer = ActivityRegularization(l1=l1, l2=l2, dtype="float64")
    np.testing.assert_array_equal(layer(x).numpy(), ref[f"{case}_y"])
    assert len(layer.losses) == 1
    # The fixture's penalty is Keras 2's raw batch sum; Keras 3's own loss is it / batch size.
    np.testing.assert_allclose(float(layer.losses[0]), float(ref[f"{case}_penalty"]), rtol=1e-12)
    np.testing.assert_allclose(float(layer.losses[0]) / x.shape[0], float(ref[f"{case}_keras3_loss"]), rtol=1e-12)


def test_dense_regularization_losses_and_their_gradients():
    layer = Dense(2, kernel_regularizer="l2", activity_regularizer="l1", dtype="float64",
                  kernel_initializer="ones")
    x = np.array([[1.0, 2.0, 3.0]])
    y = layer(x)
    kernel_penalty, activity_penalty = (float(p) for p in layer.losses)
    assert kernel_penalty == pytest.approx(0.01 * 6)
    assert activity_penalty == pytest.approx(0.01 * np.abs(y.numpy()).sum())
    with GradientTape() as tape:
        layer(x)
        total = layer.losses[0] + layer.losses[1]
    grad = tape.gradient(total, layer.kernel).numpy()
    np.testing.assert_allclose(grad, 0.02 * np.ones((3, 2)) + 0.01 * np.array([[1.0], [2.0], [3.0]]))


def test_dense_names_weights_and_counts():
    layer = Dense(5, input_dim=3, name="head")
    assert layer.name == "head" and layer.get_config()["batch_input_shape"] == (None, 3)
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.count_params() == 20
    assert Dense(4, use_bias=False).compute_output_shape((None, 7, 3)) == (None, 7, 4)
