"""The later Keras arguments of the metric classes, checked against independent NumPy arithmetic and
for their errors: AUC's multi_label / num_labels / label_weights, SparseTopKCategoricalAccuracy's
from_sorted_ids, and the cross-entropies' class axis (metrics, loss functions, loss classes).
The numbers against Keras itself are in test_metric_keras_argument_fixtures.py."""
import numpy as np
import pytest

import minikeras
from minikeras import losses, metrics
from minikeras.layers import Dense
from minikeras.models import Sequential

RNG = np.random.default_rng(5)


def labelled(n=12, labels=3):
    y_true = RNG.integers(0, 2, (n, labels)).astype(np.float32)
    y_true[0], y_true[1] = 1, 0  # every label has a positive and a negative
    return y_true, RNG.uniform(0, 1, (n, labels)).astype(np.float32), RNG.uniform(0, 2, n).astype(np.float32)


# --- AUC ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("curve,method", [("ROC", "interpolation"), ("PR", "interpolation"),
                                          ("ROC", "minoring"), ("PR", "majoring")])
def test_multi_label_auc_is_the_weighted_mean_of_one_auc_per_label(curve, method):
    y_true, y_pred, w = labelled()
    label_weights = [0.5, 2.0, 1.0]
    per_label = []
    for j in range(3):
        single = metrics.AUC(curve=curve, summation_method=method, num_thresholds=30)
        single.update_state(y_true[:, j], y_pred[:, j], sample_weight=w)
        per_label.append(float(single.result()))
    both = metrics.AUC(curve=curve, summation_method=method, num_thresholds=30, multi_label=True)
    weighted = metrics.AUC(curve=curve, summation_method=method, num_thresholds=30, multi_label=True,
                           label_weights=label_weights)
    for m in (both, weighted):
        m.update_state(y_true[:6], y_pred[:6], sample_weight=w[:6])  # two batches
        m.update_state(y_true[6:], y_pred[6:], sample_weight=w[6:])
    assert float(both.result()) == pytest.approx(np.mean(per_label), rel=1e-5)
    assert float(weighted.result()) == pytest.approx(np.dot(per_label, label_weights) / 3.5, rel=1e-5)


def test_label_weights_without_multi_label_scale_each_column_like_sample_weights():
    y_true, y_pred, w = labelled(labels=2)
    with_label_weights = metrics.AUC(label_weights=[3.0, 0.25], curve="PR")
    with_label_weights.update_state(y_true, y_pred, sample_weight=w)
    by_hand = metrics.AUC(curve="PR")
    by_hand.update_state(y_true, y_pred, sample_weight=w[:, None] * np.array([3.0, 0.25], dtype=np.float32))
    assert float(with_label_weights.result()) == pytest.approx(float(by_hand.result()), rel=1e-6)
    np.testing.assert_allclose(with_label_weights.true_positives.numpy(), by_hand.true_positives.numpy(), rtol=1e-6)


def test_num_labels_builds_the_counts_at_once_and_without_it_at_the_first_batch():
    eager = metrics.AUC(multi_label=True, num_labels=3, num_thresholds=10)
    assert [v.shape for v in eager.variables] == [(10, 3)] * 4
    assert float(eager.result()) == 0.0
    lazy = metrics.AUC(multi_label=True, num_thresholds=10)
    assert lazy.variables == [] and float(lazy.result()) == 0.0
    y_true, y_pred, _ = labelled(labels=4)
    lazy.update_state(y_true, y_pred)
    assert [v.shape for v in lazy.variables] == [(10, 4)] * 4
    lazy.reset_state()
    assert all(not np.any(v.numpy()) for v in lazy.variables)
    assert [v.shape for v in metrics.AUC(num_thresholds=10).variables] == [(10,)] * 4


def test_auc_config_round_trip_keeps_the_new_arguments():
    auc = metrics.AUC(num_thresholds=7, curve="PR", multi_label=True, num_labels=2, label_weights=np.array([1, 3]),
                      thresholds=[0.9, 0.2], from_logits=True)
    config = auc.get_config()
    assert config["multi_label"] is True and config["num_labels"] == 2 and config["label_weights"] == [1.0, 3.0]
    assert config["thresholds"] == [0.2, 0.9] and config["from_logits"] is True and auc.num_thresholds == 4
    assert metrics.AUC.from_config(config).get_config() == config
    assert metrics.deserialize(metrics.serialize(auc)).get_config() == config


