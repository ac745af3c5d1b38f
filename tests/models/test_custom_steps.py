"""Models that train themselves (Keras 3): train_step, test_step, predict_step, compute_loss,
self.metrics, compiled_loss / compiled_metrics, fit(x) without targets, and their errors."""
import numpy as np
import pytest

import minikeras
from minikeras import GradientTape, layers, metrics, ops
from minikeras.callbacks import Callback


@pytest.fixture(autouse=True)
def seeded():
    minikeras.utils.set_random_seed(16)  # the same initial weights (and batches) every run


def regression(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3


class OwnStep(minikeras.Model):
    """tf.keras 2's textbook train_step: compiled_loss, compiled_metrics, optimizer.apply_gradients."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)

    def call(self, x, training=None):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name if m.name == "loss" else "mae": m.result() for m in self.metrics}


def test_a_train_step_of_tf_keras2_style_trains_and_its_dict_is_the_history():
    x, y = regression()
    model = OwnStep()
    model.compile(minikeras.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
    seen = []

    class Watch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(dict(logs))

    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0, callbacks=[Watch()])
    assert list(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < 0.01 < history.history["loss"][0]
    assert seen[-1]["loss"] == history.history["loss"][-1]  # the epoch's logs are the last step's
    assert set(seen[0]) == {"batch", "size", "loss", "mae"}
    assert [m.name for m in model.metrics] == ["loss", "mae"]


class WeightedLoss(minikeras.Model):
    """Keras 3's compute_loss with a tracker attribute."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)
        self.abs_error = metrics.Mean(name="abs_error")

    def call(self, x):
        return self.dense(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        error = ops.abs(y_pred - y)
        self.abs_error.update_state(error)
        return ops.mean(ops.square(y_pred - y))


def test_compute_loss_with_trackers_and_compiled_metrics_each_reset_per_epoch():
    x, y = regression()
    model = WeightedLoss()
    model.compile(minikeras.optimizers.SGD(learning_rate=0.05), metrics=[metrics.RootMeanSquaredError()])
    hooks = []
    spy = minikeras.callbacks.LambdaCallback(on_test_batch_end=lambda batch, logs: hooks.append(sorted(logs)))
    history = model.fit(x, y, batch_size=32, epochs=6, verbose=0, validation_data=(x[:64], y[:64]),
                        callbacks=[spy])
    assert len(hooks) == 6 * 2 and hooks[0] == ["abs_error", "batch", "loss", "root_mean_squared_error", "size"]
    assert sorted(history.history) == sorted(["loss", "root_mean_squared_error", "abs_error", "val_loss",
                                              "val_root_mean_squared_error", "val_abs_error"])
    # Reset each epoch: the last epoch's values are those of a trained model, not a running mean since epoch 1.
    assert history.history["abs_error"][-1] < 0.5 * history.history["abs_error"][0]
    predictions = model.predict(x[:64])
    rmse = float(np.sqrt(np.mean((predictions - y[:64]) ** 2)))
    assert history.history["val_root_mean_squared_error"][-1] == pytest.approx(rmse, rel=1e-5)
    results = model.evaluate(x[:64], y[:64], verbose=0, return_dict=True)
    assert results["root_mean_squared_error"] == pytest.approx(rmse, rel=1e-5)
    assert results["loss"] == pytest.approx(rmse ** 2, rel=1e-4)
    assert [m.name for m in model.metrics] == ["loss", "root_mean_squared_error", "abs_error"]


class AutoEncoder(minikeras.Model):
    """fit(x) without targets: the data is the target."""

    def __init__(self):
        super().__init__()
        self.encode = layers.Dense(2)
        self.decode = layers.Dense(3)

    def call(self, x):
        return self.decode(self.encode(x))

    def train_step(self, data):
        with GradientTape() as tape:
            loss = ops.mean(ops.square(self(data, training=True) - data))
        self.optimizer.apply(tape.gradient(loss, self.trainable_weights), self.trainable_weights)
        return {"reconstruction": loss}

    def test_step(self, data):
        return {"reconstruction": ops.mean(ops.square(self(data) - data))}

    def predict_step(self, data):
        return self.encode(data)


def test_fit_without_targets_test_step_and_predict_step():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((300, 2)) @ rng.standard_normal((2, 3))).astype(np.float32)  # rank 2 data
    model = AutoEncoder()
    model.compile(minikeras.optimizers.Adam(learning_rate=0.02))
    history = model.fit(x, epochs=15, batch_size=50, verbose=0, validation_split=0.2)
    assert history.history["reconstruction"][-1] < 0.1 * history.history["reconstruction"][0]
    assert history.history["val_reconstruction"][-1] < 0.1 * history.history["val_reconstruction"][0]
    assert model.evaluate(x, verbose=0) == pytest.approx(history.history["val_reconstruction"][-1], rel=0.5)
    assert model.predict(x[:7]).shape == (7, 2)  # predict_step: the codes


def test_the_progress_bar_shows_what_train_step_returns(capsys):
    x = np.ones((8, 3), dtype=np.float32)
    model = AutoEncoder()
    model.compile("sgd")
    model.fit(x, epochs=1, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    assert "reconstruction:" in out and "8/8" in out


def test_bad_steps_are_explained():
    x, y = regression(16)

    class NotADict(OwnStep):
        def train_step(self, data):
            return 0.5

    class VectorLoss(WeightedLoss):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return ops.square(y_pred - y)

    model = NotADict()
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match=r"train_step must return a dict of metric names to values .*received float: 0.5"):
        model.fit(x, y, verbose=0)
    model = VectorLoss()
    model.compile("sgd")
    with pytest.raises(ValueError, match=r"compute_loss must return a scalar loss; received a value of shape \(32, 1\)|"
                                         r"compute_loss must return a scalar loss; received a value of shape \(16, 1\)"):
        model.fit(x, y, verbose=0)
    plain = OwnStep()
    plain.compile("sgd", "mse")
    with pytest.raises(ValueError, match="compiled with a loss, which compares predictions with targets"):
        plain.compute_loss(x=x, y=None, y_pred=plain(x))


def test_models_without_their_own_steps_keep_keras2s_loop():
    x, y = regression(64)
    model = minikeras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=["mae"])
    assert not model._has_own_steps()
    history = model.fit(x, y, epochs=1, verbose=0, batch_size=16)
    assert list(history.history) == ["loss", "mae"]
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "mae"}
    assert model.train_on_batch(x, y, return_dict=True).keys() == {"loss", "mae"}
    logs = model.test_on_batch(x, y, return_dict=True)
    assert [logs["loss"], logs["mae"]] == pytest.approx(model.evaluate(x, y, batch_size=64, verbose=0), rel=1e-6)
