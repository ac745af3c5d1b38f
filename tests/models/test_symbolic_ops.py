"""K functions and Tensor operators on the symbolic tensors of a functional model (OpLayer)."""
import json

import numpy as np
import pytest

from minikeras import ops
from minikeras.optimizers import Adam
from minikeras import backend as K
from minikeras.layers import Dense, Input, Lambda
from minikeras.layers.op_layer import OpLayer
from minikeras.layers.symbolic import KerasTensor
from minikeras.models import Model, load_model, model_from_json
from minikeras.utils.gradient_check import assert_gradients_close


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


def test_k_functions_between_layers_build_op_layers_and_compute_the_same_as_numpy():
    x = Input(shape=(4,))
    dense = Dense(3)
    h = dense(x)
    y = K.sum(K.square(h) + 1.0, axis=-1, keepdims=True) * x[:, 0:1]
    assert isinstance(y, KerasTensor) and y.shape == (None, 1)
    model = Model(x, y)
    assert [type(layer).__name__ for layer in model.layers].count("OpLayer") == 5
    data = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    kernel, bias = dense.get_weights()
    h_np = data @ kernel + bias
    expected = np.sum(h_np ** 2 + 1.0, axis=-1, keepdims=True) * data[:, 0:1]
    np.testing.assert_allclose(model.predict(data), expected, rtol=1e-5)


@pytest.mark.parametrize("build, reference", [
    (lambda x: x + 2.0, lambda a: a + 2.0),
    (lambda x: 2.0 + x, lambda a: 2.0 + a),
    (lambda x: 1.0 - x, lambda a: 1.0 - a),
    (lambda x: x - x * 3.0, lambda a: a - a * 3.0),
    (lambda x: 3.0 * x / (1.0 + x * x), lambda a: 3.0 * a / (1.0 + a * a)),
    (lambda x: 2.0 / (x * x + 1.0), lambda a: 2.0 / (a * a + 1.0)),
    (lambda x: (x * x) ** 1.5, lambda a: (a * a) ** 1.5),
    (lambda x: -abs(x), lambda a: -np.abs(a)),
    (lambda x: x[:, 1:3], lambda a: a[:, 1:3]),
    (lambda x: x @ np.ones((4, 2), "float32"), lambda a: a @ np.ones((4, 2))),
    (lambda x: ops.square(x), lambda a: a ** 2),                    # ops, not only K
    (lambda x: K.softmax(x), lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
    (lambda x: K.concatenate([x, K.exp(x)], axis=-1), lambda a: np.concatenate([a, np.exp(a)], -1)),
])
def test_tensor_operators_and_ops_on_symbolic_tensors(build, reference):
    x = Input(shape=(4,))
    model = Model(x, build(x))
    data = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(data), reference(data), rtol=1e-5, atol=1e-6)


def test_gradients_flow_through_op_layers_float64():
    x = Input(shape=(3,), dtype="float64")
    dense = Dense(2, dtype="float64")
    h = dense(x)
    y = K.tanh(h) * K.exp(0.5 * h) - K.mean(h, axis=-1, keepdims=True)
    model = Model(x, y)
    data = np.random.default_rng(2).normal(size=(4, 3))
    assert_gradients_close(lambda t: model(t), [data], tol=1e-6)


def test_the_run_time_batch_size_reaches_random_draws():
    x = Input(shape=(4,))
    h = Dense(3)(x)
    batch = K.shape(h)[0]
    noise = K.random_normal(shape=(batch, 2))
    assert batch.shape == () and noise.shape == (None, 2)
    assert K.shape(h).dtype == np.int64 and batch.dtype == np.int64
    model = Model(x, noise)
    assert model.predict(np.zeros((7, 4), "float32"), batch_size=7).shape == (7, 2)
    assert model.predict(np.zeros((3, 4), "float32")).shape == (3, 2)


def test_a_model_with_k_math_trains():
    rng = np.random.default_rng(3)
    data = rng.normal(size=(128, 4)).astype("float32")
    target = (data[:, :1] * 2.0 - data[:, 1:2]).astype("float32")
    x = Input(shape=(4,))
    h = Dense(8)(x)
    y = Dense(1)(K.relu(h) + 0.1 * h)          # leaky ReLU written with K
    model = Model(x, y)
    model.compile(Adam(lr=0.02), "mse")
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=30, batch_size=32, verbose=0)
    assert model.evaluate(data, target, verbose=0) < 0.1 * before