def test_evenly_spaced_thresholds_clip_predictions_like_keras():
    """Keras counts evenly spaced thresholds by buckets of the predictions clipped to [0, 1]:
    a prediction above 1 then stays below the last threshold, one below 0 above the first."""
    auc = metrics.AUC(num_thresholds=3)
    auc.update_state([0, 1], [-0.5, 1.5])
    np.testing.assert_array_equal(auc.true_positives.numpy(), [1, 1, 0])
    np.testing.assert_array_equal(auc.false_positives.numpy(), [1, 0, 0])
    uneven = metrics.AUC(thresholds=[0.3, 0.4])  # compared one by one, as Keras does: no clipping
    uneven.update_state([0, 1], [-0.5, 1.5])
    np.testing.assert_array_equal(uneven.true_positives.numpy(), [1, 1, 1, 1])
    np.testing.assert_array_equal(uneven.false_positives.numpy(), [0, 0, 0, 0])


def test_multi_label_auc_in_compile_fit_and_evaluate():
    x = RNG.random((40, 4)).astype(np.float32)
    y = (x[:, :3] > 0.5).astype(np.float32)
    model = Sequential([Dense(3, activation="sigmoid", input_shape=(4,))])
    model.compile("adam", "binary_crossentropy",
                  metrics=[metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 1, 2], name="auc_ml")])
    history = model.fit(x, y, epochs=2, batch_size=10, verbose=0)
    assert len(history.history["auc_ml"]) == 2
    _, value = model.evaluate(x, y, verbose=0)
    reference = metrics.AUC(multi_label=True, label_weights=[1, 1, 2])
    reference.update_state(y, model.predict(x, verbose=0))
    assert value == pytest.approx(float(reference.result()), rel=1e-5)


def test_auc_errors_name_the_metric_what_was_expected_and_received():
    y_true, y_pred, _ = labelled(labels=4)
    with pytest.raises(ValueError, match=r"AUC: expected num_labels=3; received y_pred of shape \(12, 4\) "
                                         r"\(4 labels\)"):
        metrics.AUC(multi_label=True, num_labels=3).update_state(y_true, y_pred)
    first = metrics.AUC(multi_label=True)
    first.update_state(y_true, y_pred)
    with pytest.raises(ValueError, match=r"AUC: expected 4 labels, as in the first batch; received y_pred of "
                                         r"shape \(12, 3\)"):
        first.update_state(y_true[:, :3], y_pred[:, :3])
    with pytest.raises(ValueError, match=r"AUC: with multi_label=True, y_pred must have rank 2, \(batch, labels\); "
                                         r"received y_pred of shape \(12,\)"):
        metrics.AUC(multi_label=True).update_state(y_true[:, 0], y_pred[:, 0])
    with pytest.raises(ValueError, match=r"AUC: label_weights must be finite and non-negative; received "
                                         r"\[1.0, -0.5\]"):
        metrics.AUC(label_weights=[1.0, -0.5])
    with pytest.raises(ValueError, match="AUC: label_weights has 2 entries; expected num_labels=3"):
        metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 2])
    with pytest.raises(ValueError, match=r"AUC: label_weights has 2 entries; expected one per label, received "
                                         r"y_pred of shape \(12, 4\) \(4 labels\)"):
        metrics.AUC(multi_label=True, label_weights=[1, 2]).update_state(y_true, y_pred)
    with pytest.raises(ValueError, match=r"AUC: label_weights has 2 entries; expected one per label, the last "
                                         r"axis of y_pred, received y_pred of shape \(12, 4\)"):
        metrics.AUC(label_weights=[1, 2]).update_state(y_true, y_pred)
    with pytest.raises(ValueError, match="AUC: label_weights must be a list of one weight per label"):
        metrics.AUC(label_weights=[[1, 2]])
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match=f"AUC: num_labels must be a positive integer; received {bad!r}"):
            metrics.AUC(multi_label=True, num_labels=bad)


# --- SparseTopKCategoricalAccuracy(from_sorted_ids=True) ------------------------------------------
def test_sorted_ids_count_the_label_among_the_first_k_ids():
    ids = np.array([[4, 2, 7], [1, 0, 3], [5, 5, 6], [9, 8, 0]])
    labels = np.array([2, 3, 5, 1])
    for k, expected in ((1, [0, 0, 1, 0]), (2, [1, 0, 1, 0]), (3, [1, 1, 1, 0]), (10, [1, 1, 1, 0])):
        m = metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)
        m.update_state(labels, ids, sample_weight=[1, 1, 1, 1])
        assert float(m.result()) == pytest.approx(np.mean(expected))
        np.testing.assert_array_equal(
            metrics.sparse_top_k_categorical_accuracy(labels, ids, k=k, from_sorted_ids=True).numpy(), expected)
    steps = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)  # (batch, steps, N)
    steps.update_state(np.array([[2, 3], [5, 0]]), np.array([[[4, 2], [3, 1]], [[6, 7], [1, 2]]]))
    assert float(steps.result()) == pytest.approx(0.5)
    scores = metrics.SparseTopKCategoricalAccuracy(k=1)  # the default still reads scores
    scores.update_state([1], [[0.1, 0.8, 0.1]])
    assert float(scores.result()) == 1.0


