"""Keras 2 Sequential's predict_classes and predict_proba."""
import numpy as np
import pytest

from minikeras.layers import Dense
from minikeras.models import Sequential


def test_predict_classes_is_the_argmax_of_a_softmax():
    model = Sequential([Dense(4, activation="softmax", input_shape=(3,))])
    x = np.random.default_rng(0).standard_normal((6, 3)).astype("float32")
    classes = model.predict_classes(x)
    np.testing.assert_array_equal(classes, model.predict(x).argmax(axis=-1))
    assert classes.shape == (6,)


def test_predict_classes_thresholds_one_sigmoid_at_a_half():
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(1,))])
    model.set_weights([np.array([[1.0]], "float32"), np.array([0.0], "float32")])
    classes = model.predict_classes(np.array([[-2.0], [0.5], [3.0]], "float32"))
    np.testing.assert_array_equal(classes, [[0], [1], [1]])
    assert classes.dtype == np.int32


def test_predict_proba_returns_predict_and_warns_outside_zero_one():
    model = Sequential([Dense(2, input_shape=(1,))])
    model.set_weights([np.array([[1.0, -1.0]], "float32"), np.zeros(2, "float32")])
    x = np.array([[3.0]], "float32")
    with pytest.warns(UserWarning, match="outside \\[0, 1\\]"):
        probabilities = model.predict_proba(x)
    np.testing.assert_array_equal(probabilities, model.predict(x))
