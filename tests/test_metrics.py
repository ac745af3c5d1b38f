"""Metrics against Keras values (fixtures/make_training_fixtures.py), and 'accuracy' resolution."""
import os

import numpy as np
import pytest

from minikeras import losses, metrics

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "training_metrics.npz"))
Y_PRED, LABELS, ONE_HOT = FIXTURE["y_pred"], FIXTURE["labels"], FIXTURE["one_hot"]


def test_binary_accuracy_averages_the_last_axis():
    result = metrics.binary_accuracy(FIXTURE["binary_true"], FIXTURE["binary_pred"])
    assert result.shape == (12,)
    np.testing.assert_allclose(result.numpy(), FIXTURE["binary_accuracy"])
    # 0.5 is not above the threshold: it counts as class 0.
    np.testing.assert_array_equal(metrics.binary_accuracy([[0.0, 1.0]], [[0.5, 0.51]]).numpy(), [1.0])


def test_categorical_and_sparse_accuracy():
    np.testing.assert_array_equal(metrics.categorical_accuracy(ONE_HOT, Y_PRED).numpy(),
                                  FIXTURE["categorical_accuracy"])
    sparse = metrics.sparse_categorical_accuracy(LABELS, Y_PRED)
    np.testing.assert_array_equal(sparse.numpy(), FIXTURE["sparse_categorical_accuracy"])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(LABELS[:, None], Y_PRED).numpy(),
                                  sparse.numpy())
    assert sparse.numpy()[:3].tolist() == [1.0, 1.0, 1.0]
    assert 0 < sparse.numpy().mean() < 1


@pytest.mark.parametrize("k", [1, 3, 5])
def test_top_k_accuracies(k):
    dense = metrics.top_k_categorical_accuracy(ONE_HOT, Y_PRED, k=k)
    sparse = metrics.sparse_top_k_categorical_accuracy(LABELS[:, None], Y_PRED, k=k)
    np.testing.assert_array_equal(dense.numpy(), FIXTURE[f"top_k_categorical_accuracy/{k}"])
    np.testing.assert_array_equal(sparse.numpy(), FIXTURE[f"sparse_top_k_categorical_accuracy/{k}"])


def test_top_k_default_and_ties():
    np.testing.assert_array_equal(metrics.top_k_categorical_accuracy(ONE_HOT, Y_PRED).numpy(),
                                  FIXTURE["top_k_categorical_accuracy/5"])
    # Classes tied with the target all count as in the top k (TensorFlow's in_top_k).
    tied = np.array([[0.3, 0.3, 0.3, 0.1]])
    assert metrics.sparse_top_k_categorical_accuracy([2], tied, k=1).numpy().tolist() == [1.0]
    assert metrics.sparse_top_k_categorical_accuracy([3], tied, k=3).numpy().tolist() == [0.0]


def test_sparse_label_errors_are_named():
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: expected integer labels of shape \(12,\)"):
        metrics.sparse_categorical_accuracy(LABELS[:5], Y_PRED)
    with pytest.raises(ValueError, match=r"sparse_top_k_categorical_accuracy: labels must be in \[0, 8\), got values from -1"):
        metrics.sparse_top_k_categorical_accuracy(np.full(12, -1), Y_PRED)


@pytest.mark.parametrize("loss, shape, expected", [
    (losses.categorical_crossentropy, (None, 10), metrics.categorical_accuracy),
    (losses.mean_squared_error, (None, 10), metrics.categorical_accuracy),
    (losses.sparse_categorical_crossentropy, (None, 10), metrics.sparse_categorical_accuracy),
    (losses.binary_crossentropy, (None, 10), metrics.binary_accuracy),
    (losses.mean_squared_error, (None, 1), metrics.binary_accuracy),
    (losses.get(losses.SparseCategoricalCrossentropy(from_logits=True)), (None, 10),
     metrics.sparse_categorical_accuracy),
    (losses.get(losses.BinaryCrossentropy()), (None, 3), metrics.binary_accuracy),
])
def test_resolve_accuracy_follows_keras2(loss, shape, expected):
    for name in ("accuracy", "acc"):
        fn, logged = metrics.resolve_accuracy(name, loss, shape)
        assert fn is expected and logged == name  # logged as written (tf.keras)


def test_resolve_crossentropy_and_logits():
    fn, logged = metrics.resolve_accuracy("ce", losses.sparse_categorical_crossentropy, (None, 4))
    assert fn is losses.sparse_categorical_crossentropy and logged == "ce"
    from_logits = losses.get(losses.BinaryCrossentropy(from_logits=True))
    accuracy, _ = metrics.resolve_accuracy("accuracy", from_logits, (None, 1))
    # A logit above 0 is a probability above 0.5.
    np.testing.assert_array_equal(accuracy([[1.0], [0.0]], [[0.2], [-0.1]]).numpy(), [1.0, 1.0])
    crossentropy, _ = metrics.resolve_accuracy("crossentropy", from_logits, (None, 1))
    np.testing.assert_allclose(crossentropy([[1.0]], [[0.0]]).numpy(), [np.log(2.0)], rtol=1e-6)
    with pytest.raises(ValueError, match=r"resolve_accuracy: expected one of .* got 'accuracy_score'"):
        metrics.resolve_accuracy("accuracy_score", losses.mse, (None, 1))


def test_get_and_resolve_names():
    assert metrics.get("categorical_accuracy") is metrics.categorical_accuracy
    assert metrics.get("mse") is losses.mean_squared_error  # every loss is a metric
    assert metrics.resolve("mae") == (losses.mean_absolute_error, "mae")
    assert metrics.resolve(losses.mae) == (losses.mean_absolute_error, "mean_absolute_error")
    assert metrics.resolve("acc", losses.binary_crossentropy, (None, 1)) == (metrics.binary_accuracy, "acc")
    fn, name = metrics.resolve(losses.Poisson(name="my_poisson"))
    assert name == "my_poisson" and fn([[1.0]], [[1.0]]).shape == (1,)
    assert metrics.serialize(metrics.top_k_categorical_accuracy) == "top_k_categorical_accuracy"
    assert metrics.deserialize("sparse_top_k_categorical_accuracy") is metrics.sparse_top_k_categorical_accuracy
    with pytest.raises(ValueError, match="Metric 'accuracy' depends on the model's loss"):
        metrics.get("accuracy")
    with pytest.raises(ValueError, match="Unknown metric: 'f1'"):
        metrics.get("f1")