def test_from_sorted_ids_config_as_keras_writes_it():
    on = metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True)
    assert on.get_config() == {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 3,
                               "from_sorted_ids": True}
    assert metrics.SparseTopKCategoricalAccuracy.from_config(on.get_config()).from_sorted_ids is True
    assert "from_sorted_ids" not in metrics.SparseTopKCategoricalAccuracy(k=3).get_config()


def test_from_sorted_ids_refuses_ids_that_are_not_integers():
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    with pytest.raises(ValueError, match=r"SparseTopKCategoricalAccuracy: with from_sorted_ids=True, y_pred \(the "
                                         r"top ids\) must be integer class ids .*received 0.7.* Pass "
                                         r"from_sorted_ids=False for the scores of every class"):
        m.update_state([1, 0], [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    with pytest.raises(ValueError, match=r"with from_sorted_ids=True, y_true \(the labels\) must be integer class "
                                         r"ids .*received 1.5"):
        m.update_state([1.5, 0.0], [[1, 2], [0, 1]])
    with pytest.raises(ValueError, match=r"SparseTopKCategoricalAccuracy: expected integer labels of shape \(2,\)"):
        m.update_state([1, 0, 2], [[1, 2], [0, 1]])


# --- the class axis of the cross-entropies ---------------------------------------------------------
def softmax(z, axis):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def test_sparse_crossentropy_with_the_classes_on_axis_1_picks_each_step_s_label():
    logits = RNG.standard_normal((5, 4, 3))  # (batch, classes, steps): classes != steps
    labels = RNG.integers(0, 4, (5, 3))
    p = softmax(logits, 1)
    expected = -np.log(np.take_along_axis(p, labels[:, None, :], axis=1)[:, 0, :])
    for y_true in (labels, labels[:, None, :]):  # a class axis of size 1 is dropped
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True, axis=1)
                                   .numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels, p, axis=-2).numpy(), expected, rtol=1e-5)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, axis=1, reduction="sum")
    assert float(loss(labels, logits)) == pytest.approx(expected.sum(), rel=1e-6)
    metric = metrics.SparseCategoricalCrossentropy(from_logits=True, axis=1)
    metric.update_state(labels, logits, sample_weight=[1, 0, 2, 1, 1])
    per_sample = expected.mean(1)
    assert float(metric.result()) == pytest.approx(np.dot(per_sample, [1, 0, 2, 1, 1]) / 5, rel=1e-5)


def test_categorical_and_binary_crossentropy_reduce_the_given_axis():
    logits = RNG.standard_normal((5, 4, 3))
    one_hot = np.moveaxis(np.eye(4)[RNG.integers(0, 4, (5, 3))], -1, 1)  # (batch, classes, steps)
    expected = -np.sum(one_hot * np.log(softmax(logits, 1)), axis=1)
    np.testing.assert_allclose(losses.categorical_crossentropy(one_hot, logits, from_logits=True, axis=1).numpy(),
                               expected, rtol=1e-6)
    metric = metrics.CategoricalCrossentropy(from_logits=True, axis=1)
    metric.update_state(one_hot, logits)
    assert float(metric.result()) == pytest.approx(expected.mean(), rel=1e-5)
    p, t = RNG.uniform(0.05, 0.95, (5, 4, 3)), RNG.integers(0, 2, (5, 4, 3))
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(losses.binary_crossentropy(t, p, axis=1).numpy(), bce.mean(1), rtol=1e-6)
    np.testing.assert_allclose(losses.BinaryCrossentropy(axis=0, reduction=None)(t, p).numpy(), bce.mean(0), rtol=1e-6)
    assert losses.CategoricalCrossentropy(axis=1).get_config()["axis"] == 1
    assert metrics.SparseCategoricalCrossentropy(axis=1).get_config()["axis"] == 1
    clone = metrics.CategoricalCrossentropy.from_config(metrics.CategoricalCrossentropy(axis=-2).get_config())
    assert clone.get_config()["axis"] == -2


