"""Audit of models and training: bad arguments, Keras 2 output lines, and saving edge cases.

Each test pins a defect found by the audit of issue 5 (it failed before the fix).
"""
import json

import numpy as np
import pytest

from minikeras import backend as K
from minikeras import callbacks, losses, optimizers
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.input_layer import Input
from minikeras.models import Model, Sequential, load_model, model_from_json


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)


def compiled(**compile_kwargs):
    model = Sequential([Dense(2, activation="softmax", input_shape=(3,))], name="net")
    model.compile(compile_kwargs.pop("optimizer", "sgd"), compile_kwargs.pop("loss", "categorical_crossentropy"),
                  **compile_kwargs)
    return model


def data(n=10):
    rng = np.random.default_rng(0)
    return rng.random((n, 3)).astype(np.float32), np.eye(2)[rng.integers(0, 2, n)]


# --- fit's arguments ---------------------------------------------------------------------------
@pytest.mark.parametrize("arguments, message", [
    ({"validation_split": -0.2}, r"validation_split must be in \[0, 1\), received -0.2"),
    ({"validation_split": "a"}, r"validation_split must be in \[0, 1\), received 'a'"),
    ({"epochs": -1}, "epochs must be a non-negative integer, received -1"),
    ({"epochs": 1.5}, "epochs must be a non-negative integer, received 1.5"),
    ({"epochs": "2"}, "epochs must be a non-negative integer, received '2'"),
    ({"initial_epoch": "a"}, "initial_epoch must be a non-negative integer"),
    ({"steps_per_epoch": 0}, "steps_per_epoch must be a positive integer, received 0"),
    ({"steps_per_epoch": -1}, "steps_per_epoch must be a positive integer, received -1"),
    ({"validation_data": "VALID", "validation_steps": 0}, "validation_steps must be a positive integer"),
])
def test_fit_refuses_bad_counts_and_splits_before_training(arguments, message):
    model = compiled()
    x, y = data()
    if arguments.get("validation_data") == "VALID":
        arguments["validation_data"] = (x, y)
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.fit(x, y, verbose=0, **arguments)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_fit_accepts_whole_float_epochs_and_a_zero_split():
    model = compiled()
    x, y = data()
    history = model.fit(x, y, epochs=2.0, validation_split=0.0, verbose=0)
    assert history.epoch == [0, 1] and "val_loss" not in history.history


def test_steps_of_evaluate_and_predict_are_checked():
    model = compiled()
    x, y = data()
    with pytest.raises(ValueError, match="steps must be a positive integer, received 0"):
        model.evaluate(x, y, steps=0, verbose=0)
    with pytest.raises(ValueError, match="steps must be a positive integer, received -2"):
        model.predict(x, steps=-2)


def test_missing_or_non_numeric_data_is_a_clear_value_error():
    model = compiled()
    x, y = data()
    with pytest.raises(ValueError, match=r"input data x is required \(received x=None\)"):
        model.fit(None, y, verbose=0)
    with pytest.raises(ValueError, match=r"input data x is required"):
        model.predict(None)
    with pytest.raises(ValueError, match=r"target data must be numeric, received an array of dtype <U1"):
        model.fit(x, np.array([["a", "b"]] * 10), verbose=0)
    with pytest.raises(ValueError, match=r"input data must be numeric"):
        model.predict(np.array([["a", "b", "c"]]))


