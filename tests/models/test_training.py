"""compile / fit / evaluate / predict / *_on_batch: learning, weighting, logs, validation, Ctrl-C."""
import signal

import numpy as np
import pytest

from minikeras import backend as K
from minikeras import optimizers
from minikeras.callbacks import Callback, LambdaCallback
from minikeras.layers.convolutional.conv2d import Conv2D
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.flatten import Flatten
from minikeras.layers.core.input_layer import Input
from minikeras.layers.core.masking import Masking
from minikeras.layers.pooling.max_pooling import MaxPooling2D
from minikeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names_and_seed():
    K.clear_session()
    np.random.seed(0)


def blobs(n=400, seed=0):
    """Two Gaussian blobs in 2-D, linearly separable with a wide margin."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 2)) * 0.5 + np.where(y[:, None] == 1, 2.0, -2.0)
    return x.astype(np.float32), y.astype(np.float32)


def bars(n=240, seed=0):
    """8x8 images holding a vertical (class 0) or horizontal (class 1) bar, with noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.normal(0, 0.2, (n, 8, 8, 1))
    for image, label, where in zip(images, labels, rng.integers(1, 7, n)):
        if label == 0:
            image[:, where, 0] += 1.0
        else:
            image[where, :, 0] += 1.0
    return images.astype(np.float32), np.eye(2, dtype=np.float32)[labels]


def linear_model(units_in=3, units_out=1, name=None, **dense_kwargs):
    return Sequential([Dense(units_out, input_shape=(units_in,), **dense_kwargs)], name=name)


# --- learning ---------------------------------------------------------------------------------
def test_mlp_learns_a_separable_problem():
    x, y = blobs()
    model = Sequential([Dense(8, activation="relu", input_shape=(2,)), Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=10, verbose=0)
    assert history.history["acc"][-1] > 0.95
    assert history.history["loss"][-1] < history.history["loss"][0]
    x_test, y_test = blobs(200, seed=1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.95


def test_small_cnn_learns_bars():
    x, y = bars(200)
    model = Sequential([
        Conv2D(4, (3, 3), activation="relu", input_shape=(8, 8, 1)),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=6, verbose=0)
    x_test, y_test = bars(200, seed=1)
    assert model.evaluate(x_test, y_test, verbose=0)[1] > 0.95
    assert np.mean(model.predict(x_test).argmax(1) == y_test.argmax(1)) > 0.95


def test_one_sgd_step_matches_numpy():
    model = linear_model(3, 1)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 1)).astype(np.float32)
    kernel, bias = model.get_weights()
    error = x @ kernel + bias - y
    loss = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, np.mean(error ** 2), rtol=1e-5)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * 2 * x.T @ error / 4, rtol=1e-5)
    np.testing.assert_allclose(new_bias, bias - 0.1 * 2 * error.mean(0), rtol=1e-5)


def test_regularization_is_part_of_the_loss():
    model = linear_model(3, 1, kernel_regularizer="l2", kernel_initializer="ones")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    x, y = np.ones((2, 3), dtype=np.float32), np.zeros((2, 1), dtype=np.float32)
    assert model.test_on_batch(x, y) == pytest.approx(9.0 + 0.01 * 3, rel=1e-5)


# --- weighting ---------------------------------------------------------------------------------
def test_sample_weight_is_keras2_weighted_mean():
    model = linear_model(2, 1, kernel_initializer="ones")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    x = np.array([[1, 0], [0, 2], [1, 1], [3, 0]], dtype=np.float32)
    y = np.zeros((4, 1), dtype=np.float32)
    per_sample = np.array([1.0, 4.0, 4.0, 9.0])
    weights = np.array([2.0, 0.0, 1.0, 1.0])
    expected = np.sum(per_sample * weights) / np.count_nonzero(weights)  # not / sum(weights)
    assert model.test_on_batch(x, y, sample_weight=weights) == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0) == pytest.approx(expected, rel=1e-6)
    assert model.train_on_batch(x, y, sample_weight=weights) == pytest.approx(expected, rel=1e-6)


