"""Noise layers: identity at inference, the right noise in training, gradients, errors."""
import numpy as np
import pytest

from minikeras import GradientTape, Tensor
from minikeras.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from minikeras.models import Sequential
from minikeras.layers import Dense
from minikeras.ops.nn import SELU_ALPHA, SELU_SCALE
from minikeras.utils.layer_test import layer_test
from tests.layers._layers12 import fixture_cases

ALPHA_P = -SELU_ALPHA * SELU_SCALE


@pytest.mark.parametrize("cls, kwargs", [
    (GaussianNoise, {"stddev": 0.5}), (GaussianNoise, {"stddev": 0.0, "seed": 1}),
    (GaussianDropout, {"rate": 0.3}), (GaussianDropout, {"rate": 0.0, "seed": 2}),
    (AlphaDropout, {"rate": 0.2}), (AlphaDropout, {"rate": 0.5, "noise_shape": (None, 1, 3), "seed": 4}),
])
def test_harness_is_identity_at_inference(cls, kwargs):
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    layer_test(cls, kwargs, input_data=x, expected_output=x, supports_masking=True)


def test_inference_matches_keras():
    data = fixture_cases("layers12_noise.npz")["alpha_dropout"]
    x = data["x"]
    np.testing.assert_array_equal(AlphaDropout(0.3, dtype="float64")(x).numpy(), data["y_infer"])
    np.testing.assert_array_equal(GaussianNoise(0.5, dtype="float64")(x).numpy(), data["gaussian_noise_infer"])
    np.testing.assert_array_equal(GaussianDropout(0.5, dtype="float64")(x).numpy(), data["gaussian_dropout_infer"])


def _affine_parts(x, y):
    """Split y into kept elements (y = a x + b) and dropped ones (one constant value)."""
    values, counts = np.unique(np.round(y, 12), return_counts=True)
    dropped_value = values[np.argmax(counts)]
    dropped = np.isclose(y, dropped_value, rtol=0, atol=1e-12)
    a, b = np.polyfit(x[~dropped], y[~dropped], 1)
    return dropped, a, b, dropped_value


def test_alpha_dropout_training_rule_matches_keras():
    data = fixture_cases("layers12_noise.npz")["alpha_dropout"]
    x = data["x"]
    keras_dropped, keras_a, keras_b, keras_value = _affine_parts(x, data["y"])
    y = AlphaDropout(0.3, seed=0, dtype="float64")(x, training=True).numpy()
    dropped, a, b, value = _affine_parts(x, y)
    np.testing.assert_allclose([a, b, value], [keras_a, keras_b, keras_value], rtol=1e-9)
    rate = 0.3
    a_formula = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    np.testing.assert_allclose([a, b, value], [a_formula, -a_formula * ALPHA_P * rate,
                                               a_formula * ALPHA_P - a_formula * ALPHA_P * rate], rtol=1e-9)
    assert abs(dropped.mean() - rate) < 0.02 and abs(keras_dropped.mean() - rate) < 0.02


def test_training_statistics():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((400, 400))
    noise = GaussianNoise(0.7, seed=1, dtype="float64")(x, training=True).numpy() - x
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.7) < 0.01
    factor = GaussianDropout(0.2, seed=2, dtype="float64")(np.ones((400, 400)), training=True).numpy()
    assert abs(factor.mean() - 1) < 0.01 and abs(factor.std() - np.sqrt(0.2 / 0.8)) < 0.01
    y = AlphaDropout(0.1, seed=3, dtype="float64")(x, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02   # a SELU-normalised input stays so
    mask_shared = AlphaDropout(0.5, noise_shape=(None, 1), seed=4, dtype="float64")(x[:, :3], training=True).numpy()
    a = ((1 - 0.5) * (1 + 0.5 * ALPHA_P ** 2)) ** -0.5
    dropped = np.isclose(mask_shared, a * ALPHA_P - a * ALPHA_P * 0.5, rtol=0, atol=1e-12)
    assert 0.4 < dropped.all(axis=1).mean() < 0.6
    assert (dropped.all(axis=1) | ~dropped.any(axis=1)).all()


def test_seed_repeats_and_gradients_are_the_noise():
    x = np.random.default_rng(0).standard_normal((3, 4))
    for cls, kwargs in [(GaussianNoise, {"stddev": 0.3}), (GaussianDropout, {"rate": 0.4}),
                        (AlphaDropout, {"rate": 0.4})]:
        first = cls(seed=7, dtype="float64", **kwargs)(x, training=True).numpy()
        again = cls(seed=7, dtype="float64", **kwargs)(x, training=True).numpy()
        np.testing.assert_array_equal(first, again)
        layer = cls(seed=11, dtype="float64", **kwargs)
        probe = cls(seed=11, dtype="float64", **kwargs)
        t = Tensor(x)
        with GradientTape() as tape:
            tape.watch(t)
            y = layer(t, training=True)
        grad = tape.gradient(y, t).numpy()
        # the output is affine in x with the same noise: slope = (f(x + 1) - f(x)) on a fresh draw
        slope = probe(x + 1.0, training=True).numpy() - cls(seed=11, dtype="float64", **kwargs)(x, training=True).numpy()
        np.testing.assert_allclose(grad, slope, rtol=1e-12, atol=1e-12)


def test_active_only_in_fit():
    model = Sequential([GaussianNoise(100.0, input_shape=(3,)), Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse")
    x = np.ones((4, 3))
    np.testing.assert_allclose(model.predict(x), 3.0 * np.ones((4, 1)), rtol=1e-6)
    assert model.evaluate(x, 3.0 * np.ones((4, 1)), verbose=0) < 1e-10
    assert model.train_on_batch(x, 3.0 * np.ones((4, 1))) > 1.0   # the noise is on in training


@pytest.mark.parametrize("make, message", [
    (lambda: GaussianNoise(-1.0), r"GaussianNoise .*`stddev` must be a non-negative number, received stddev=-1.0"),
    (lambda: GaussianNoise("0.1"), r"GaussianNoise .*`stddev` must be a non-negative number"),
    (lambda: GaussianDropout(1.0), r"GaussianDropout .*`rate` must be a float in \[0, 1\), received rate=1.0"),
    (lambda: AlphaDropout(-0.1), r"AlphaDropout .*`rate` must be a float in \[0, 1\)"),
    (lambda: AlphaDropout(0.1, noise_shape=(0, 2)), r"AlphaDropout .*`noise_shape` must be a tuple of positive ints"),
    (lambda: GaussianNoise(0.1, seed=1.5), r"GaussianNoise .*`seed` must be None or an int, received seed=1.5"),
    (lambda: AlphaDropout(0.2, noise_shape=(None, 3))(np.zeros((2, 4)), training=True),
     r"AlphaDropout .*noise_shape \(None, 3\) does not broadcast to the input shape \(2, 4\)"),
])
def test_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
