"""BatchNormalization: harness, float64 gradients in both modes, Keras fixtures (outputs,
gradients, moving statistics after fit), the frozen-layer rule of Keras 2.2.4, errors."""
import numpy as np
import pytest

from minikeras import optimizers
from minikeras.layers import Conv2D, Dense, Flatten
from minikeras.layers.normalization import BatchNormalization
from minikeras.models import Sequential
from minikeras.ops.normalization import batch_norm_training
from minikeras.utils.gradient_check import assert_gradients_close
from minikeras.utils.layer_test import layer_test
from tests.layers._layers12 import assert_close, fixture_cases, run_with_gradients

CASES = fixture_cases("layers12_batchnorm.npz")


def shifted(shape, seed=0):
    return np.random.default_rng(seed).normal(1.0, 2.0, size=shape)


@pytest.mark.parametrize("kwargs, shape, channels", [
    ({}, (4, 3), 3),
    ({"axis": 1}, (3, 2, 2, 2), 2),
    ({"axis": -1, "momentum": 0.9, "epsilon": 0.01}, (3, 2, 2, 2), 2),
    ({"axis": 1, "center": False}, (4, 3, 2), 3),
    ({"scale": False, "beta_initializer": "ones", "moving_variance_initializer": {"class_name": "Constant", "config": {"value": 2.0}}}, (5, 2), 2),
    ({"gamma_initializer": "random_uniform", "moving_mean_initializer": "ones",
      "beta_regularizer": "l2", "gamma_regularizer": "l1", "beta_constraint": "non_neg", "gamma_constraint": "max_norm"},
     (4, 2), 2),
])
@pytest.mark.parametrize("training", [False, True])
def test_harness(kwargs, shape, channels, training):
    weights = [(channels,)] * (2 + kwargs.get("center", True) + kwargs.get("scale", True))
    losses = sum(k in kwargs for k in ("beta_regularizer", "gamma_regularizer"))
    layer_test(BatchNormalization, kwargs, input_data=shifted(shape), expected_output_shape=(None,) + shape[1:],
               expected_weight_shapes=weights, expected_num_losses=losses, supports_masking=True,
               call_kwargs={"training": training}, gradient_tol=1e-5 if training else 1e-6)
    # In training mode the input gradient is nearly cancelled (the batch mean and variance
    # take most of it back): |dx| ~ 1e-4 against a loss of ~1, so central differences carry
    # ~1e-9 of rounding, a relative 1e-6; the exact gradient is checked against Keras below.


def test_gradient_of_the_fused_op_on_a_non_contiguous_input():
    x = shifted((6, 4, 3), seed=1).transpose(1, 0, 2)          # (4, 6, 3), not C-contiguous
    gamma, beta = np.array([0.5, 1.5, -1.0, 2.0, 1.0, 0.3]), np.linspace(-1, 1, 6)
    error = assert_gradients_close(lambda x, g, b: batch_norm_training(x, g, b, axis=1)[0],
                                   [x, gamma, beta], tol=1e-7)
    assert error < 1e-7


KERAS = {
    "dense": {}, "conv_last": {}, "conv_first": {"axis": 1},
    "no_center_scale": {"center": False, "scale": False, "epsilon": 0.01},
    "seq_axis1": {"axis": 1, "momentum": 0.9},
}


@pytest.mark.parametrize("mode", ["train", "infer"])
@pytest.mark.parametrize("case", sorted(KERAS))
def test_matches_keras(case, mode):
    data = CASES[f"{case}_{mode}"]
    layer = BatchNormalization(dtype="float64", **KERAS[case])
    layer(data["x0"])
    layer.set_weights([data[f"w{i}"] for i in range(4) if f"w{i}" in data])
    y, (dx,), dws = run_with_gradients(layer, data["x0"], data["g"], training=mode == "train")
    assert_close(y, data["y"], 1e-12, f"{case} {mode} output")
    assert_close(dx, data["dx0"], 1e-11, f"{case} {mode} input gradient")
    for i, dw in enumerate(dws):
        assert_close(dw, data[f"dw{i}"], 1e-11, f"{case} {mode} gradient of weight {i}")