def test_class_weight_equals_the_matching_sample_weight():
    x, y = blobs(64)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    with_class = model.fit(x, y, epochs=1, verbose=0, shuffle=False, class_weight={0: 1.0, 1: 3.0})
    with_sample = model.fit(x, y, epochs=1, verbose=0, shuffle=False, sample_weight=np.where(y == 1, 3.0, 1.0))
    assert with_class.history["loss"] == pytest.approx(with_sample.history["loss"], rel=1e-6)
    with pytest.raises(ValueError, match=r"class_weight must contain all classes.*\[1\]"):
        model.fit(x, y, epochs=1, verbose=0, class_weight={0: 1.0})


def test_sample_weight_errors():
    model = linear_model()
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3)), np.ones((4, 1))
    with pytest.raises(ValueError, match="sample_weight array with shape \\(4, 2\\).*temporal"):
        model.fit(x, y, sample_weight=np.ones((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="sample_weight cannot be broadcast"):
        model.fit(x, y, sample_weight=np.ones(3), verbose=0)


def test_masked_timesteps_do_not_count_in_the_loss():
    model = Sequential([Masking(0.0, input_shape=(4, 3)),
                        Dense(2, kernel_initializer="ones", bias_initializer="ones")])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    x = np.ones((2, 4, 3), dtype=np.float32)
    x[0, 2:] = 0.0  # two masked timesteps: their output is the bias, 1
    y = np.zeros((2, 4, 2), dtype=np.float32)
    per_step = np.array([[16, 16, 1, 1], [16, 16, 16, 16]], dtype=np.float64)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=np.float64)
    expected = np.mean(per_step * mask) / np.mean(mask)  # Keras 2: rescaled by the kept fraction
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected)


def test_temporal_sample_weights_and_weighted_metrics():
    model = Sequential([Dense(1, input_shape=(3, 2), kernel_initializer="ones")])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse", metrics=["mae"],
                  weighted_metrics=["mae"], sample_weight_mode="temporal")
    assert model.metrics_names == ["loss", "mae", "weighted_mae"]
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    y = np.zeros((2, 3, 1), dtype=np.float32)
    error = x.sum(-1)  # (2, 3)
    weights = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 1.0]])
    loss, mae, weighted_mae = model.test_on_batch(x, y, sample_weight=weights)
    assert loss == pytest.approx(np.sum(error ** 2 * weights) / 3)
    assert mae == pytest.approx(np.mean(error))
    assert weighted_mae == pytest.approx(np.sum(error * weights) / 3)


# --- logs, validation, multi-output --------------------------------------------------------------
def test_validation_split_takes_the_last_samples_before_shuffling():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((50, 3)).astype(np.float32), rng.standard_normal((50, 1)).astype(np.float32)
    model = linear_model()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    seen = []
    spy = LambdaCallback(on_batch_end=lambda batch, logs: seen.append(logs["size"]))
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_split=0.2, callbacks=[spy])
    assert sum(seen) == 40
    val_loss = history.history["val_loss"][0]
    assert val_loss == pytest.approx(model.evaluate(x[40:], y[40:], verbose=0), rel=1e-5)
    assert history.history["loss"][0] == pytest.approx(model.evaluate(x[:40], y[:40], verbose=0), rel=1e-5)
    with pytest.raises(ValueError, match="validation_split must be in"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y), validation_steps=2)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[:8], y[:8], verbose=0), rel=1e-5)


def test_validation_data_and_log_keys():
    x, y = blobs(64)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mse"])
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x[:10], y[:10]))
    assert sorted(history.history) == sorted(["loss", "accuracy", "mse", "val_loss", "val_accuracy", "val_mse"])
    assert history.epoch == [0, 1] and model.history is history
    assert model.metrics_names == ["loss", "accuracy", "mse"]
    # Keras 2.2.4's names for the same logs still find them.
    for old, new in [("acc", "accuracy"), ("val_acc", "val_accuracy"), ("mean_squared_error", "mse"),
                     ("val_mean_squared_error", "val_mse")]:
        assert history.history[old] is history.history[new] and old in history.history


