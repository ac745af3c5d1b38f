"""The functional API: Input, KerasTensor, Model graphs (multi-input/output, shared, nested)."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras import ops
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.dropout import Dropout
from minikeras.layers.core.input_layer import Input, InputLayer
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.layers.symbolic import KerasTensor
from minikeras.models import Model, Sequential
from minikeras.utils.gradient_check import check_gradients


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()


def dense_numpy(layer, x):
    kernel, bias = layer.get_weights()
    return x @ kernel + bias


# --- Input -------------------------------------------------------------------------------------
def test_input_is_a_symbolic_tensor_with_a_none_batch_axis():
    x = Input(shape=(32,))
    assert isinstance(x, KerasTensor) and x._is_symbolic
    assert x.shape == (None, 32) and x.dtype == np.float32 and x.name == "input_1:0"
    layer, node_index, tensor_index = x._keras_history
    assert isinstance(layer, InputLayer) and (node_index, tensor_index) == (0, 0)
    assert Input(batch_shape=(8, 3), dtype="float64").shape == (8, 3)
    assert Input(shape=(3,), batch_size=4, name="pixels").shape == (4, 3)
    assert Input(shape=(None, 5)).shape == (None, None, 5)
    assert Input(tensor=np.zeros((2, 7))).shape == (2, 7)


def test_input_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match="provide shape="):
        Input()
    with pytest.raises(ValueError, match="either shape or batch_shape"):
        Input(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="sparse inputs are not supported"):
        Input(shape=(3,), sparse=True)
    with pytest.raises(ValueError, match=r"must be positive or None, received \(None, 0\)"):
        Input(shape=(0,))


def test_a_symbolic_tensor_has_no_values():
    x = Input(shape=(3,))
    with pytest.raises(TypeError, match="is symbolic: it has a shape"):
        np.asarray(x)
    # Keras 3's ops build a graph node on symbolic tensors; one that cannot says so.
    assert getattr(ops.relu(x), "_is_symbolic", False)
    with pytest.raises(TypeError, match="top_k: received a symbolic tensor"):
        ops.top_k(x, 1)


def test_layer_call_on_symbolic_input_builds_and_records_a_node():
    x = Input(shape=(5,))
    dense = Dense(3)
    y = dense(x)
    assert dense.built and dense.kernel.shape == (5, 3)
    assert y.shape == (None, 3) and y._keras_history == (dense, 0, 0)
    node = dense._inbound_nodes[0]
    assert node.inbound_layers == [x._keras_history[0]] and node.output_tensors == [y]
    assert dense.input is x and dense.output is y
    assert dense.input_shape == (None, 5) and dense.output_shape == (None, 3)
    assert x._keras_history[0]._outbound_nodes == [node]


def test_mixing_symbolic_and_concrete_inputs_is_refused():
    x = Input(shape=(2,))
    with pytest.raises(TypeError, match="mix of symbolic tensors"):
        Lambda(lambda t: t[0] + t[1])([x, np.ones((1, 2))])


def test_input_spec_is_checked_on_symbolic_shapes():
    dense = Dense(3)
    dense(Input(shape=(5,)))
    with pytest.raises(ValueError, match="expected axis -1 of the input to have value 5"):
        dense(Input(shape=(4,)))


# --- Model -----------------------------------------------------------------------------------
def test_logistic_regression_model_matches_numpy():
    x = Input(shape=(32,))
    dense = Dense(16, activation="softmax")
    model = Model(x, dense(x))
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense"]
    assert model.input_shape == (None, 32) and model.output_shape == (None, 16)
    assert model.input is x and model.inputs == [x]
    data = np.random.default_rng(0).standard_normal((4, 32)).astype(np.float32)
    logits = dense_numpy(dense, data)
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model(data).numpy(), expected, rtol=1e-5)
    assert model.count_params() == 32 * 16 + 16


def test_keras2_spelling_input_output():
    a = Input(shape=(3,))
    b = Dense(2)(a)
    model = Model(input=a, output=b)
    assert model.output_shape == (None, 2)


def test_multi_input_multi_output_model():
    a1, a2 = Input(shape=(3,), name="left"), Input(shape=(4,), name="right")
    d1, d2 = Dense(2, name="d1"), Dense(2, name="d2")
    h1, h2 = d1(a1), d2(a2)
    total = Lambda(lambda t: t[0] + t[1], name="plus")([h1, h2])
    model = Model(inputs=[a1, a2], outputs=[total, h1])
    assert model.input_names == ["left", "right"] and model.output_names == ["plus", "d1"]
    assert model.input_shape == [(None, 3), (None, 4)]
    assert model.output_shape == [(None, 2), (None, 2)]
    rng = np.random.default_rng(1)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    out_total, out_h1 = model([x1, x2])
    np.testing.assert_allclose(out_h1.numpy(), dense_numpy(d1, x1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_total.numpy(), dense_numpy(d1, x1) + dense_numpy(d2, x2), rtol=1e-5, atol=1e-6)
    out_total_dict, _ = model({"left": x1, "right": x2})
    np.testing.assert_allclose(out_total_dict.numpy(), out_total.numpy())


def test_layers_are_in_topological_order():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    ha = Dense(2, name="ha")(a)
    merged = Lambda(lambda t: t[0] * t[1], name="merge")([ha, b])
    out = Dense(1, name="out")(merged)
    model = Model([a, b], out)
    # Keras 2: by decreasing depth, ties in the order the backwards walk met them.
    assert [l.name for l in model.layers] == ["a", "ha", "b", "merge", "out"]


def test_shared_layer_on_two_inputs_has_one_set_of_weights():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    shared = Dense(4, name="shared")
    ya, yb = shared(a), shared(b)
    model = Model([a, b], [ya, yb])
    assert len(shared._inbound_nodes) == 2 and yb._keras_history == (shared, 1, 0)
    assert len(model.weights) == 2 and model.count_params() == 16
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out_a, out_b = model([x, 2 * x])
    np.testing.assert_allclose(out_a.numpy(), dense_numpy(shared, x), rtol=1e-5)
    np.testing.assert_allclose(out_b.numpy(), dense_numpy(shared, 2 * x), rtol=1e-5)
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        shared.output
    assert shared.get_output_at(1) is yb and shared.output_shape == (None, 4)


def test_nested_model_used_as_a_layer():
    x = Input(shape=(4,))
    inner_dense = Dense(3, name="inner_dense")
    inner = Model(x, inner_dense(x), name="inner")
    z = Input(shape=(4,))
    head = Dense(2, name="head")
    outer = Model(z, head(inner(z)), name="outer")
    assert [l.name for l in outer.layers] == ["input_2", "inner", "head"]
    assert outer.count_params() == (4 * 3 + 3) + (3 * 2 + 2)
    assert len(outer.trainable_weights) == 4
    data = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    expected = dense_numpy(head, dense_numpy(inner_dense, data))
    np.testing.assert_allclose(outer(data).numpy(), expected, rtol=1e-5, atol=1e-6)
    # The inner model still works on its own.
    np.testing.assert_allclose(inner(data).numpy(), dense_numpy(inner_dense, data), rtol=1e-5, atol=1e-6)


def test_sequential_model_nested_in_functional_model():
    seq = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    x = Input(shape=(2,))
    model = Model(x, seq(x))
    data = np.ones((2, 2), dtype=np.float32)
    np.testing.assert_allclose(model(data).numpy(), seq(data).numpy())


def test_cut_a_model_at_an_inner_layer():
    x = Input(shape=(3,))
    hidden = Dense(5, name="hidden")(x)
    model = Model(x, Dense(1)(hidden))
    features = Model(model.input, model.get_layer("hidden").output)
    data = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_allclose(features(data).numpy(), dense_numpy(model.get_layer("hidden"), data), rtol=1e-6)


def test_get_layer_by_name_and_index():
    x = Input(shape=(3,), name="in")
    model = Model(x, Dense(1, name="out")(x))
    assert model.get_layer("out").name == "out" and model.get_layer(index=0).name == "in"
    with pytest.raises(ValueError, match="no such layer: 'missing'"):
        model.get_layer("missing")
    with pytest.raises(ValueError, match="index 5, but the model only has 2 layers"):
        model.get_layer(index=5)


def test_training_argument_reaches_the_layers():
    x = Input(shape=(200,))
    model = Model(x, Dropout(0.5)(x))
    data = np.ones((2, 200), dtype=np.float32)
    np.testing.assert_array_equal(model(data).numpy(), data)
    assert (model(data, training=True).numpy() == 0).any()


def test_model_losses_collect_the_regularizers():
    x = Input(shape=(3,))
    dense = Dense(2, kernel_regularizer="l2", kernel_initializer="ones")
    model = Model(x, Dense(1)(dense(x)))
    assert len(model.losses) == 1  # known as soon as the weights exist
    model(np.ones((2, 3)))
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0].numpy()), 0.01 * 6, rtol=1e-6)


def test_compute_output_shape_runs_the_shapes_through_the_graph():
    x = Input(shape=(None, 3))
    model = Model(x, Dense(5)(Dense(4)(x)))
    assert model.output_shape == (None, None, 5)
    assert model.compute_output_shape((7, 2, 3)) == (7, 2, 5)


def test_gradient_through_a_functional_model_float64():
    a, b = Input(shape=(3,), dtype="float64"), Input(shape=(3,), dtype="float64")
    shared = Dense(2, activation="tanh", dtype="float64")
    head = Dense(1, dtype="float64")
    out = head(Lambda(lambda t: t[0] * t[1], dtype="float64")([shared(a), shared(b)]))
    model = Model([a, b], out)
    rng = np.random.default_rng(3)
    xa, xb = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    error = check_gradients(lambda p, q, *weights: model([p, q]), [xa, xb] + model.trainable_weights)
    assert error < 1e-6


# --- errors -------------------------------------------------------------------------------------
def test_inputs_must_come_from_input():
    x = Input(shape=(3,))
    h = Dense(2)(x)
    with pytest.raises(ValueError, match="must come from Input"):
        Model(h, Dense(1)(h))
    with pytest.raises(ValueError, match="must be the output of a layer"):
        Model(x, np.ones(3))
    with pytest.raises(TypeError, match="both inputs and outputs are required"):
        Model(x)


def test_graph_disconnected():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    out = Lambda(lambda t: t[0] + t[1])([a, b])
    with pytest.raises(ValueError, match="graph disconnected.*'b'"):
        Model(a, out)


def test_layer_names_must_be_unique():
    x = Input(shape=(2,))
    with pytest.raises(ValueError, match="the name 'twin' is used 2 times"):
        Model(x, Dense(1, name="twin")(Dense(2, name="twin")(x)))


def test_redundant_inputs():
    x = Input(shape=(2,))
    with pytest.raises(ValueError, match="list of inputs is redundant"):
        Model([x, x], Dense(1)(x))


def test_calling_with_wrong_data_names_the_model():
    a, b = Input(shape=(3,)), Input(shape=(2,))
    model = Model([a, b], Lambda(lambda t: t[0][:, :2] + t[1])([a, b]), name="pair")
    with pytest.raises(ValueError, match="Layer 'pair' expects 2 input"):
        model(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"Input 1 of layer 'pair'.*expected axis 1 of the input to have value 2"):
        model([np.ones((1, 3)), np.ones((1, 5))])
    with pytest.raises(ValueError, match="no data provided for input"):
        model({"input_1": np.ones((1, 3))})


def test_functional_config_round_trip():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    shared = Dense(2, name="shared")
    inner_in = Input(shape=(2,), name="inner_in")
    inner = Model(inner_in, Dense(2, name="inner_dense")(inner_in), name="inner")
    merged = Lambda(K.square, name="square")(inner(shared(a)))
    model = Model([a, b], [merged, shared(b)], name="net")
    config = model.get_config()
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["square", 0, 0], ["shared", 1, 0]]
    shared_config = next(c for c in config["layers"] if c["name"] == "shared")
    assert shared_config["inbound_nodes"] == [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]

    clone = Model.from_config(config, safe_mode=False)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    data = [np.ones((2, 3)), np.full((2, 3), 2.0)]
    for got, expected in zip(clone(data), model(data)):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="safe_mode=False"):
        Model.from_config(config)


def test_get_weights_is_layer_by_layer_and_set_weights_checks_everything():
    x = Input(shape=(2,))
    model = Model(x, Dense(3)(Dense(4)(x)))
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(2, 4), (4,), (4, 3), (3,)]
    before = model.get_weights()
    bad = [np.zeros(s) for s in shapes[:-1]] + [np.zeros(5)]
    with pytest.raises(ValueError, match=r"expected shape \(3,\), but received an array of shape \(5,\)"):
        model.set_weights(bad)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)  # nothing half-set


def test_trainable_false_freezes_the_whole_model():
    x = Input(shape=(2,))
    model = Model(x, Dense(3)(x))
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 2
