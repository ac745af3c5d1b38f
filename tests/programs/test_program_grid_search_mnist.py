"""A whole program: choose an MLP's width and batch size for MNIST by grid search.

Written as a Keras 2 user would, with ``keras`` replaced by ``minikeras`` in the imports:
a build function, ``KerasClassifier``, scikit-learn's ``GridSearchCV`` (2 x 2 grid, 2-fold
cross-validation on 600 images), the best model refitted on 2,000 images for one epoch and
scored on 1,000 test images.
"""
import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.model_selection import GridSearchCV  # noqa: E402

from minikeras.datasets import mnist  # noqa: E402
from minikeras.layers import Dense  # noqa: E402
from minikeras.models import Sequential  # noqa: E402
from minikeras.wrappers.scikit_learn import KerasClassifier  # noqa: E402


def build_mlp(hidden=32):
    model = Sequential()
    model.add(Dense(hidden, activation="relu", input_shape=(784,)))
    model.add(Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_grid_search_over_a_keras_classifier_on_mnist():
    np.random.seed(0)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:2000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:1000].reshape(-1, 784).astype("float32") / 255
    y_train, y_test = y_train[:2000], y_test[:1000]

    classifier = KerasClassifier(build_fn=build_mlp, epochs=3, verbose=0)
    grid = {"hidden": [16, 64], "batch_size": [16, 64]}
    search = GridSearchCV(classifier, grid, cv=2, refit=False)
    search.fit(x_train[:600], y_train[:600])

    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and search.best_score_ == scores.max()
    # Measured: best 0.75 (64 units, batches of 16), from 300 images per fold; chance is 0.1.
    assert search.best_score_ > 0.6, search.cv_results_
    assert set(search.best_params_) == {"hidden", "batch_size"}

    # The chosen settings, trained on all 2,000 images for one epoch.
    best = KerasClassifier(build_fn=build_mlp, epochs=1, verbose=0, **search.best_params_)
    history = best.fit(x_train, y_train)
    accuracy = best.score(x_test, y_test)
    assert accuracy > 0.75, accuracy       # measured: 0.83
    assert np.mean(best.predict(x_test) == y_test) == pytest.approx(accuracy, abs=1e-6)
    assert len(history.history["loss"]) == 1