def test_a_target_left_out_of_a_list_is_named():
    x = Input(shape=(3,), name="x")
    model = Model(x, [Dense(2, name="a")(x), Dense(1, name="b")(x)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"no data provided for target 'b' \(received None\)"):
        model.fit(np.ones((4, 3)), [np.ones((4, 2)), None], verbose=0)


def test_a_plain_list_of_numbers_is_one_array_as_in_keras2():
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(np.ones((5, 3)), [0, 1, 0, 1, 1], verbose=0)
    assert len(history.history["loss"]) == 1


def test_callbacks_must_be_a_list():
    model = compiled()
    x, y = data()
    with pytest.raises(TypeError, match=r"callbacks must be a list of .*Callback instances, got History"):
        model.fit(x, y, verbose=0, callbacks=callbacks.History())


def test_non_numeric_weights_are_named():
    with pytest.raises(ValueError, match=r"loss_weights: the weight of output 'dense_1' must be a number, "
                                         r"received 'a'"):
        compiled(loss_weights=["a"])
    model = compiled()
    x, y = data()
    with pytest.raises(ValueError, match=r"sample_weight must be an array of numbers, received str"):
        model.fit(x, y, sample_weight="abc", verbose=0)
    with pytest.raises(ValueError, match=r"the weights in class_weight must be numbers"):
        model.fit(x, y, class_weight={0: "a", 1: 2.0}, verbose=0)


def test_classes_of_optimizers_and_losses_are_built_with_their_defaults():
    model = compiled(optimizer=optimizers.Adam, loss=losses.CategoricalCrossentropy,
                     metrics=[losses.MeanSquaredError])
    assert isinstance(model.optimizer, optimizers.Adam)
    x, y = data()
    history = model.fit(x, y, verbose=0)
    assert set(history.history) == {"loss", "mean_squared_error"}
    assert np.isfinite(history.history["loss"][0])


# --- Keras 2's lines on the screen ----------------------------------------------------------------
def test_fit_announces_the_validation_split_as_keras2(capsys):
    model = compiled()
    x, y = data()
    model.fit(x, y, validation_split=0.2, verbose=2)
    assert capsys.readouterr().out.startswith("Train on 8 samples, validate on 2 samples\nEpoch 1/1\n")
    model.fit(x, y, validation_data=(x[:3], y[:3]), verbose=1)
    assert "Train on 10 samples, validate on 3 samples" in capsys.readouterr().out
    model.fit(x, y, validation_split=0.2, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_bar_shows_progress_only_as_keras2(capsys):
    model = compiled(metrics=["acc"])
    x, y = data()
    model.evaluate(x, y, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    assert "10/10 [==============================]" in out
    assert "loss" not in out and "acc" not in out


# --- get_layer --------------------------------------------------------------------------------------
def test_get_layer_index_must_be_an_integer():
    model = compiled()
    with pytest.raises(TypeError, match=r"get_layer\(index=...\) expects an integer, received str"):
        model.get_layer(index="a")
    with pytest.raises(TypeError, match=r"expects an integer, received float"):
        model.get_layer(index=0.0)


# --- Input ---------------------------------------------------------------------------------------------
def test_input_refuses_fractional_sizes_and_non_numeric_dtypes():
    with pytest.raises(ValueError, match=r"a shape must be a tuple of positive integers or None, received \(3.5,\)"):
        Input(shape=(3.5,))
    assert Input(shape=(3.0,)).shape == (None, 3)
    with pytest.raises(TypeError, match=r"InputLayer 'input_\d+': dtype must be a numeric NumPy dtype.*'foo'"):
        Input(shape=(3,), dtype="foo")
    with pytest.raises(TypeError, match=r"dtype must be a numeric NumPy dtype"):
        Input(shape=(3,), dtype=str)


# --- saving --------------------------------------------------------------------------------------------
def test_a_model_saved_before_training_loads_and_trains(tmp_path):
    model = compiled(optimizer="adam")
    model.save(tmp_path / "fresh")
    clone = load_model(tmp_path / "fresh")
    x, y = data()
    clone.fit(x, y, verbose=0)  # the saved state [iterations] alone must not break the first step
    assert clone.optimizer.iterations == 1


def test_load_model_restores_the_optimizer_state_at_once(tmp_path):
    model = compiled(optimizer=optimizers.Adam(0.01, amsgrad=True))
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "trained")
    clone = load_model(tmp_path / "trained")
    state, restored = model.optimizer.get_weights(), clone.optimizer.get_weights()
    assert len(restored) == len(state) == 1 + 3 * 2
    assert all(np.array_equal(a, b) for a, b in zip(state, restored))
    assert clone.optimizer.iterations == model.optimizer.iterations == 6


@pytest.mark.parametrize("manifest, message", [
    ([1, 2], r"entry #0 is not"),
    ([{"layer": "dense_1", "weights": [1, 2]}], r"lists a weight that is not \[name, shape, dtype\]"),
    ([{"layer": "dense_1", "weights": [["kernel"], ["bias"]]}], r"lists a weight that is not"),
    ([{"layer": "dense_1", "weights": "ab"}], r"entry #0 is not"),
    ([{"layer": ["x"], "weights": []}], r"entry #0 is not"),
    ({"layer": "dense_1"}, r"expected a list of layers, found dict"),
])
def test_a_malformed_manifest_is_a_clear_error_and_changes_nothing(tmp_path, manifest, message):
    model = compiled()
    path = tmp_path / "weights"
    model.save_weights(path)
    with np.load(path) as archive:
        entries = {key: archive[key] for key in archive.files}
    entries["__weight_manifest__"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    np.savez(tmp_path / "bad.npz", **entries)
    before = model.get_weights()
    with pytest.raises(ValueError, match="the weight manifest is malformed.*" + message):
        model.load_weights(tmp_path / "bad.npz")
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize("config, message", [
    ({}, r"'layers' should be a list"),
    ({"layers": [], "input_layers": [], "output_layers": []}, r"'input_layers' should list"),
    ({"layers": [{"name": "i", "class_name": "InputLayer", "config": {"batch_input_shape": [None, 3]}}],
      "input_layers": [["i", 0, 0]], "output_layers": [["i", 5, 0]]}, r"layer 'i' has no call #5"),
    ({"layers": [{"name": "i", "class_name": "InputLayer", "config": {"batch_input_shape": [None, 3]}},
                 {"name": "d", "class_name": "Dense", "config": {"units": 2},
                  "inbound_nodes": [[["i", 0, 7, {}]]]}],
      "input_layers": [["i", 0, 0]], "output_layers": [["d", 0, 0]]}, r"asks for output #7"),
    ({"layers": [{"name": "d", "class_name": "Dense", "config": {"units": 2}, "inbound_nodes": [["i"]]}],
      "input_layers": [["d", 0, 0]], "output_layers": [["d", 0, 0]]}, r"inbound_nodes that are not lists"),
])
def test_a_malformed_functional_config_is_a_value_error(config, message):
    with pytest.raises(ValueError, match=message):
        model_from_json(json.dumps({"class_name": "Model", "config": config}))


def test_saving_to_a_directory_or_an_empty_path_is_refused(tmp_path):
    model = compiled()
    with pytest.raises(ValueError, match=r"it is a directory; give a file path"):
        model.save_weights(tmp_path)
    with pytest.raises(ValueError, match=r"the file path must be a non-empty string"):
        model.save("")
    with pytest.raises(FileNotFoundError, match=r"the folder .*missing.* does not exist"):
        model.save(tmp_path / "missing" / "model")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


# --- shuffling as Keras 2.2.4's fit_loop does it -------------------------------------------------
def keras2_orders(n, batch_size, shuffle, epochs):
    """Keras 2.2.4's fit_loop: one index array, shuffled again in place at every epoch."""
    index_array = np.arange(n)
    orders = []
    for _ in range(epochs):
        if shuffle == "batch":  # keras.engine.training_utils.batch_shuffle
            batch_count = len(index_array) // batch_size
            last_batch = index_array[batch_count * batch_size:]
            blocks = index_array[:batch_count * batch_size].reshape((batch_count, batch_size))
            np.random.shuffle(blocks)
            index_array = np.append(blocks.flatten(), last_batch)
        elif shuffle:
            np.random.shuffle(index_array)
        orders.append(index_array.copy())
    return orders


@pytest.mark.parametrize("shuffle", [True, "batch", False])
def test_the_same_seed_gives_keras2_batches(shuffle):
    from minikeras.models.data_utils import BatchPlan

    np.random.seed(3)
    expected = keras2_orders(11, 3, shuffle, epochs=3)
    np.random.seed(3)
    plan = BatchPlan(11, 3, shuffle, None)
    for order in expected:
        np.testing.assert_array_equal(np.concatenate(plan.epoch()), order)


def test_callbacks_see_the_validation_arrays_with_their_weights_as_keras2():
    model = compiled()
    x, y = data()
    seen = []
    spy = callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(spy.validation_data))
    model.fit(x, y, validation_split=0.2, verbose=0, callbacks=[spy])
    x_val, y_val, w_val = seen[0]
    np.testing.assert_array_equal(x_val, x[8:])
    np.testing.assert_array_equal(y_val, y[8:])
    np.testing.assert_array_equal(w_val, [1.0, 1.0])


# --- summary ---------------------------------------------------------------------------------------------
def test_summary_numbers_the_calls_of_a_nested_model_from_1_as_keras2():
    from minikeras.layers.core.lambda_layer import Lambda

    x = Input(shape=(3,), name="x")
    inner = Model(x, Dense(2, name="d")(x), name="inner")
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    model = Model([a, b], Lambda(lambda t: t[0] + t[1], name="add")([inner(a), inner(b)]))
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line.rstrip() for line in lines]
    # In Keras 2 node 0 of a model is the model itself: its calls are nodes 1 and 2.
    assert "inner (Model)                   (None, 2)            8           a[0][0]" in rows
    assert " " * 65 + "b[0][0]" in rows
    assert "add (Lambda)                    (None, 2)            0           inner[1][0]" in rows
    assert " " * 65 + "inner[2][0]" in rows


# --- configs: a nested model's calls are counted from 1, as Keras 2 writes them ----------------------
KERAS2_NESTED = {
    "class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow",
    "config": {
        "name": "outer",
        "layers": [
            {"name": "a", "class_name": "InputLayer", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "name": "a"}},
            {"name": "b", "class_name": "InputLayer", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "name": "b"}},
            {"name": "inner", "class_name": "Model",
             "config": {"name": "inner",
                        "layers": [
                            {"name": "x", "class_name": "InputLayer", "inbound_nodes": [],
                             "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                                        "sparse": False, "name": "x"}},
                            {"name": "d", "class_name": "Dense", "inbound_nodes": [[["x", 0, 0, {}]]],
                             "config": {"name": "d", "trainable": True, "units": 2,
                                        "activation": "linear", "use_bias": True}}],
                        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]},
             "inbound_nodes": [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]},
            {"name": "out", "class_name": "Dense", "inbound_nodes": [[["inner", 2, 0, {}]]],
             "config": {"name": "out", "trainable": True, "units": 1, "activation": "linear",
                        "use_bias": True}},
        ],
        "input_layers": [["a", 0, 0], ["b", 0, 0]],
        "output_layers": [["inner", 1, 0], ["out", 0, 0]],
    },
}


def test_a_keras2_config_with_a_nested_model_loads_and_round_trips():
    model = model_from_json(json.dumps(KERAS2_NESTED))
    assert model.output_shape == [(None, 2), (None, 1)]
    inner = model.get_layer("inner")
    # "out" reads the second call of the nested model (on input b).
    x_a, x_b = np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)
    first, second = model.predict([x_a, x_b])
    np.testing.assert_allclose(first, inner.predict(x_a), rtol=1e-6)
    np.testing.assert_allclose(model.get_layer("out")(inner.predict(x_b)).numpy(), second, rtol=1e-6)
    config = model.get_config()
    assert config["output_layers"] == [["inner", 1, 0], ["out", 0, 0]]
    assert config["layers"][3]["inbound_nodes"] == [[["inner", 2, 0, {}]]]
    assert Model.from_config(config).count_params() == model.count_params() == 11
