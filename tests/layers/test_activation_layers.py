"""Advanced activation layers: harness, float64 gradients, Keras fixtures, argument errors."""
import numpy as np
import pytest

from minikeras.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from minikeras.utils.layer_test import layer_test
from tests.layers._layers12 import assert_close, fixture_cases, run_with_gradients

CASES = fixture_cases("layers12_activations.npz")


def away_from_kinks(shape, points=(0.0,), seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 2
    for p in points:
        x[np.abs(x - p) < 0.05] += 0.15
    return x


@pytest.mark.parametrize("cls, kwargs, points", [
    (LeakyReLU, {}, (0.0,)),
    (LeakyReLU, {"alpha": 0.05}, (0.0,)),
    (LeakyReLU, {"alpha": -0.2}, (0.0,)),
    (ELU, {}, (0.0,)),
    (ELU, {"alpha": 0.5}, (0.0,)),
    (ThresholdedReLU, {}, (1.0,)),
    (ThresholdedReLU, {"theta": 0.3}, (0.3,)),
    (Softmax, {}, ()),
    (Softmax, {"axis": 1}, ()),
    (ReLU, {}, (0.0,)),
    (ReLU, {"max_value": 1.0}, (0.0, 1.0)),
    (ReLU, {"negative_slope": 0.2, "threshold": -0.5}, (-0.5,)),
    (ReLU, {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5}, (0.5, 2.0)),
])
def test_harness(cls, kwargs, points):
    x = away_from_kinks((2, 3, 4), points)
    layer_test(cls, kwargs, input_data=x, expected_output_shape=(None, 3, 4), supports_masking=True)


@pytest.mark.parametrize("kwargs, weight_shape", [
    ({}, (3, 4)),
    ({"shared_axes": 1}, (1, 4)),
    ({"shared_axes": [1, 2], "alpha_initializer": "ones"}, (1, 1)),
    ({"alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}},
      "alpha_regularizer": "l2", "alpha_constraint": "non_neg"}, (3, 4)),
])
def test_prelu_harness(kwargs, weight_shape):
    x = away_from_kinks((2, 3, 4), seed=1)
    layer_test(PReLU, kwargs, input_data=x, expected_weight_shapes=[weight_shape],
               expected_num_losses=1 if "alpha_regularizer" in kwargs else 0, supports_masking=True)


def test_prelu_on_feature_maps_shares_per_channel():
    x = away_from_kinks((2, 3, 3, 2), seed=2)
    layer = PReLU(shared_axes=[1, 2], dtype="float64")
    layer(x)
    slopes = np.array([[[0.1, -0.3]]])
    layer.set_weights([slopes])
    expected = np.where(x > 0, x, slopes * x)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-14)


KERAS = {
    "leaky_relu": (LeakyReLU, {"alpha": 0.1}),
    "leaky_relu_default": (LeakyReLU, {}),
    "elu": (ELU, {"alpha": 0.7}),
    "thresholded_relu": (ThresholdedReLU, {"theta": 0.5}),
    "softmax": (Softmax, {}),
    "softmax_axis1": (Softmax, {"axis": 1}),
    "relu_all": (ReLU, {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5}),
    "relu6": (ReLU, {"max_value": 6.0}),
    "prelu": (PReLU, {}),
    "prelu_shared": (PReLU, {"shared_axes": [1]}),
}


@pytest.mark.parametrize("case", sorted(KERAS))
def test_matches_keras(case):
    cls, kwargs = KERAS[case]
    data = CASES[case]
    layer = cls(dtype="float64", **kwargs)
    layer(data["x0"])
    if "w0" in data:
        layer.set_weights([data["w0"]])
    y, (dx,), dws = run_with_gradients(layer, data["x0"], data["g"])
    assert_close(y, data["y"], 1e-13, f"{case} output")
    assert_close(dx, data["dx0"], 1e-13, f"{case} input gradient")
    if "dw0" in data:
        assert_close(dws[0], data["dw0"], 1e-13, f"{case} alpha gradient")


def test_softmax_rows_sum_to_one_for_large_inputs():
    y = Softmax(dtype="float64")(np.array([[1000.0, 0.0, -1000.0]])).numpy()
    np.testing.assert_allclose(y, [[1.0, 0.0, 0.0]])


@pytest.mark.parametrize("make, message", [
    (lambda: ReLU(max_value=-1.0), r"ReLU .*`max_value` must be a non-negative number, received max_value=-1.0"),
    (lambda: ReLU(negative_slope=-0.1), r"ReLU .*`negative_slope` must be a non-negative number"),
    (lambda: ReLU(threshold="a"), r"ReLU .*`threshold` must be a finite number, received threshold='a'"),
    (lambda: LeakyReLU(alpha=None), r"LeakyReLU .*`alpha` must be a finite number, received alpha=None"),
    (lambda: ELU(alpha=float("nan")), r"ELU .*`alpha` must be a finite number"),
    (lambda: ThresholdedReLU(theta=[1]), r"ThresholdedReLU .*`theta` must be a finite number"),
    (lambda: Softmax(axis=1.5), r"Softmax .*`axis` must be an int, received axis=1.5"),
    (lambda: PReLU(shared_axes=[0]), r"PReLU .*`shared_axes` must be an int or a list of ints >= 1"),
    (lambda: PReLU(alpha_initializer="nope"), r"PReLU 'p_re_lu_\d+'"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"Softmax .*axis=3 is out of range for an input of rank 2"):
        Softmax(axis=3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"PReLU .*shared axis 3 is not an axis of the input .*\(2, 3, 4\)"):
        PReLU(shared_axes=3)(np.zeros((2, 3, 4)))
    layer = PReLU()
    layer(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"expected axis 2 of the input to have value 4.*\(2, 3, 5\)"):
        layer(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"expected min_ndim=2, found ndim=1"):
        PReLU()(np.zeros(3))
