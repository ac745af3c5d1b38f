"""Sequential: add/pop, the first layer's input shape, deferred building, configs."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers.core.activation import Activation
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.input_layer import Input, InputLayer
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()


def test_list_constructor_with_input_shape():
    model = Sequential([Dense(32, input_shape=(784,)), Activation("relu"), Dense(10)])
    assert model.built and model.name == "sequential_1"
    assert [l.name for l in model.layers] == ["dense_1", "activation_1", "dense_2"]
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)
    assert model.inputs[0]._keras_history[0].name == "dense_1_input"
    assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10
    assert model(np.zeros((3, 784))).shape == (3, 10)


@pytest.mark.parametrize("first", [
    lambda: Dense(4, input_dim=3),
    lambda: Dense(4, input_shape=(3,), batch_size=8),
    lambda: Dense(4, batch_input_shape=(8, 3)),
])
def test_every_way_of_giving_the_input_shape(first):
    model = Sequential()
    model.add(first())
    model.add(Dense(2))
    assert model.input_shape[1:] == (3,) and model.output_shape[1:] == (2,)


def test_batch_size_is_kept():
    model = Sequential([Dense(4, input_shape=(3,), batch_size=8)])
    assert model.input_shape == (8, 3)


def test_input_tensor_or_input_layer_first():
    a = Sequential([Input(shape=(5,)), Dense(2)])
    b = Sequential([InputLayer(input_shape=(5,)), Dense(2)])
    for model in (a, b):
        assert model.input_shape == (None, 5) and [type(l).__name__ for l in model.layers] == ["Dense"]
    with pytest.raises(ValueError, match="can only be added first"):
        Sequential([Dense(2, input_shape=(3,)), InputLayer(input_shape=(2,))])


def test_deferred_build_on_first_call():
    model = Sequential([Dense(4), Dense(2)])
    assert not model.built and model.layers[0].weights == []
    with pytest.raises(ValueError, match="isn't built yet"):
        model.count_params()
    with pytest.raises(AttributeError, match="has no output_shape yet"):
        model.output_shape
    out = model(np.ones((3, 7)))
    assert out.shape == (3, 2) and model.built
    assert model.input_shape == (None, 7) and model.layers[0].kernel.shape == (7, 4)


def test_deferred_build_with_build():
    model = Sequential()
    model.add(Dense(4))
    model.build((None, 6))
    assert model.output_shape == (None, 4)
    model.add(Dense(1))  # layers added after the build join the graph at once
    assert model.output_shape == (None, 1)


def test_pop_removes_the_last_layer():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(1)])
    popped = model.pop()
    assert popped.name == "dense_3" and model.output_shape == (None, 2) and len(model.layers) == 2
    assert model(np.ones((1, 3))).shape == (1, 2)
    assert model.layers[-1]._outbound_nodes == []
    model.pop()
    model.pop()
    assert model.layers == [] and not model.built
    with pytest.raises(TypeError, match="there are no layers in the model"):
        model.pop()


def test_add_rejects_non_layers_and_multi_output_layers():
    model = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")
    split = Lambda(lambda x: [x, x], output_shape=lambda s: [s, s])
    with pytest.raises(ValueError, match="should have a single output tensor"):
        model.add(split)


def test_wrong_input_shape_names_the_model():
    model = Sequential([Dense(2, input_shape=(3,))], name="net")
    with pytest.raises(ValueError, match="Layer 'net'.*expected axis 1 of the input to have value 3"):
        model(np.ones((2, 4)))


def test_sequential_inside_sequential():
    inner = Sequential([Dense(3, input_shape=(2,)), Dense(3)])
    outer = Sequential([inner, Dense(1)])
    assert outer.input_shape == (None, 2) and outer.output_shape == (None, 1)
    assert outer.count_params() == inner.count_params() + 4
    data = np.ones((2, 2), dtype=np.float32)
    np.testing.assert_allclose(outer(data).numpy(), outer.layers[1](inner(data)).numpy(), rtol=1e-6)


def test_sequential_as_layer_of_a_functional_model_and_back():
    seq = Sequential([Dense(3, input_shape=(4,))])
    x = Input(shape=(4,))
    model = Model(x, Dense(1)(seq(x)))
    assert model.output_shape == (None, 1)


def test_config_round_trip_keeps_names_and_outputs():
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)], name="stack")
    config = model.get_config()
    assert config["name"] == "stack"
    assert [c["class_name"] for c in config["layers"]] == ["Dense", "Dense"]
    assert config["layers"][0]["config"]["batch_input_shape"] == (None, 3)
    clone = Sequential.from_config(config)
    clone.set_weights(model.get_weights())
    data = np.random.default_rng(0).standard_normal((2, 3))
    np.testing.assert_allclose(clone(data).numpy(), model(data).numpy(), rtol=1e-6)
    assert [l.name for l in clone.layers] == ["dense_1", "dense_2"]


def test_config_of_a_model_built_from_data_stores_an_input_layer():
    model = Sequential([Dense(2)])
    model(np.ones((1, 5)))
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][0]["config"]["batch_input_shape"] == (None, 5)
    assert Sequential.from_config(config).input_shape == (None, 5)
    # Keras 2.2's config was a bare list of layers.
    assert Sequential.from_config(config["layers"]).output_shape == (None, 2)


def test_float64_model_keeps_float64():
    model = Sequential([Dense(2, input_shape=(3,), dtype="float64")])
    assert model(np.ones((1, 3))).dtype == np.float64
    deferred = Sequential([Dense(2, dtype="float64")])
    assert deferred(np.ones((1, 3))).dtype == np.float64


def test_a_failed_add_leaves_the_model_unchanged():
    model = Sequential([Dense(4, input_shape=(3,), name="twin")])
    with pytest.raises(ValueError, match="the name 'twin' is used 2 times"):
        model.add(Dense(2, name="twin"))
    assert [l.name for l in model.layers] == ["twin"] and model.output_shape == (None, 4)
    model.add(Dense(2))
    assert model.output_shape == (None, 2)