def test_summary_lists_the_op_layers():
    x = Input(shape=(4,))
    model = Model(x, K.square(Dense(2)(x)))
    lines = []
    model.summary(print_fn=lines.append)
    assert any("square_1 (OpLayer)" in line and "(None, 2)" in line for line in lines)


def test_a_model_with_k_math_is_saved_and_loaded_by_name(tmp_path):
    x = Input(shape=(4,))
    h = Dense(3)(x)
    y = K.sum(K.square(h) + 1.0, axis=-1, keepdims=True) * x[:, 0:1] - np.array([0.5], "float32")
    noise = 0.0 * K.random_normal(shape=(K.shape(h)[0], 2))
    z = K.concatenate([h, -h])[..., 1:3] + noise
    model = Model(x, [y, z])
    config = json.loads(model.to_json())["config"]["layers"]
    functions = {layer["config"].get("function") for layer in config if layer["class_name"] == "OpLayer"}
    assert {"K:square", "K:sum", "ops:add", "ops:multiply", "operator:getitem", "K:shape",
            "K:random_normal", "K:concatenate"} <= functions
    path = str(tmp_path / "k_math.npz")
    model.save(path)
    loaded = load_model(path)
    data = np.random.default_rng(5).normal(size=(6, 4)).astype("float32")
    for a, b in zip(model.predict(data), loaded.predict(data)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert loaded.output_shape == [(None, 1), (None, 2)]
    rebuilt = model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in rebuilt.layers] == [type(layer).__name__ for layer in model.layers]


def test_k_math_whose_arguments_cannot_be_stored_says_why_and_the_weights_still_save(tmp_path):
    x = Input(shape=(4,))
    scale = K.variable(np.full((2,), 3.0))
    model = Model(x, K.square(Dense(2)(x)) * scale)
    with pytest.raises(NotImplementedError, match="OpLayer 'multiply_1' .*cannot be saved in a config: "
                                                  "Variable is not .*Keras 2 cannot save such a model either"):
        model.save(str(tmp_path / "m.npz"))
    with pytest.raises(NotImplementedError, match="save_weights"):
        model.to_json()
    with pytest.raises(NotImplementedError, match=r"OpLayer 'square_2' \(square applied.*the function square"):
        Model(x, ops.square(x)).to_json()                    # an op reached through Op.apply
    model.save_weights(str(tmp_path / "w.npz"))
    x2 = Input(shape=(4,))
    twin = Model(x2, K.square(Dense(2)(x2)) * scale)
    twin.load_weights(str(tmp_path / "w.npz"))
    data = np.ones((2, 4), "float32")
    np.testing.assert_allclose(twin.predict(data), model.predict(data))
    assert not (tmp_path / "m.npz").exists()


def test_a_k_function_that_does_not_fit_the_shapes_names_the_function_and_shapes():
    x = Input(shape=(4,))
    with pytest.raises(ValueError, match=r"OpLayer 'dot_1': K.dot cannot be applied to symbolic tensors of shapes \[\(None, 4\)\]"):
        K.dot(x, np.ones((3, 2), "float32"))


def test_settings_and_shape_readers_are_not_graph_nodes():
    x = Input(shape=(5, 2))
    assert K.int_shape(x) == (None, 5, 2)
    assert K.ndim(x) == 3 and K.dtype(x) == "float32"
    assert K.is_keras_tensor(x) and K.is_tensor(x) and not K.is_keras_tensor(np.ones(2))


def test_layer_add_loss_of_a_symbolic_tensor_outside_a_run_points_to_the_model():
    x = Input(shape=(2,))
    dense = Dense(2)
    y = dense(x)
    with pytest.raises(TypeError, match="Layer 'dense_1': add_loss received a symbolic tensor.*model.add_loss"):
        dense.add_loss(K.mean(y))


