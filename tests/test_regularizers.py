"""Regularizers: penalty values, gradients, Keras 2 defaults, lookup and errors."""
import numpy as np
import pytest

from minikeras import GradientTape, Variable, regularizers
from minikeras.utils.gradient_check import assert_gradients_close

W = np.array([[0.5, -1.5, 2.0], [-0.25, 0.0, 1.0]])


@pytest.mark.parametrize("regularizer, expected", [
    (regularizers.l1(), 0.01 * np.abs(W).sum()),
    (regularizers.l2(), 0.01 * np.square(W).sum()),
    (regularizers.l1_l2(), 0.01 * np.abs(W).sum() + 0.01 * np.square(W).sum()),
    (regularizers.l1(0.3), 0.3 * np.abs(W).sum()),
    (regularizers.L1L2(l1=0.2, l2=0.7), 0.2 * np.abs(W).sum() + 0.7 * np.square(W).sum()),
    (regularizers.L1L2(), 0.0),
])
def test_values(regularizer, expected):
    penalty = regularizer(W)
    assert penalty.shape == () and penalty.dtype == np.float64
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-12)


def test_gradients():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    assert_gradients_close(regularizers.L1L2(l1=0.3, l2=0.2), [w], tol=1e-6)
    # the analytic form: l1 * sign(w) + 2 * l2 * w
    v = Variable(w)
    with GradientTape() as tape:
        penalty = regularizers.L1L2(l1=0.3, l2=0.2)(v)
    np.testing.assert_allclose(tape.gradient(penalty, v).numpy(), 0.3 * np.sign(w) + 0.4 * w, rtol=1e-12)


def test_zero_penalty_keeps_dtype():
    assert regularizers.L1L2()(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_lookup_and_serialization():
    assert regularizers.get(None) is None
    assert regularizers.get("l2").get_config() == {"l1": 0.0, "l2": 0.01}
    assert regularizers.get("l1").get_config() == {"l1": 0.01, "l2": 0.0}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    reg = regularizers.l1_l2(l1=0.1, l2=0.2)
    config = regularizers.serialize(reg)
    assert config == {"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}
    assert regularizers.get(config).get_config() == reg.get_config()
    assert regularizers.get(reg) is reg
    assert regularizers.get(regularizers.L1L2).get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.serialize(None) is None

    def my_penalty(w):
        return 0.0 * w.sum()

    assert regularizers.get(my_penalty) is my_penalty
    assert regularizers.serialize(my_penalty) == "my_penalty"
    assert regularizers.deserialize("my_penalty", custom_objects={"my_penalty": my_penalty}) is my_penalty


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'\. Expected one of l1, l2, l1_l2, L1L2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match=r"Could not interpret regularizer identifier: 0\.1"):
        regularizers.get(0.1)
    with pytest.raises(ValueError, match=r"L1L2: `l2` must be non-negative, received -0\.5"):
        regularizers.l2(-0.5)
    with pytest.raises(ValueError, match=r"L1L2: `l1` must be a number, received 'big'"):
        regularizers.L1L2(l1="big")


def test_l1_and_l2_classes_of_later_keras():
    """``regularizers.L1`` / ``L2`` (tf.keras 2.3+, Keras 3) work and round-trip by their names."""
    np.testing.assert_allclose(float(regularizers.L1(0.3)(W)), 0.3 * np.abs(W).sum(), rtol=1e-12)
    np.testing.assert_allclose(float(regularizers.L2(0.3)(W)), 0.3 * np.square(W).sum(), rtol=1e-12)
    assert regularizers.L1().get_config() == {"l1": 0.01}
    assert regularizers.serialize(regularizers.L2(0.5)) == {"class_name": "L2", "config": {"l2": 0.5}}
    rebuilt = regularizers.get({"class_name": "L1", "config": {"l1": 0.2}})
    assert isinstance(rebuilt, regularizers.L1) and rebuilt.get_config() == {"l1": 0.2}
    assert regularizers.get("L2").get_config() == {"l2": 0.01}
    with pytest.raises(ValueError, match=r"L1L2: `l1` must be non-negative, received -1"):
        regularizers.L1(-1)