def test_crossentropy_axis_errors_name_the_metric_or_loss():
    y = np.eye(3)[[0, 1]]
    with pytest.raises(ValueError, match=r"CategoricalCrossentropy \(metric\): categorical_crossentropy: axis=2 is "
                                         r"out of range for y_pred of rank 2; expected an axis in \[-2, 1\]"):
        metrics.CategoricalCrossentropy(axis=2).update_state(y, y)
    with pytest.raises(ValueError, match=r"SparseCategoricalCrossentropy \(metric\): sparse_categorical_crossentropy: "
                                         r"axis=-3 is out of range"):
        metrics.SparseCategoricalCrossentropy(axis=-3).update_state([0, 1], y)
    with pytest.raises(ValueError, match=r"binary_crossentropy: axis=5 is out of range for y_pred of rank 2"):
        losses.BinaryCrossentropy(axis=5)(y, y)
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: expected integer labels of shape "
                                         r"\(2, 4\) \(y_pred's shape \(2, 3, 4\) without the class axis 1\); "
                                         r"received labels of shape \(2, 3\)"):
        losses.sparse_categorical_crossentropy(np.zeros((2, 3)), np.ones((2, 3, 4)), axis=1)
    for make in (lambda: metrics.CategoricalCrossentropy(axis="1"), lambda: losses.SparseCategoricalCrossentropy(axis=1.0),
                 lambda: losses.CategoricalCrossentropy(axis=True)):
        with pytest.raises(ValueError, match="axis must be an integer; received axis="):
            make()


def test_the_compile_settings_of_a_keras_3_file_with_the_new_arguments_are_read():
    """As Keras 3.15 writes them in a .keras file's compile_config (label_weights as a tensor)."""
    auc = metrics.deserialize({"module": "keras.metrics", "class_name": "AUC", "config": {
        "name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC", "summation_method": "interpolation",
        "multi_label": True, "num_labels": 3, "from_logits": False,
        "label_weights": {"class_name": "__tensor__", "config": {"value": [1.0, 2.0, 3.0], "dtype": "float32"}}}})
    assert auc.get_config()["label_weights"] == [1.0, 2.0, 3.0] and auc.true_positives.shape == (200, 3)
    top = metrics.deserialize({"class_name": "SparseTopKCategoricalAccuracy", "config": {
        "name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 2, "from_sorted_ids": True}})
    assert top.from_sorted_ids is True
    loss = losses.deserialize({"class_name": "CategoricalCrossentropy", "config": {
        "name": "categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.1, "axis": -1}})
    assert loss.get_config()["axis"] == -1 and loss.get_config()["label_smoothing"] == 0.1
    model = Sequential([Dense(3, activation="sigmoid", input_shape=(4,))])
    from minikeras.models.saving import keras_config

    compiled = keras_config.compile_from_keras(
        model, {"class_name": "Adam", "config": {"learning_rate": 0.001}},
        {"class_name": "CategoricalCrossentropy", "config": {"axis": -1, "label_smoothing": 0.1}},
        [{"class_name": "AUC", "config": {"multi_label": True, "num_labels": 3, "label_weights": {
            "class_name": "__tensor__", "config": {"value": [1.0, 2.0, 3.0]}}}}], None, None, {}, "model.keras")
    assert compiled and model.metrics_names == ["loss", "auc"]


@pytest.mark.parametrize("suffix", [".npz", ".keras"])
def test_a_model_compiled_with_the_new_arguments_saves_and_loads(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py")
    x = RNG.random((30, 4)).astype(np.float32)
    y = (x[:, :3] > 0.4).astype(np.float32)
    model = Sequential([Dense(3, activation="sigmoid", input_shape=(4,))])
    model.compile("adam", losses.BinaryCrossentropy(axis=-1, label_smoothing=0.1),
                  metrics=[metrics.AUC(multi_label=True, label_weights=[1, 0, 2], curve="PR", name="auc_pr")])
    model.fit(x, y, verbose=0)
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    clone = minikeras.models.load_model(path)
    assert clone.metrics_names == ["loss", "auc_pr"]
    np.testing.assert_allclose(clone.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6)


def test_ignore_class_is_refused_by_name():
    for make in (lambda: metrics.SparseCategoricalCrossentropy(ignore_class=0),
                 lambda: losses.SparseCategoricalCrossentropy(ignore_class=0),
                 lambda: losses.sparse_categorical_crossentropy([0], [[1.0, 0.0]], ignore_class=0)):
        with pytest.raises(NotImplementedError, match="ignore_class=0 is not supported"):
            make()
    assert metrics.SparseCategoricalCrossentropy(ignore_class=None).get_config()["axis"] == -1
