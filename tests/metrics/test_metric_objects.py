"""Metric objects: the base class, user subclasses (standalone, in compile, as trackers),
loss classes' settings, and their errors."""
import numpy as np
import pytest

import minikeras
from minikeras import losses, metrics, optimizers
from minikeras.layers import Dense
from minikeras.models import Sequential


class CountAbove(metrics.Metric):
    """A user metric: the weighted count of predictions above a threshold (a state of one number)."""

    def __init__(self, threshold=0.5, name="count_above", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = threshold
        self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        above = (np.asarray(y_pred) > self.threshold).astype(self.dtype).reshape(len(y_pred), -1).sum(1)
        if sample_weight is not None:
            above = above * np.asarray(sample_weight)
        self.count.assign_add(above.sum())

    def result(self):
        return self.count

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def test_a_user_metric_works_standalone():
    m = CountAbove(threshold=0.0)
    assert m.name == "count_above" and m.dtype == "float32" and len(m.variables) == 1
    m.update_state(None, [[1.0], [-1.0], [2.0]], sample_weight=[1.0, 5.0, 0.5])
    assert float(m.result()) == 1.5
    assert float(m(None, [[3.0]])) == 2.5  # __call__: update, then result
    m.reset_states()
    assert float(m.result()) == 0.0
    clone = CountAbove.from_config(m.get_config())
    assert (clone.name, clone.threshold, clone.dtype) == ("count_above", 0.0, "float32")


def test_add_variable_and_default_names():
    class Pair(metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.v = self.add_variable(shape=(2,), initializer="ones", name="v")

        def update_state(self, values):
            self.v.assign_add(values)

        def result(self):
            return self.v

    p = Pair(dtype="float64")
    p.update_state([1.0, 2.0])
    np.testing.assert_array_equal(p.result().numpy(), [2.0, 3.0])
    assert p.name == "pair" and p.v.dtype == np.float64 and not p.v.trainable
    p.reset_state()  # every variable back to zeros, as Keras
    np.testing.assert_array_equal(p.result().numpy(), [0.0, 0.0])
    assert metrics.AUC().name == "auc" and metrics.RootMeanSquaredError().name == "root_mean_squared_error"


def test_a_metric_subclass_without_update_state_or_result_is_refused():
    class NoResult(metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

    class Nothing(metrics.Metric):
        pass

    with pytest.raises(TypeError, match=r"Metric NoResult: a Metric subclass must implement result\(\)"):
        NoResult()
    with pytest.raises(TypeError, match=r"must implement update_state\(\) and result\(\); Nothing does not"):
        Nothing()


def test_metric_objects_in_compile_keep_a_running_value_reset_each_epoch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    counter = CountAbove()
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile(optimizers.SGD(learning_rate=0.0), "binary_crossentropy",
                  metrics=[counter, metrics.BinaryAccuracy(name="acc_obj"), "accuracy", metrics.AUC])
    assert model.metrics_names == ["loss", "count_above", "acc_obj", "accuracy", "auc"]
    assert model.stateful_metric_names == ["count_above", "acc_obj", "auc"]
    seen = []
    logger = minikeras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(logs["count_above"]))
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False, callbacks=[logger])
    above = float(np.sum(model.predict(x) > 0.5))  # learning rate 0: the same predictions each epoch
    assert history.history["count_above"] == [above, above]  # reset at each epoch, the sum of the epoch
    assert seen[2] == above and seen[0] <= seen[1] <= seen[2]  # running within the epoch
    np.testing.assert_allclose(history.history["acc_obj"], history.history["accuracy"], rtol=1e-6)
    results = model.evaluate(x, y, batch_size=16, verbose=0)
    assert results[1] == above  # reset before evaluating
    auc = metrics.AUC()
    auc.update_state(y, model.predict(x))
    assert results[4] == pytest.approx(float(auc.result()), rel=1e-6)


def test_weighted_metric_objects_receive_the_sample_weights():
    x = np.ones((4, 1), dtype=np.float32)
    y = np.array([[0.0], [0.0], [2.0], [2.0]], dtype=np.float32)
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros", bias_initializer="zeros")])
    gap = metrics.MeanMetricWrapper(lambda t, p: np.abs(np.asarray(t) - np.asarray(p))[:, 0], name="gap")
    model.compile("sgd", "mse", metrics=[metrics.MeanAbsoluteError()], weighted_metrics=[gap])
    assert model.metrics_names == ["loss", "mean_absolute_error", "weighted_gap"]
    loss, mae, weighted_gap = model.evaluate(x, y, sample_weight=np.array([1.0, 1.0, 3.0, 0.0]), verbose=0)
    assert mae == pytest.approx(1.0)  # 'metrics' are not weighted
    assert weighted_gap == pytest.approx((0 + 0 + 3 * 2.0) / 5.0)  # sum(w * gap) / sum(w)


def test_loss_classes_keep_label_smoothing_from_logits_and_reduction():
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]])
    smoothed = losses.CategoricalCrossentropy(label_smoothing=0.2, reduction=None)(y_true, y_pred).numpy()
    targets = y_true * 0.8 + 0.1
    np.testing.assert_allclose(smoothed, -(targets * np.log(y_pred)).sum(1), rtol=1e-6)
    logits = np.array([[2.0], [-1.0]])
    bce = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.5, reduction="sum")
    p = 1 / (1 + np.exp(-logits))
    t = np.array([[0.75], [0.25]])  # 1 and 0 moved halfway to 1/2
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum()
    assert float(bce([[1.0], [0.0]], logits)) == pytest.approx(expected, rel=1e-6)
    assert bce.get_config() == {"from_logits": True, "label_smoothing": 0.5, "axis": -1, "reduction": "sum",
                                "name": "binary_crossentropy"}
    with pytest.raises(ValueError, match=r"CategoricalCrossentropy: label_smoothing must be in \[0, 1\], received 2"):
        losses.CategoricalCrossentropy(label_smoothing=2)
    with pytest.raises(ValueError, match="unknown reduction 'mean'"):
        losses.MeanSquaredError(reduction="mean")


def test_metric_errors_name_the_metric():
    with pytest.raises(ValueError, match=r"Precision: thresholds must be in \[0, 1\]; received \[1.5\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match=r"AUC: num_thresholds must be an integer > 1; received 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="AUC: curve must be 'ROC' or 'PR'; received 'DET'"):
        metrics.AUC(curve="DET")
    with pytest.raises(ValueError, match="AUC: num_labels is needed only when multi_label is True; received "
                                         "num_labels=3 with multi_label=False"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match=r"AUC: y_true of shape \(4,\) and y_pred of shape \(4, 3\) do not match"):
        metrics.AUC().update_state(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Metric 'mean': sample_weight of shape \(3,\) does not broadcast"):
        metrics.Mean().update_state(np.zeros(4), sample_weight=np.ones(3))


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_models_compiled_with_metric_objects_save_and_load(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py")
    rng = np.random.default_rng(2)
    x, y = rng.random((30, 4)).astype(np.float32), rng.integers(0, 3, 30)
    model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=[metrics.SparseCategoricalAccuracy(name="acc_obj"), metrics.SparseTopKCategoricalAccuracy(k=2)])
    model.fit(x, y, verbose=0)
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    clone = minikeras.models.load_model(path)
    assert clone.metrics_names == ["loss", "acc_obj", "sparse_top_k_categorical_accuracy"]
    np.testing.assert_allclose(clone.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6)
