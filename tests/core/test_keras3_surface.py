"""Keras 3's top-level names: Layer, Variable(initializer=, shape=), add_weight by keyword,
minikeras.random with SeedGenerator, minikeras.config."""
import numpy as np
import pytest

import minikeras
from minikeras import config, initializers, random
from minikeras.utils import set_random_seed


def test_top_level_names_are_keras3s():
    for name in ("Layer", "Model", "Sequential", "Input", "Variable", "ops", "random", "config"):
        assert name in minikeras.__all__ and getattr(minikeras, name) is not None
    assert minikeras.Layer is minikeras.layers.Layer


def test_variable_from_an_initializer_and_a_shape():
    v = minikeras.Variable(initializer="ones", shape=(2, 3), dtype="float64", trainable=False, name="w")
    assert (v.shape, v.dtype, v.trainable, v.name) == ((2, 3), np.float64, False, "w")
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    set_random_seed(3)
    a = minikeras.Variable(initializer=initializers.RandomNormal(stddev=0.1), shape=(50,)).numpy()
    assert a.dtype == np.float32 and 0.05 < a.std() < 0.15
    v = minikeras.Variable(initializer=np.arange(3.0))  # a value given as the initializer
    np.testing.assert_array_equal(v.numpy(), [0.0, 1.0, 2.0])
    assert float(minikeras.Variable(2.5)) == 2.5  # today's spelling


def test_variable_errors():
    with pytest.raises(ValueError, match=r"Variable: expected a value .* or an initializer and a shape .*received neither"):
        minikeras.Variable()
    with pytest.raises(ValueError, match=r"Variable: the initializer 'zeros' needs a shape .*received shape=None"):
        minikeras.Variable(initializer="zeros")
    with pytest.raises(ValueError, match=r"Variable: the value has shape \(2,\), but shape=\(3,\) was given"):
        minikeras.Variable([1.0, 2.0], shape=(3,))
    with pytest.raises(ValueError, match="received both a value and an initializer"):
        minikeras.Variable(1.0, initializer="zeros", shape=())


class Linear(minikeras.Layer):
    """A Keras 3 textbook layer: add_weight with keywords only, math through ops."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True, name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return minikeras.ops.matmul(inputs, self.w) + self.b


def test_a_keras3_layer_subclass_trains_in_a_model():
    set_random_seed(0)
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    model = minikeras.Sequential([minikeras.Input(shape=(3,)), Linear(1)])
    model.compile(minikeras.optimizers.SGD(learning_rate=0.1), "mse")
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 1e-3
    np.testing.assert_allclose(model.layers[-1].w.numpy()[:, 0], [1.0, -2.0, 0.5], atol=0.05)


def test_random_functions_take_an_int_a_seed_generator_or_the_global_seed():
    a = random.normal((3, 4), seed=5).numpy()
    np.testing.assert_array_equal(a, random.normal((3, 4), seed=5).numpy())
    seeds = random.SeedGenerator(7)
    first, second = random.uniform((5,), seed=seeds).numpy(), random.uniform((5,), seed=seeds).numpy()
    assert not np.array_equal(first, second)  # the generator moves on
    again = random.SeedGenerator(7)
    np.testing.assert_array_equal(random.uniform((5,), seed=again).numpy(), first)
    set_random_seed(11)
    b = random.normal((4,)).numpy()
    set_random_seed(11)
    np.testing.assert_array_equal(random.normal((4,)).numpy(), b)  # set_random_seed seeds them too
    assert a.dtype == np.float32


def test_random_distributions():
    draws = random.truncated_normal((20000,), mean=1.0, stddev=2.0, seed=1).numpy()
    assert np.abs(draws - 1.0).max() <= 4.0 and abs(draws.mean() - 1.0) < 0.05
    u = random.uniform((10000,), minval=-1.0, maxval=3.0, seed=2).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    r = random.randint((1000,), 2, 5, seed=3).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {2, 3, 4}
    c = random.categorical(np.log([[0.1, 0.9], [0.9, 0.1]]), 4000, seed=4).numpy()
    assert c.shape == (2, 4000) and abs(c[0].mean() - 0.9) < 0.03 and abs(c[1].mean() - 0.1) < 0.03
    s = random.shuffle(np.arange(10), seed=5).numpy()
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))


def test_random_dropout_is_differentiable_and_scales():
    x = minikeras.Variable(np.ones((200, 50), dtype=np.float32))
    with minikeras.GradientTape() as tape:
        y = random.dropout(x, 0.25, seed=6)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02 and np.allclose(y.numpy()[kept], 1 / 0.75)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), y.numpy())  # d(x*mask)/dx = mask
    with pytest.raises(ValueError, match=r"random.dropout: rate must be in \[0, 1\); received 1.0"):
        random.dropout(x, 1.0)


def test_config_functions():
    assert config.backend() == "minikeras"
    assert config.floatx() == "float32" and config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    try:
        config.set_floatx("float64")
        assert minikeras.ops.zeros((1,)).dtype == np.float64
        config.set_epsilon(1e-5)
        assert minikeras.backend.epsilon() == 1e-5
        config.set_image_data_format("channels_first")
        assert minikeras.backend.image_data_format() == "channels_first"
    finally:
        config.set_floatx("float32")
        config.set_epsilon(1e-7)
        config.set_image_data_format("channels_last")


def test_a_scalar_tensor_formats_as_its_number():
    # Keras 3 notebooks print results with f"{metric.result():.2f}".
    assert f"{minikeras.Tensor(np.float32(0.6666667)):.2f}" == "0.67"
    assert f"{minikeras.ops.sum(minikeras.ops.array([1.0, 2.0, 3.5])):g}" == "6.5"
    assert f"{minikeras.Tensor(np.float32(2.0))}".startswith("<Tensor shape=()")
    with pytest.raises(TypeError):
        f"{minikeras.Tensor(np.zeros(3)):.2f}"


def test_set_backend_accepts_minikeras_and_names_what_another_backend_means():
    config.set_backend("minikeras")
    assert config.backend() == "minikeras"
    with pytest.raises(NotImplementedError, match="'tensorflow'.*GradientTape"):
        minikeras.config.set_backend("tensorflow")


def test_variable_value_is_the_variable_and_keeps_gradients():
    import minikeras as keras

    v = keras.Variable(np.array([1.0, 2.0], "float32"))
    assert v.value is v
    np.testing.assert_array_equal(v.value.numpy(), [1.0, 2.0])
    with keras.GradientTape() as tape:
        loss = keras.ops.sum(v.value * v.value)
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [2.0, 4.0])
