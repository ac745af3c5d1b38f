"""Custom losses and metrics: functions of (y_true, y_pred) written with K."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers import Dense
from minikeras.models import Sequential, load_model
from minikeras.optimizers import SGD


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


def huber(y_true, y_pred):
    error = y_pred - y_true
    small = K.cast(K.abs(error) <= 1.0, K.floatx())
    return K.mean(small * 0.5 * K.square(error) + (1 - small) * (K.abs(error) - 0.5), axis=-1)


def within_half(y_true, y_pred):
    return K.mean(K.cast(K.abs(y_pred - y_true) < 0.5, K.floatx()), axis=-1)


def numpy_huber(y, p):
    error = p - y
    return np.mean(np.where(np.abs(error) <= 1, 0.5 * error ** 2, np.abs(error) - 0.5), axis=-1)


def test_custom_loss_and_metric_give_numpy_numbers_and_train(tmp_path):
    np.random.seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[2.0], [-1.0], [0.5]]) + 3 * (rng.random((64, 1)) > 0.9)).astype("float32")
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(SGD(lr=0.05), loss=huber, metrics=[within_half])
    assert model.metrics_names == ["loss", "within_half"]
    prediction = model.predict(x)
    loss, metric = model.evaluate(x, y, batch_size=64, verbose=0)
    np.testing.assert_allclose(loss, numpy_huber(y, prediction).mean(), rtol=1e-5)
    np.testing.assert_allclose(metric, np.mean(np.abs(prediction - y) < 0.5), rtol=1e-6)
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "within_half"}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]

    path = str(tmp_path / "huber.npz")
    model.save(path)
    with pytest.raises(ValueError, match="huber"):
        load_model(path)
    loaded = load_model(path, custom_objects={"huber": huber, "within_half": within_half})
    np.testing.assert_allclose(loaded.evaluate(x, y, batch_size=64, verbose=0),
                               model.evaluate(x, y, batch_size=64, verbose=0), rtol=1e-6)
    assert loaded.metrics_names == ["loss", "within_half"]


def test_a_metric_object_sees_sparse_labels_as_given_not_as_a_column():
    # tf.keras / Keras 3 hand a Metric 1-D labels as (n,); Keras 2's (n, 1) column would make
    # one_hot(y_true) - y_pred broadcast to (n, n, k) (Deep Learning with Python's RMSE metric).
    from minikeras import metrics, ops

    class SeenShapes(metrics.Metric):
        def __init__(self, name="seen", **kwargs):
            super().__init__(name=name, **kwargs)
            self.squared = self.add_weight(name="squared", initializer="zeros")
            self.count = self.add_weight(name="count", initializer="zeros")
            self.shapes = set()

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.shapes.add(tuple(np.shape(y_true)))
            self.squared.assign_add(ops.sum(ops.square(ops.one_hot(y_true, 3) - y_pred)))
            self.count.assign_add(ops.shape(y_pred)[0])

        def result(self):
            return ops.sqrt(self.squared / self.count)

    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(40, 4)).astype("float32"), rng.integers(0, 3, 40)
    model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    seen = SeenShapes()
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy", metrics=[seen])
    result = model.evaluate(x, labels, batch_size=8, verbose=0)[1]
    expected = np.sqrt(np.sum((np.eye(3)[labels] - model.predict(x)) ** 2) / 40)
    assert seen.shapes == {(8,)} and abs(result - expected) < 1e-5
    # A binary output keeps its (n, 1) targets.
    binary = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    shapes = []

    class Recorder(metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            shapes.append(tuple(np.shape(y_true)))
            super().update_state(ops.abs(y_true - y_pred))

    binary.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[Recorder(name="mae_like")])
    binary.evaluate(x, (labels > 0).astype("float32"), batch_size=8, verbose=0)
    assert set(shapes) == {(8, 1)}