def test_moving_statistics_after_fit_match_keras_2():
    data = CASES["fit"]
    model = Sequential([BatchNormalization(momentum=0.8, input_shape=(3,), dtype="float64"),
                        Dense(2, dtype="float64")])
    model.layers[1].set_weights([data["dense_w0"], data["dense_w1"]])
    model.compile(optimizer=optimizers.SGD(lr=0.1), loss="mse")
    model.fit(data["x"], data["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    gamma, beta, moving_mean, moving_variance = model.layers[0].get_weights()
    # Keras 3 trained in float32 precision somewhere (the fixture script says so): 1e-6.
    assert_close(gamma, data["gamma"], 1e-6, "gamma")
    assert_close(beta, data["beta"], 1e-6, "beta")
    assert_close(moving_mean, data["moving_mean"], 1e-12, "moving_mean")
    assert_close(moving_variance, data["moving_variance"], 1e-12, "moving_variance")
    assert_close(model.layers[1].get_weights()[0], data["dense_after_w0"], 1e-6, "dense kernel")
    model.layers[0].set_weights([data["gamma"], data["beta"], data["moving_mean"], data["moving_variance"]])
    model.layers[1].set_weights([data["dense_after_w0"], data["dense_after_w1"]])
    assert_close(model.predict(data["x"]), data["predict"], 1e-12, "predict with the moving statistics")


def test_moving_statistics_change_only_in_training():
    model = Sequential([BatchNormalization(input_shape=(2,)), Dense(1)])
    model.compile("sgd", "mse")
    x, y = shifted((16, 2)), np.zeros((16, 1))
    start = model.layers[0].get_weights()
    model.predict(x)
    model.evaluate(x, y, verbose=0)
    model.layers[0](x)  # a plain call is inference
    for before, after in zip(start, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    model.train_on_batch(x, y)
    mean = model.layers[0].get_weights()[2]
    np.testing.assert_allclose(mean, 0.01 * x.mean(axis=0), rtol=1e-5)
    assert model.count_params() == 4 * 2 + 3
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2


def test_frozen_layer_uses_batch_statistics_but_keeps_its_moving_ones():
    """Keras 2.2.4: trainable=False still normalises with the batch in training mode, and
    neither gamma/beta nor the moving statistics change (a frozen layer has no updates)."""
    layer = BatchNormalization(trainable=False, dtype="float64")
    x = shifted((32, 3), seed=3)
    model = Sequential([layer])
    model.build((None, 3)) if hasattr(model, "build") else None
    model.compile("sgd", "mse")
    start = [w.copy() for w in layer.get_weights()]
    model.fit(x, np.zeros((32, 3)), batch_size=32, epochs=2, verbose=0)
    for before, after in zip(start, layer.get_weights()):
        np.testing.assert_array_equal(before, after)
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)              # batch statistics
    np.testing.assert_allclose(layer(x).numpy(), x / np.sqrt(1 + 1e-3))    # moving (0, 1)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]


def test_after_a_channels_first_convolution():
    model = Sequential([Conv2D(4, 3, data_format="channels_first", input_shape=(1, 6, 6)),
                        BatchNormalization(axis=1), Flatten(), Dense(2)])
    model.compile("sgd", "mse")
    model.fit(shifted((8, 1, 6, 6)).astype(np.float32), np.zeros((8, 2)), verbose=0)
    assert [w.shape for w in model.layers[1].weights] == [(4,)] * 4
    assert np.all(model.layers[1].get_weights()[2] != 0)


@pytest.mark.parametrize("action, error, message", [
    (lambda: BatchNormalization(axis=1.0), ValueError, r"BatchNormalization .*`axis` must be an int, received axis=1.0"),
    (lambda: BatchNormalization(axis=[1, 2]), NotImplementedError, r"BatchNormalization .*a list of axes"),
    (lambda: BatchNormalization(epsilon=0), ValueError, r"BatchNormalization .*`epsilon` must be > 0, received epsilon=0"),
    (lambda: BatchNormalization(momentum="high"), ValueError, r"BatchNormalization .*`momentum` must be a number"),
    (lambda: BatchNormalization(gamma_initializer="nope"), ValueError, r"BatchNormalization 'batch_normalization_\d+'"),
    (lambda: BatchNormalization(axis=2)(np.zeros((2, 3))), ValueError,
     r"BatchNormalization .*axis=2 is out of range for an input of rank 2 \(shape \(2, 3\)\)"),
    (lambda: BatchNormalization(axis=0)(np.zeros((2, 3))), ValueError, r"BatchNormalization .*axis 0 is the batch axis"),
    (lambda: BatchNormalization()(np.zeros(3)), ValueError, r"expected min_ndim=2, found ndim=1"),
])
def test_errors(action, error, message):
    with pytest.raises(error, match=message):
        action()


def test_other_channel_count_than_at_build_time():
    layer = BatchNormalization()
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"batch_normalization_\d+.*expected axis 1 of the input to have value 3.*\(2, 4\)"):
        layer(np.zeros((2, 4)))
