"""Constraints: values against Keras 2's formulas (with epsilon), lookup and errors."""
import numpy as np
import pytest

from minikeras import Variable, constraints
from minikeras.config import epsilon

RNG = np.random.default_rng(4)
W = RNG.standard_normal((5, 3)) * np.array([0.1, 1.0, 4.0])  # columns of small, medium, large norm
KERNEL = RNG.standard_normal((3, 3, 2, 4))


def norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def test_max_norm():
    n = norms(W, 0)
    expected = W * np.clip(n, 0, 2.0) / (epsilon() + n)
    np.testing.assert_allclose(constraints.MaxNorm()(W).numpy(), expected, rtol=1e-12)
    out = constraints.max_norm(max_value=1.5, axis=[0, 1, 2])(KERNEL).numpy()
    assert norms(out, (0, 1, 2)).max() <= 1.5 + 1e-9
    small = W[:, :1]
    np.testing.assert_allclose(constraints.MaxNorm(2)(small).numpy(), small, rtol=1e-5)  # left alone


def test_non_neg():
    np.testing.assert_array_equal(constraints.NonNeg()(W).numpy(), np.where(W >= 0, W, 0.0))


def test_unit_norm():
    out = constraints.UnitNorm(axis=1)(W).numpy()
    np.testing.assert_allclose(out, W / (epsilon() + norms(W, 1)), rtol=1e-12)
    np.testing.assert_allclose(norms(out, 1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("low, high, rate", [(0.0, 1.0, 1.0), (0.5, 2.0, 1.0), (0.5, 2.0, 0.3)])
def test_min_max_norm(low, high, rate):
    n = norms(W, 0)
    desired = rate * np.clip(n, low, high) + (1 - rate) * n
    out = constraints.MinMaxNorm(low, high, rate)(W).numpy()
    np.testing.assert_allclose(out, W * desired / (epsilon() + n), rtol=1e-12)


def test_constraint_keeps_dtype_and_works_as_the_optimizer_applies_it():
    v = Variable(W.astype(np.float32), constraint=constraints.get("non_neg"))
    v.assign(v.constraint(v))
    assert v.dtype == np.float32 and (v.numpy() >= 0).all()


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("unit_norm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
    ("maxnorm", constraints.MaxNorm), ("MinMaxNorm", constraints.MinMaxNorm),
])
def test_lookup_and_round_trip(name, cls):
    c = constraints.get(name)
    assert type(c) is cls
    config = constraints.serialize(c)
    assert config["class_name"] == cls.__name__
    assert constraints.get(config).get_config() == c.get_config()


def test_serialized_configs_and_defaults():
    assert constraints.serialize(constraints.MaxNorm()) == {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert constraints.UnitNorm(axis=(0, 1)).get_config() == {"axis": [0, 1]}
    assert constraints.get(None) is None and constraints.serialize(None) is None
    c = constraints.MaxNorm(3)
    assert constraints.get(c) is c
    assert type(constraints.get(constraints.unit_norm)) is constraints.UnitNorm  # a class: instantiated


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown constraint: 'clip'\. Expected one of max_norm"):
        constraints.get("clip")
    with pytest.raises(ValueError, match=r"Could not interpret constraint identifier: 2"):
        constraints.get(2)
    with pytest.raises(ValueError, match=r"MaxNorm: `max_value` must be non-negative, received -1"):
        constraints.MaxNorm(-1)
    with pytest.raises(ValueError, match=r"UnitNorm: `axis` must be an int or a list of ints, received 'rows'"):
        constraints.UnitNorm(axis="rows")
    with pytest.raises(ValueError, match=r"MinMaxNorm: min_value \(2\) must not be larger than max_value \(1\)"):
        constraints.MinMaxNorm(2, 1)
