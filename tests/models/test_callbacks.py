"""Callbacks: the hooks fit/evaluate/predict call, and every built-in callback."""
import csv
import os

import numpy as np
import pytest

from minikeras import backend as K
from minikeras import optimizers
from minikeras.callbacks import (
    BaseLogger, Callback, CallbackList, CSVLogger, EarlyStopping, History, LambdaCallback,
    LearningRateScheduler, ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau, TerminateOnNaN,
)
from minikeras.layers.core.dense import Dense
from minikeras.models import Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((20, 3)).astype(np.float32), rng.standard_normal((20, 1)).astype(np.float32)


def model_with(learning_rate=0.01):
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def scripted(name, values):
    """A callback that writes ``values[epoch]`` into the epoch logs under ``name``."""
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update({name: values[epoch]}))


class Recorder(Callback):
    """Records every hook call as (hook, argument)."""

    def __init__(self):
        super().__init__()
        self.calls = []
        for hook in [h for h in dir(Callback) if h.startswith("on_")]:
            setattr(self, hook, self._recording(hook))

    def _recording(self, hook):
        def record(*args, **kwargs):
            self.calls.append((hook, args[0] if args and not isinstance(args[0], dict) else None))
        return record


# --- the hooks --------------------------------------------------------------------------------
def test_fit_calls_the_hooks_in_keras_order(data):
    x, y = data
    recorder = Recorder()
    model = model_with()
    model.fit(x[:8], y[:8], batch_size=4, epochs=1, verbose=0, validation_data=(x[8:12], y[8:12]),
              callbacks=[recorder])
    assert recorder.calls == [
        ("on_train_begin", None), ("on_epoch_begin", 0),
        ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
        ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
        ("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0), ("on_test_end", None),
        ("on_epoch_end", 0), ("on_train_end", None),
    ]
    assert recorder.model is model
    assert recorder.params["metrics"] == ["loss", "val_loss"] and recorder.params["samples"] == 8
    assert recorder.params["epochs"] == 1 and recorder.params["batch_size"] == 4


def test_keras2_batch_hooks_are_called_for_training_batches(data):
    x, y = data
    seen = []

    class Old(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    model_with().fit(x[:8], y[:8], batch_size=4, verbose=0, callbacks=[Old()])
    assert seen == [(0, ["batch", "loss", "size"]), (1, ["batch", "loss", "size"])]


def test_evaluate_and_predict_call_their_hooks(data):
    x, y = data
    model = model_with()
    recorder = Recorder()
    model.evaluate(x[:4], y[:4], batch_size=2, verbose=0, callbacks=[recorder])
    model.predict(x[:4], batch_size=4, callbacks=[recorder])
    assert [c[0] for c in recorder.calls] == [
        "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_batch_begin",
        "on_test_batch_end", "on_test_end",
        "on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end",
    ]


def test_callback_list_rejects_other_objects():
    with pytest.raises(TypeError, match="instances of minikeras.callbacks.Callback"):
        CallbackList([lambda logs: None])


# --- History and BaseLogger ------------------------------------------------------------------------
def test_epoch_logs_are_batch_averages_weighted_by_size():
    logger, history = BaseLogger(), History()
    callbacks = CallbackList([logger, history])
    callbacks.set_params({"metrics": ["loss"]})
    callbacks.on_train_begin({})
    callbacks.on_epoch_begin(0, {})
    callbacks.on_train_batch_end(0, {"size": 3, "loss": 1.0})
    callbacks.on_train_batch_end(1, {"size": 1, "loss": 5.0})
    logs = {}
    callbacks.on_epoch_end(0, logs)
    assert logs == {"loss": 2.0} and history.history == {"loss": [2.0]} and history.epoch == [0]


# --- EarlyStopping ---------------------------------------------------------------------------------
def test_early_stopping_really_stops(data):
    x, y = data
    stopper = EarlyStopping(monitor="score", patience=2)
    history = model_with().fit(x, y, epochs=20, verbose=0,
                               callbacks=[scripted("score", [5, 4, 4.5, 4.2, 3, 1, 1, 1] + [9] * 12), stopper])
    # best at epoch 1 (4); epochs 2 and 3 do not improve: stop after epoch 3.
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3


def test_early_stopping_min_delta_mode_and_baseline(data):
    x, y = data
    stopper = EarlyStopping(monitor="score", min_delta=0.5, patience=1, mode="max")
    history = model_with().fit(x, y, epochs=10, verbose=0,
                               callbacks=[scripted("score", [1, 1.4, 2.0, 2.2, 5, 6, 7, 8, 9, 10]), stopper])
    assert history.epoch == [0, 1]  # +0.4 is below min_delta
    baseline = EarlyStopping(monitor="score", baseline=0.5, patience=3)
    history = model_with().fit(x, y, epochs=10, verbose=0, callbacks=[scripted("score", [1.0] * 10), baseline])
    assert history.epoch == [0, 1, 2]  # never better than the baseline
    assert EarlyStopping(monitor="val_acc").monitor_op is np.greater  # 'auto' maximises accuracies
    with pytest.raises(ValueError, match="unknown mode 'up'"):
        EarlyStopping(mode="up")


def test_early_stopping_restores_the_best_weights(data):
    x, y = data
    snapshots = []
    keep = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    model = model_with(learning_rate=0.05)
    stopper = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    model.fit(x, y, epochs=10, verbose=0, callbacks=[keep, scripted("score", [3, 1, 2, 2, 2, 2, 2, 2, 2, 2]), stopper])
    assert len(snapshots) == 4
    for got, best in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, best)
    assert not np.array_equal(snapshots[1][0], snapshots[3][0])


def test_early_stopping_warns_when_the_monitor_is_missing(data):
    x, y = data
    with pytest.warns(RuntimeWarning, match="'val_loss', which is not available"):
        model_with().fit(x, y, epochs=1, verbose=0, callbacks=[EarlyStopping()])


# --- ModelCheckpoint --------------------------------------------------------------------------------
def test_model_checkpoint_writes_the_files_its_template_names(data, tmp_path):
    x, y = data
    template = str(tmp_path / "weights.{epoch:02d}-{score:.2f}.npz")
    model = model_with()
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[scripted("score", [0.5, 0.25, 0.125]), ModelCheckpoint(template, save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["weights.01-0.50.npz", "weights.02-0.25.npz", "weights.03-0.12.npz"]
    clone = model_with()
    clone.load_weights(str(tmp_path / "weights.03-0.12.npz"))
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_save_best_only_and_period(data, tmp_path):
    x, y = data
    best = ModelCheckpoint(str(tmp_path / "best-{epoch}.npz"), monitor="score", save_best_only=True)
    model_with().fit(x, y, epochs=4, verbose=0, callbacks=[scripted("score", [3, 2, 2.5, 1]), best])
    assert sorted(os.listdir(tmp_path)) == ["best-1.npz", "best-2.npz", "best-4.npz"]
    for name in os.listdir(tmp_path):
        os.remove(tmp_path / name)
    every_second = ModelCheckpoint(str(tmp_path / "m-{epoch}.npz"), period=2)
    model_with().fit(x, y, epochs=5, verbose=0, callbacks=[every_second])
    assert sorted(os.listdir(tmp_path)) == ["m-2.npz", "m-4.npz"]
    with pytest.raises(ValueError, match="uses 'nope'"):
        model_with().fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "{nope}"))])