def multi_output_model():
    x = Input(shape=(3,), name="x")
    h = Dense(4, activation="relu", name="hidden")(x)
    return Model(x, [Dense(2, activation="softmax", name="cls")(h), Dense(1, name="reg")(h)])


def test_multi_output_losses_weights_and_logs():
    model = multi_output_model()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0),
                  loss={"cls": "categorical_crossentropy", "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": "accuracy"})
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_accuracy"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3))
    y_cls, y_reg = np.eye(2)[rng.integers(0, 2, 8)], rng.standard_normal((8, 1))
    total, cls_loss, reg_loss, cls_acc = model.evaluate(x, [y_cls, y_reg], verbose=0)
    assert total == pytest.approx(cls_loss + 0.5 * reg_loss, rel=1e-5)
    probabilities, regression = model.predict(x)
    assert reg_loss == pytest.approx(np.mean((regression - y_reg) ** 2), rel=1e-5)
    assert cls_acc == pytest.approx(np.mean(probabilities.argmax(1) == y_cls.argmax(1)))
    history = model.fit(x, {"cls": y_cls, "reg": y_reg}, epochs=1, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "cls_loss", "reg_loss", "cls_accuracy",
                                    "val_loss", "val_cls_loss", "val_reg_loss", "val_cls_accuracy"}
    assert history.history["val_cls_acc"] == history.history["val_cls_accuracy"]


def test_output_without_loss_needs_no_target():
    model = multi_output_model()
    model.compile(optimizer="sgd", loss={"reg": "mse"})
    assert model.metrics_names == ["loss", "reg_loss"]
    model.fit(np.ones((4, 3)), {"reg": np.zeros((4, 1))}, verbose=0)


def test_compile_argument_errors():
    model = multi_output_model()
    with pytest.raises(ValueError, match="one entry per model output.*2 output"):
        model.compile("sgd", loss=["mse"])
    with pytest.raises(ValueError, match=r"Unknown entries in the loss dictionary: \['nope'\]"):
        model.compile("sgd", loss={"nope": "mse"})
    with pytest.raises(ValueError, match="Unknown loss"):
        model.compile("sgd", loss="not_a_loss")
    with pytest.raises(ValueError, match="sample_weight_mode should be None or 'temporal'"):
        model.compile("sgd", loss="mse", sample_weight_mode="sometimes")


def test_sparse_categorical_with_integer_labels():
    x, y = blobs(64)
    model = Sequential([Dense(2, activation="softmax", input_shape=(2,))])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    loss, acc = model.evaluate(x, y.astype(int), verbose=0)
    assert np.isfinite(loss) and 0 <= acc <= 1
    with pytest.raises(ValueError, match="integer class labels"):
        model.fit(x, np.eye(3)[y.astype(int)], verbose=0)


# --- evaluate / predict / on_batch ------------------------------------------------------------------
def test_evaluate_returns_a_scalar_without_metrics_and_a_list_with():
    model = linear_model()
    model.compile("sgd", "mse")
    x, y = np.ones((5, 3)), np.ones((5, 1))
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("sgd", "mse", metrics=["mae"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    assert isinstance(model.train_on_batch(x, y), list)


def test_evaluate_averages_batches_weighted_by_size():
    model = linear_model()
    model.compile("sgd", "mse")
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 1))
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=3, verbose=0),
                               model.evaluate(x, y, batch_size=10, verbose=0), rtol=1e-5)


def test_predict_is_batched_and_returns_numpy():
    model = Sequential([Dense(3, input_shape=(2,))])
    x = np.random.default_rng(2).standard_normal((11, 2)).astype(np.float32)
    out = model.predict(x, batch_size=4)
    assert isinstance(out, np.ndarray) and out.shape == (11, 3)
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), out, rtol=1e-6)


