"""Metric names in logs and History: as the user wrote them, found under every other spelling."""
import warnings

import numpy as np
import pytest

from minikeras import losses, optimizers
from minikeras.callbacks import Callback, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from minikeras.layers import Dense, Input
from minikeras.metrics import names
from minikeras.models import Model, Sequential, load_model


def data(n=48):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x.sum(1, keepdims=True) > 0).astype(np.float32)


def binary_model(metrics):
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile(optimizers.SGD(learning_rate=0.1), "binary_crossentropy", metrics=metrics)
    return model


@pytest.mark.parametrize("requested, logged", [
    (["accuracy"], ["accuracy"]), (["acc"], ["acc"]), (["mae"], ["mae"]),
    (["mean_absolute_error", "mse"], ["mean_absolute_error", "mse"]),
    ([losses.MeanSquaredError(name="squares")], ["squares"]), ([losses.poisson], ["poisson"]),
])
def test_metrics_are_logged_as_written(requested, logged):
    x, y = data()
    model = binary_model(requested)
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    assert model.metrics_names == ["loss"] + logged
    assert sorted(history.history) == sorted(["loss"] + logged + ["val_loss"] + [f"val_{n}" for n in logged])


def test_several_outputs_log_output_then_name():
    x = Input(shape=(3,))
    model = Model(x, [Dense(1, activation="sigmoid", name="yes")(x), Dense(2, name="size")(x)])
    model.compile("sgd", loss=["binary_crossentropy", "mse"], metrics={"yes": "accuracy", "size": ["mae"]})
    assert model.metrics_names == ["loss", "yes_loss", "size_loss", "yes_accuracy", "size_mae"]
    xs, ys = data()
    history = model.fit(xs, [ys, np.hstack([xs[:, :1], ys])], epochs=1, verbose=0)
    assert history.history["yes_acc"] == history.history["yes_accuracy"]
    assert history.history["size_mean_absolute_error"] == history.history["size_mae"]


def test_history_and_logs_accept_the_other_spellings_and_list_each_metric_once():
    x, y = data()
    seen = {}

    class Reader(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["epoch"] = (logs["acc"], logs.get("val_accuracy"), "val_acc" in logs, sorted(logs))

        def on_train_batch_end(self, batch, logs=None):
            seen["batch"] = logs["acc"]

    history = binary_model(["accuracy"]).fit(x, y, epochs=2, verbose=0, validation_split=0.25,
                                              callbacks=[Reader()])
    assert history.history["acc"] is history.history["accuracy"]
    assert history.history["val_acc"] is history.history["val_accuracy"]
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert seen["epoch"][0] == history.history["accuracy"][-1]
    assert seen["epoch"][1:] == (history.history["val_accuracy"][-1], True,
                                 ["accuracy", "loss", "val_accuracy", "val_loss"])
    assert 0.0 <= seen["batch"] <= 1.0
    with pytest.raises(KeyError, match="val_precision"):
        history.history["val_precision"]
    history = binary_model(["acc"]).fit(x, y, epochs=1, verbose=0)
    assert history.history["accuracy"] is history.history["acc"] and list(history.history) == ["loss", "acc"]


def test_spellings_cover_prefixes_and_keras2_long_names():
    assert names.spellings("val_accuracy") == ["val_accuracy", "val_acc"]
    assert names.spellings("out_mean_absolute_error") == ["out_mean_absolute_error", "out_mae"]
    assert names.spellings("loss") == ["loss"]
    assert names.find({"val_mse": 1.0}, "val_mean_squared_error") == "val_mse"
    assert names.find({"val_mse": 1.0}, "mse") is None


def test_every_monitor_accepts_either_spelling(tmp_path):
    x, y = data()
    stopper = EarlyStopping(monitor="val_acc", patience=0, mode="max", baseline=1.01)  # can never be beaten
    checkpoint = ModelCheckpoint(str(tmp_path / "best-{epoch:02d}-{val_acc:.2f}.npz"), monitor="val_acc",
                                 save_best_only=True)
    reducer = ReduceLROnPlateau(monitor="val_acc", patience=0, factor=0.5, min_delta=10.0)
    model = binary_model(["accuracy"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the name is found: no "not available" warning
        model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[reducer])
        history = model.fit(x, y, epochs=5, verbose=0, validation_split=0.25, callbacks=[stopper, checkpoint])
    assert len(history.history["loss"]) == 1 and stopper.stopped_epoch == 0
    accuracy = history.history["val_accuracy"][0]
    assert [p.name for p in tmp_path.iterdir()] == [f"best-01-{accuracy:.2f}.npz"]
    assert float(model.optimizer.lr) == pytest.approx(0.05)
    assert EarlyStopping(monitor="val_accuracy").monitor_op is np.greater
    assert EarlyStopping(monitor="val_auc").monitor_op is np.greater
    assert EarlyStopping(monitor="val_mae").monitor_op is np.less


def test_a_monitor_that_no_log_has_warns_once_with_the_names_that_exist():
    x, y = data()
    stopper = EarlyStopping(monitor="val_acuracy", patience=0)
    with pytest.warns(RuntimeWarning) as record:
        binary_model(["accuracy"]).fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[stopper])
    messages = [str(w.message) for w in record if "val_acuracy" in str(w.message)]
    assert len(messages) == 1
    assert "EarlyStopping" in messages[0] and "Available metrics are: accuracy, loss, val_accuracy, val_loss" \
        in messages[0]


def test_saved_models_keep_the_names_as_written(tmp_path):
    x, y = data()
    model = binary_model(["mae", "accuracy"])
    model.save(str(tmp_path / "m.npz"))
    assert load_model(str(tmp_path / "m.npz")).metrics_names == ["loss", "mae", "accuracy"]
