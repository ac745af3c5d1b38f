"""Initializers: Keras 2 formulas checked by statistics over large draws, seeds, lookup, errors."""
import math

import numpy as np
import pytest

from minikeras import initializers
from minikeras.initializers import compute_fans

ALL_NAMES = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
             "variance_scaling", "orthogonal", "identity", "lecun_uniform", "lecun_normal",
             "glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]
N = 200_000  # elements per statistics draw: standard errors well under 1 %


def test_constant_initializers():
    assert np.array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(initializers.get("ones")((4,)), np.ones(4))
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 2)), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(initializers.Constant([1.0, 2.0])((3, 2)), [[1, 2]] * 3)
    assert initializers.get("zeros")((2,)).dtype == np.float32  # floatx by default
    assert initializers.get("zeros")((2,), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("init, mean, std, low, high", [
    (initializers.RandomNormal(), 0.0, 0.05, -np.inf, np.inf),
    (initializers.RandomNormal(mean=1.0, stddev=0.5), 1.0, 0.5, -np.inf, np.inf),
    (initializers.RandomUniform(), 0.0, 0.1 / math.sqrt(12), -0.05, 0.05),
    (initializers.RandomUniform(minval=1.0, maxval=3.0), 2.0, 2.0 / math.sqrt(12), 1.0, 3.0),
    # truncation at 2 sigma: the standard deviation shrinks by 0.8796
    (initializers.TruncatedNormal(), 0.0, 0.05 * 0.87962566, -0.1, 0.1),
    (initializers.TruncatedNormal(mean=-1.0, stddev=2.0), -1.0, 2.0 * 0.87962566, -5.0, 3.0),
])
def test_random_initializer_statistics(init, mean, std, low, high):
    np.random.seed(0)  # unseeded initializers draw from NumPy's global state: keep it fixed
    values = init((N,), dtype="float64")
    assert abs(values.mean() - mean) < 0.02 * std + 1e-12
    assert abs(values.std() - std) < 0.01 * std
    assert values.min() >= low and values.max() <= high


def test_keras2_defaults():
    assert initializers.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert initializers.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "normal", "seed": None}


def test_compute_fans():
    assert compute_fans((3, 5)) == (3, 5)
    assert compute_fans((3, 3, 4, 8)) == (3 * 3 * 4, 3 * 3 * 8)  # Conv2D: receptive field * channels
    assert compute_fans((5, 2, 6)) == (10, 30)  # Conv1D
    assert compute_fans((8, 4, 3, 3), data_format="channels_first") == (36, 72)
    assert compute_fans((7,)) == (math.sqrt(7), math.sqrt(7))


# (name, shape, expected std or uniform limit): Keras 2's formulas written out.
@pytest.mark.parametrize("name, shape, kind, target", [
    ("glorot_uniform", (400, 500), "uniform", math.sqrt(6 / 900)),
    ("glorot_normal", (400, 500), "normal", math.sqrt(2 / 900)),
    ("he_uniform", (3, 3, 100, 200), "uniform", math.sqrt(6 / 900)),
    ("he_normal", (3, 3, 100, 200), "normal", math.sqrt(2 / 900)),
    ("lecun_uniform", (600, 333), "uniform", math.sqrt(3 / 600)),
    ("lecun_normal", (5, 120, 300), "normal", math.sqrt(1 / 600)),
])
def test_variance_scaling_family(name, shape, kind, target):
    values = getattr(initializers, name)(seed=0)(shape, dtype="float64")
    assert values.shape == shape
    if kind == "uniform":
        assert values.min() >= -target and values.max() <= target
        assert values.max() > 0.99 * target
        assert abs(values.std() - target / math.sqrt(3)) < 0.01 * target
    else:
        # a truncated normal whose stddev was divided by 0.8796 to keep the variance
        assert abs(values.std() - target) < 0.01 * target
        limit = 2 * target / 0.87962566103423978
        assert np.abs(values).max() <= limit and np.abs(values).max() > 0.98 * limit


def test_variance_scaling_modes_and_distributions():
    shape = (200, 800)
    fan_out = initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=0)(shape, "float64")
    assert abs(fan_out.std() - math.sqrt(2.0 / 800)) < 0.01 * math.sqrt(2.0 / 800)
    plain = initializers.VarianceScaling(mode="fan_avg", distribution="untruncated_normal", seed=0)(shape, "float64")
    assert abs(plain.std() - math.sqrt(1 / 500)) < 0.01 * math.sqrt(1 / 500)
    assert np.abs(plain).max() > 3 * math.sqrt(1 / 500)  # not truncated
    truncated = initializers.VarianceScaling(distribution="truncated_normal", seed=0)
    same = initializers.VarianceScaling(distribution="normal", seed=0)
    np.testing.assert_array_equal(truncated(shape), same(shape))