def test_lambda_uses_run_time_batch_size_int_shape_and_random_draws():
    latent = 3

    def sampling(args):
        z_mean, z_log_var = args
        assert K.int_shape(z_mean)[1] == latent
        epsilon = K.random_normal(shape=(K.shape(z_mean)[0], latent))
        return z_mean + K.exp(0.5 * z_log_var) * epsilon

    def drop(z):
        keep = K.random_binomial(shape=(K.shape(z)[0], K.int_shape(z)[1]), p=0.5)
        return z * keep + K.random_uniform(shape=(K.shape(z)[0], 1), minval=5.0, maxval=6.0) * 0.0

    x = Input(shape=(4,))
    z_mean, z_log_var = Dense(latent)(x), Dense(latent)(x)
    z = Lambda(sampling)([z_mean, z_log_var])
    out = Lambda(drop)(z)
    assert z.shape == (None, latent) and out.shape == (None, latent)
    model = Model(x, out)
    for n in (1, 5, 33):
        assert model.predict(np.ones((n, 4), "float32"), batch_size=n).shape == (n, latent)


def test_random_draws_follow_numpy_seed_and_their_distributions():
    np.random.seed(5)
    a = K.random_normal((4, 3), mean=1.0, stddev=2.0).numpy()
    np.random.seed(5)
    b = K.random_normal((4, 3), mean=1.0, stddev=2.0).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(K.random_uniform((3,), seed=7).numpy(), K.random_uniform((3,), seed=7).numpy())
    draws = K.random_binomial((20000,), p=0.3, seed=1).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0} and abs(draws.mean() - 0.3) < 0.02
    uniform = K.random_uniform((20000,), minval=-2.0, maxval=4.0, seed=2).numpy()
    assert uniform.min() >= -2.0 and uniform.max() < 4.0 and abs(uniform.mean() - 1.0) < 0.05
    normal = K.random_normal((20000,), mean=1.0, stddev=2.0, seed=3).numpy()
    assert abs(normal.mean() - 1.0) < 0.05 and abs(normal.std() - 2.0) < 0.05
    truncated = K.truncated_normal((20000,), stddev=2.0, seed=4).numpy()
    assert np.abs(truncated).max() <= 4.0
    assert K.random_normal((2, 3), dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match=r"random_binomial: p must be in \[0, 1\], received 1.5"):
        K.random_binomial((2,), p=1.5)
    with pytest.raises(ValueError, match="random_normal: shape must not have negative sizes"):
        K.random_normal((-1, 2))


def test_run_time_shapes_in_a_lambda_build_tensors():
    def per_sample(x):
        flat = K.reshape(x, (K.shape(x)[0], -1))
        return K.concatenate([flat, K.ones((K.shape(x)[0], 1)), K.zeros((K.shape(x)[0], 1))], axis=-1)

    x = Input(shape=(2, 3))
    model = Model(x, Lambda(per_sample)(x))
    assert model.output_shape == (None, 8)
    data = np.arange(24, dtype="float32").reshape(4, 2, 3)
    expected = np.concatenate([data.reshape(4, 6), np.ones((4, 1)), np.zeros((4, 1))], axis=-1)
    np.testing.assert_array_equal(model.predict(data), expected)
    assert int(K.shape(data)[0]) == 4 and K.shape(data)[0].dtype == np.int64


def test_k_function_reads_intermediate_outputs_with_the_learning_phase():
    from minikeras.layers import Dropout
    from minikeras.models import Sequential

    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dropout(0.5), Dense(2)])
    data = np.random.default_rng(4).normal(size=(6, 3)).astype("float32")
    hidden = K.function([model.input], [model.layers[0].output])
    kernel, bias = model.layers[0].get_weights()
    (values,) = hidden([data])
    np.testing.assert_allclose(values, np.maximum(data @ kernel + bias, 0), rtol=1e-6)
    both = K.function([model.input, K.learning_phase()], [model.layers[0].output, model.layers[1].output])
    before, after = both([data, 0])
    np.testing.assert_array_equal(before, after)              # Dropout off when testing
    before, after = both([data, 1])
    assert not np.array_equal(before, after)                  # and on when training
    with pytest.raises(NotImplementedError, match="`updates` is not supported"):
        K.function([model.input], [model.output], updates=[(model.layers[0].kernel, 0)])
    with pytest.raises(ValueError, match="graph disconnected"):
        K.function([Input(shape=(3,))], [model.output])