def test_model_checkpoint_full_model_can_be_loaded(data, tmp_path):
    from minikeras.models import load_model

    x, y = data
    model = model_with()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "model.npz"))])
    np.testing.assert_allclose(load_model(str(tmp_path / "model.npz")).predict(x), model.predict(x), rtol=1e-6)


# --- learning-rate callbacks ---------------------------------------------------------------------
def test_reduce_lr_on_plateau(data):
    x, y = data
    model = model_with(learning_rate=1.0)
    rates = []
    reducer = ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    watch = LambdaCallback(on_epoch_end=lambda epoch, logs: rates.append(logs["lr"]))
    model_x = np.zeros_like(x)  # zero inputs keep the loss finite whatever the rate
    history = model.fit(model_x, y, epochs=9, verbose=0,
                        callbacks=[scripted("score", [1.0] * 9), reducer, watch])
    # Keras 2: best at epoch 0; reduced at the end of epoch 2; the cooldown epoch (3) resets
    # the wait but, being the last cooldown epoch, counts again; reduced after 4, then after
    # 6 to the floor min_lr. 'lr' is logged before the reduction of that epoch.
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]
    assert model.optimizer.lr == 0.2 and history.history["lr"] == rates
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=2.0)


@pytest.mark.parametrize("schedule", [lambda epoch: 0.1 / (epoch + 1), lambda epoch, lr: 0.1 / (epoch + 1)])
def test_learning_rate_scheduler(data, schedule):
    x, y = data
    model = model_with()
    rates = []
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        LearningRateScheduler(schedule),
        LambdaCallback(on_epoch_begin=lambda epoch, logs: rates.append(float(model.optimizer.lr))),
    ])
    assert rates == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_learning_rate_scheduler_uses_the_current_rate_and_checks_the_result(data):
    x, y = data
    model = model_with(learning_rate=0.08)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: lr / 2)])
    assert model.optimizer.lr == pytest.approx(0.01)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: "fast")])


# --- CSVLogger, LambdaCallback, TerminateOnNaN, ProgbarLogger -----------------------------------------
def test_csv_logger_writes_a_row_per_epoch_and_appends(data, tmp_path):
    x, y = data
    path = str(tmp_path / "log.csv")
    model = model_with()
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "val_loss"] and [r[0] for r in rows[1:]] == ["0", "1"]
    assert float(rows[1][1]) > 0
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator=";", append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 4 and lines[3].startswith("0;")  # no second header


def test_lambda_callback_calls_each_function(data):
    x, y = data
    counts = {"train_begin": 0, "train_end": 0, "epoch_begin": 0, "epoch_end": 0, "batch_begin": 0, "batch_end": 0}

    def bump(key):
        def f(*args):
            counts[key] += 1
        return f

    callback = LambdaCallback(on_train_begin=bump("train_begin"), on_train_end=bump("train_end"),
                              on_epoch_begin=bump("epoch_begin"), on_epoch_end=bump("epoch_end"),
                              on_batch_begin=bump("batch_begin"), on_batch_end=bump("batch_end"))
    model_with().fit(x, y, batch_size=5, epochs=2, verbose=0, callbacks=[callback])
    assert counts == {"train_begin": 1, "train_end": 1, "epoch_begin": 2, "epoch_end": 2,
                      "batch_begin": 8, "batch_end": 8}
    with pytest.raises(TypeError, match="unknown hook 'on_lunch'"):
        LambdaCallback(on_lunch=print)


def test_terminate_on_nan(data, capsys):
    x, y = data
    x = x.copy()
    x[6] = np.nan  # the second batch of 5 has a NaN loss
    history = model_with().fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0, callbacks=[TerminateOnNaN()])
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])


def test_progbar_logger_counts_steps_with_steps_per_epoch(data, capsys):
    x, y = data
    model_with().fit(x, y, batch_size=5, epochs=1, steps_per_epoch=3, verbose=1)
    assert "3/3 [==============================]" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown count_mode"):
        ProgbarLogger(count_mode="minutes")