def test_orthogonal():
    for shape in [(6, 6), (10, 4), (4, 10), (3, 3, 2, 5)]:
        q = initializers.Orthogonal(gain=2.0, seed=3)(shape, dtype="float64")
        assert q.shape == shape
        flat = q.reshape(-1, shape[-1])
        if flat.shape[0] >= flat.shape[1]:
            np.testing.assert_allclose(flat.T @ flat, 4.0 * np.eye(flat.shape[1]), atol=1e-12)
        else:
            np.testing.assert_allclose(flat @ flat.T, 4.0 * np.eye(flat.shape[0]), atol=1e-12)


def test_identity():
    np.testing.assert_array_equal(initializers.Identity(gain=3.0)((3, 3)), 3.0 * np.eye(3))
    with pytest.raises(ValueError, match=r"Identity initializer can only be used for 2-D square matrices, received shape \(3, 4\)"):
        initializers.Identity()((3, 4))


@pytest.mark.parametrize("name", [n for n in ALL_NAMES if n not in ("zeros", "ones", "constant", "identity")])
def test_seed_gives_the_same_numbers(name):
    cls = getattr(initializers, name)
    shape = (5, 4)
    a, b, c = cls(seed=7)(shape), cls(seed=7)(shape), cls(seed=8)(shape)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    first = cls(seed=7)
    np.testing.assert_array_equal(first(shape), first(shape))  # every call: the same recipe


def test_without_seed_numpy_global_seed_reproduces():
    np.random.seed(123)
    a = initializers.get("glorot_uniform")((3, 3))
    b = initializers.get("glorot_uniform")((3, 3))
    np.random.seed(123)
    np.testing.assert_array_equal(initializers.get("glorot_uniform")((3, 3)), a)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_lookup_and_config_round_trip(name):
    init = initializers.get(name)
    assert isinstance(init, initializers.Initializer)
    config = initializers.serialize(init)
    again = initializers.deserialize(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    assert initializers.get(config).get_config() == init.get_config()
    assert initializers.get(type(init).__name__).get_config() == init.get_config()


def test_serialized_forms():
    assert initializers.serialize(initializers.get("glorot_uniform")) == {
        "class_name": "GlorotUniform", "config": {"seed": None}}
    keras2 = {"class_name": "VarianceScaling",
              "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}
    assert isinstance(initializers.get(keras2), initializers.VarianceScaling)
    init = initializers.RandomNormal(stddev=0.2, seed=5)
    assert initializers.get(init) is init
    assert isinstance(initializers.get(initializers.he_normal), initializers.HeNormal)  # a class: instantiated

    def my_init(shape, dtype=None):
        return np.full(shape, 0.5)

    assert initializers.get(my_init) is my_init
    assert initializers.serialize(my_init) == "my_init"
    assert initializers.deserialize("my_init", custom_objects={"my_init": my_init}) is my_init


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot'\. Expected one of"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier: None"):
        initializers.get(None)
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier: 5"):
        initializers.get(5)
    with pytest.raises(ValueError, match=r"VarianceScaling: `mode` must be one of 'fan_in', 'fan_out', 'fan_avg', received 'fan'"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match=r"VarianceScaling: `distribution` must be one of .*received 'gauss'"):
        initializers.VarianceScaling(distribution="gauss")
    with pytest.raises(ValueError, match=r"VarianceScaling: `scale` must be a positive float, received 0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match=r"RandomNormal: `stddev` must be >= 0.0, received -1"):
        initializers.RandomNormal(stddev=-1)
    with pytest.raises(ValueError, match=r"RandomUniform: minval \(1\) must not be larger than maxval \(0\)"):
        initializers.RandomUniform(1, 0)
    with pytest.raises(ValueError, match=r"GlorotUniform: `seed` must be None or a non-negative int, received 1.5"):
        initializers.GlorotUniform(seed=1.5)
    with pytest.raises(ValueError, match=r"Orthogonal initializer: the weight must have at least 2 dimensions, received shape \(4,\)"):
        initializers.Orthogonal()((4,))
    with pytest.raises(ValueError, match=r"Zeros: `shape` must be a tuple of non-negative ints, received \(2, -1\)"):
        initializers.Zeros()((2, -1))
    with pytest.raises(ValueError, match=r"RandomNormal: random values need a float dtype, received int32"):
        initializers.RandomNormal()((2,), dtype="int32")
    with pytest.raises(ValueError, match=r"Constant initializer: the value of shape \(3,\) cannot fill a weight of shape \(2, 2\)"):
        initializers.Constant([1, 2, 3])((2, 2))
    with pytest.raises(ValueError, match=r"Constant: `value` must be a number or an array of numbers, received 'one'"):
        initializers.Constant("one")
