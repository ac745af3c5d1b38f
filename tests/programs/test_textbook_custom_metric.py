"""A custom Metric subclass as a textbook writes one: a state made with add_weight, update_state
with sample weights, result, reset_state; used standalone, in compile and through an epoch."""
import numpy as np

import minikeras as keras
from minikeras import layers, ops


class BalancedAccuracy(keras.metrics.Metric):
    """The mean over classes of the recall of each class, from a running confusion matrix."""

    def __init__(self, num_classes, name="balanced_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.confusion = self.add_weight(name="confusion", shape=(num_classes, num_classes), initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        predicted = ops.argmax(y_pred, axis=-1)
        weights = ops.ones(ops.shape(labels)) if sample_weight is None else ops.reshape(sample_weight, (-1,))
        # one_hot(true)^T @ (weights * one_hot(pred)): the weighted counts of (true, predicted) pairs
        true_hot = ops.one_hot(labels, self.num_classes)
        pred_hot = ops.one_hot(predicted, self.num_classes) * ops.expand_dims(weights, 1)
        self.confusion.assign_add(ops.matmul(ops.transpose(true_hot), pred_hot))

    def result(self):
        per_class = ops.sum(self.confusion, axis=1)
        recall = ops.where(ops.greater(per_class, 0), self.confusion.numpy().diagonal() / ops.maximum(per_class, 1.0), 0.0)
        seen = ops.sum(ops.cast(ops.greater(per_class, 0), "float32"))
        return ops.sum(recall) / ops.maximum(seen, 1.0)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def balanced_accuracy(labels, predicted, classes=10):
    recalls = [np.mean(predicted[labels == c] == c) for c in range(classes) if np.any(labels == c)]
    return float(np.mean(recalls))


def test_a_custom_metric_standalone_in_compile_and_reset_each_epoch(mnist_small, fresh_seed):
    (x_train, y_train), (x_test, y_test) = mnist_small
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

    metric = BalancedAccuracy(num_classes=3)
    metric.update_state(np.array([0, 0, 1, 2]), np.eye(3)[[0, 1, 1, 1]])
    assert abs(float(metric.result()) - (0.5 + 1.0 + 0.0) / 3) < 1e-6
    metric.update_state(np.array([2]), np.eye(3)[[2]], sample_weight=np.array([3.0]))
    assert abs(float(metric.result()) - (0.5 + 1.0 + 3.0 / 4.0) / 3) < 1e-6
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert BalancedAccuracy.from_config(metric.get_config()).num_classes == 3

    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", BalancedAccuracy(num_classes=10)])
    history = model.fit(x_train, y_train, epochs=1, batch_size=32, verbose=0, validation_data=(x_test, y_test))
    assert history.history["val_balanced_accuracy"][0] > 0.75  # measured 0.80
    predicted = model.predict(x_test, verbose=0).argmax(axis=1)
    expected = balanced_accuracy(y_test, predicted)
    assert abs(history.history["val_balanced_accuracy"][0] - expected) < 1e-5
    assert abs(model.evaluate(x_test, y_test, verbose=0)[2] - expected) < 1e-5  # reset before evaluating