def test_deferred_sequential_builds_in_fit():
    model = Sequential([Dense(4, activation="relu"), Dense(1)])
    model.compile("adam", "mse")
    model.fit(np.ones((8, 5)), np.ones(8), epochs=1, verbose=0)
    assert model.input_shape == (None, 5)


def test_initial_epoch_and_steps_per_epoch():
    model = linear_model()
    model.compile("sgd", "mse")
    x, y = np.ones((10, 3)), np.ones((10, 1))
    history = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3]
    sizes = []
    spy = LambdaCallback(on_batch_end=lambda batch, logs: sizes.append(logs["size"]))
    model.fit(x, y, batch_size=4, epochs=2, steps_per_epoch=5, verbose=0, callbacks=[spy])
    assert sizes == [4] * 10


# --- input validation ---------------------------------------------------------------------------------
def test_fit_before_compile():
    model = linear_model(name="raw")
    with pytest.raises(RuntimeError, match="you must compile the model"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)


def test_wrong_data_is_refused_before_any_computation():
    model = multi_output_model()
    model.compile(optimizer="sgd", loss=["categorical_crossentropy", "mse"])
    before = model.get_weights()
    good_y = [np.eye(2)[[0, 1, 0, 1]], np.ones((4, 1))]
    with pytest.raises(ValueError, match=r"expected x to have shape \(3,\) but got array with shape \(5,\)"):
        model.fit(np.ones((4, 5)), good_y, verbose=0)
    with pytest.raises(ValueError, match="expected x to have 2 dimensions"):
        model.fit(np.ones((4, 3, 1)), good_y, verbose=0)
    with pytest.raises(ValueError, match=r"Expected to see 2 array\(s\).*list of 1"):
        model.fit(np.ones((4, 3)), [np.ones((4, 2))], verbose=0)
    with pytest.raises(ValueError, match="Found 4 input samples and 3 target samples"):
        model.fit(np.ones((4, 3)), [np.eye(2)[[0, 1, 0]], np.ones((3, 1))], verbose=0)
    with pytest.raises(ValueError, match=r"target array of shape \(4, 1\) while using as loss `categorical_crossentropy`"):
        model.fit(np.ones((4, 3)), [np.ones((4, 1)), np.ones((4, 1))], verbose=0)
    with pytest.raises(ValueError, match=r"expected reg to have shape \(1,\) but got array with shape \(2,\)"):
        model.fit(np.ones((4, 3)), [good_y[0], np.ones((4, 2))], verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_verbose_modes_print_keras_style_lines(capsys):
    model = linear_model()
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3)), np.ones((8, 1))
    model.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and " - loss: " in out
    assert "[====" not in out  # verbose=2: no bar
    model.fit(x, y, epochs=1, verbose=1)
    assert "8/8 [==============================]" in capsys.readouterr().out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


# --- Ctrl-C -------------------------------------------------------------------------------------
def test_ctrl_c_stops_after_the_current_batch_and_returns_the_history(capsys):
    x, y = blobs(64)
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile("sgd", "binary_crossentropy")
    handler_before = signal.getsignal(signal.SIGINT)
    batches = []

    class PressCtrlC(Callback):
        def on_batch_end(self, batch, logs=None):
            batches.append(batch)
            if len(batches) == 6:  # epoch 2 (index 1), batch 2 (index 1)
                signal.raise_signal(signal.SIGINT)

    history = model.fit(x, y, batch_size=16, epochs=5, verbose=1, callbacks=[PressCtrlC()])
    assert len(batches) == 6  # stopped at the end of the batch during which Ctrl-C came
    assert history.epoch == [0]  # only the completed epoch is in the history
    assert "Training interrupted (Ctrl-C) during epoch 2/5" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is handler_before
    assert model.predict(x[:2]).shape == (2, 1)  # still usable
    model.fit(x, y, epochs=1, verbose=0)
