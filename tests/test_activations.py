"""Activations: values against Keras fixtures, gradients, lookup by name, errors."""
import os

import numpy as np
import pytest

from minikeras import activations
from minikeras.tensor import Tensor
from minikeras.utils.gradient_check import assert_gradients_close

FIXTURES = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "core_activations.npz"))
NAMES = ["softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
         "hard_sigmoid", "exponential", "linear"]


@pytest.mark.parametrize("name", NAMES)
def test_each_activation_matches_keras(name):
    result = activations.get(name)(FIXTURES["x"]).numpy()
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, FIXTURES[name], rtol=1e-10, atol=1e-12)


def test_activation_arguments_match_keras():
    x = FIXTURES["x"]
    np.testing.assert_allclose(activations.elu(x, alpha=0.5).numpy(), FIXTURES["elu_alpha05"], rtol=1e-10)
    relu = activations.relu(x, alpha=0.1, max_value=2.0, threshold=0.5).numpy()
    np.testing.assert_allclose(relu, FIXTURES["relu_args"], rtol=1e-10, atol=1e-12)
    x3 = FIXTURES["x3"]
    np.testing.assert_allclose(activations.softmax(x3).numpy(), FIXTURES["softmax3d"], rtol=1e-10)
    np.testing.assert_allclose(activations.softmax(x3, axis=1).numpy(), FIXTURES["softmax3d_axis1"], rtol=1e-10)


def test_hard_sigmoid_is_keras2_formula():
    x = np.array([[-3.0, -2.5, -1.0, 0.0, 1.0, 2.5, 3.0]])
    np.testing.assert_allclose(activations.hard_sigmoid(x).numpy(), [[0, 0, 0.3, 0.5, 0.7, 1, 1]], atol=1e-12)


def test_float32_stays_float32():
    x = np.ones((2, 3), dtype=np.float32)
    for name in NAMES:
        assert activations.get(name)(x).dtype == np.float32, name


@pytest.mark.parametrize("name", NAMES)
def test_gradients(name):
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, (3, 4))
    x[np.abs(x) < 0.1] = 0.3  # away from the kinks of relu, elu
    x[np.abs(np.abs(x) - 2.5) < 0.1] = 1.0  # and of hard_sigmoid
    assert_gradients_close(activations.get(name), [x], tol=1e-6)


def test_softmax_refuses_1d():
    with pytest.raises(ValueError, match=r"softmax: cannot apply softmax to a tensor that is 1-D \(shape \(3,\)\)"):
        activations.softmax(np.ones(3))


def test_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get({"class_name": "tanh", "config": {}}) is activations.tanh

    def swish(x):
        return x * activations.sigmoid(x)

    assert activations.get(swish) is swish
    assert activations.serialize(activations.get("softmax")) == "softmax"
    assert activations.serialize(swish) == "swish"
    assert activations.deserialize("swish", custom_objects={"swish": swish}) is swish
    for name in NAMES:
        assert activations.deserialize(activations.serialize(activations.get(name))) is activations.get(name)


def test_unknown_names_and_types():
    with pytest.raises(ValueError, match=r"Unknown activation function: 'relu6'\. Expected one of elu, "):
        activations.get("relu6")
    with pytest.raises(ValueError, match=r"Could not interpret activation function identifier: 3"):
        activations.get(3)
    with pytest.raises(ValueError, match=r"Cannot serialize the activation"):
        activations.serialize(object())


def test_activation_is_recorded_on_tape():
    from minikeras import GradientTape

    x = Tensor(np.array([[0.5, -1.0]]))
    with GradientTape() as tape:
        tape.watch(x)
        y = activations.exponential(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.exp([[0.5, -1.0]]))
