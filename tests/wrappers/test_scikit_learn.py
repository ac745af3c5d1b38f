"""KerasClassifier / KerasRegressor: Keras 2's sk_params, scikit-learn's clone and model selection."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402

from minikeras.layers import Dense  # noqa: E402
from minikeras.models import Sequential  # noqa: E402
from minikeras.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402


def build_classifier(hidden=8, classes=3, loss="sparse_categorical_crossentropy"):
    model = Sequential([Dense(hidden, activation="tanh", input_shape=(2,)),
                        Dense(classes, activation="softmax")])
    model.compile("adam", loss, metrics=["accuracy"])
    return model


def build_regressor(hidden=8):
    model = Sequential([Dense(hidden, activation="tanh", input_shape=(2,)), Dense(1)])
    model.compile("adam", "mse")
    return model


def blobs(n=90, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    return (centres[y] + rng.standard_normal((n, 2)) * 0.5).astype("float32"), y


def test_sk_params_are_shared_out_by_name():
    classifier = KerasClassifier(build_classifier, hidden=5, epochs=2, batch_size=16, verbose=0)
    assert classifier.filter_sk_params(build_classifier) == {"hidden": 5}
    assert classifier.filter_sk_params(Sequential.fit) == {"epochs": 2, "batch_size": 16, "verbose": 0}
    assert classifier.get_params() == {"build_fn": build_classifier, "hidden": 5, "epochs": 2,
                                       "batch_size": 16, "verbose": 0}
    assert classifier.set_params(hidden=7) is classifier and classifier.sk_params["hidden"] == 7
    with pytest.raises(ValueError, match="KerasClassifier: 'hiden' is not a legal parameter"):
        KerasClassifier(build_classifier, hiden=5)
    with pytest.raises(ValueError, match="'units' is not a legal parameter"):
        classifier.set_params(units=3)


def test_fit_predict_proba_and_score_with_label_values():
    x, y = blobs()
    names = np.array(["cat", "dog", "emu"])[y]
    classifier = KerasClassifier(build_classifier, hidden=16, epochs=40, batch_size=16, verbose=0)
    history = classifier.fit(x, names)
    assert len(history.history["loss"]) == 40
    assert list(classifier.classes_) == ["cat", "dog", "emu"] and classifier.n_classes_ == 3
    predicted = classifier.predict(x)
    assert predicted.dtype.kind == "U" and np.mean(predicted == names) > 0.9
    probabilities = classifier.predict_proba(x)
    assert probabilities.shape == (90, 3)
    np.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-5)
    assert classifier.score(x, names) == pytest.approx(np.mean(predicted == names), abs=1e-6)
    # fit's own keyword arguments win over the sk_params; sample_weight reaches model.fit
    history = classifier.fit(x, names, sample_weight=np.ones(90), epochs=2)
    assert len(history.history["loss"]) == 2


def test_one_hot_targets_categorical_loss_and_binary_output():
    x, y = blobs(60)
    classifier = KerasClassifier(build_classifier, loss="categorical_crossentropy", epochs=1, verbose=0)
    classifier.fit(x, y)  # labels become one-hot rows for categorical_crossentropy
    assert 0 <= classifier.score(x, y) <= 1
    one_hot = np.eye(3)[y]
    classifier.fit(x, one_hot)
    assert list(classifier.classes_) == [0, 1, 2]

    def build_binary():
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
        model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
        return model
    binary = KerasClassifier(build_binary, epochs=1, verbose=0)
    binary.fit(x, (y > 0).astype(int))
    probabilities = binary.predict_proba(x[:4])
    assert probabilities.shape == (4, 2)
    np.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(binary.predict(x[:4]), (probabilities[:, 1] > 0.5).astype(int))


def test_build_fn_as_object_class_or_own_call():
    class Builder:
        def __call__(self, hidden=4):
            return build_classifier(hidden)

    class OwnBuilder(KerasClassifier):
        def __call__(self, hidden=4):
            return build_classifier(hidden)

    class Net(Sequential):
        def __init__(self, hidden=4):
            super().__init__([Dense(hidden, input_shape=(2,)), Dense(3, activation="softmax")])
            self.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])

    x, y = blobs(30)
    for estimator in (KerasClassifier(Builder(), hidden=6, epochs=1, verbose=0),
                      OwnBuilder(hidden=6, epochs=1, verbose=0),
                      KerasClassifier(Net, hidden=6, epochs=1, verbose=0)):
        estimator.fit(x, y)
        assert estimator.model.count_params() == (2 * 6 + 6) + (6 * 3 + 3)
    with pytest.raises(TypeError, match="build_fn is None, so the class must define __call__"):
        KerasClassifier(None, epochs=1)

    def uncompiled():
        return Sequential([Dense(3, input_shape=(2,))])
    with pytest.raises(ValueError, match="the build function must return a compiled model"):
        KerasClassifier(uncompiled).fit(x, y)


def test_clone_and_cross_val_score_with_a_regressor():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((60, 2)).astype("float32")
    y = (x @ np.array([1.5, -2.0]) + 0.5).astype("float32")
    regressor = KerasRegressor(build_regressor, hidden=4, epochs=2, batch_size=10, verbose=0)
    copy = clone(regressor)
    assert copy is not regressor and copy.get_params() == regressor.get_params()
    scores = cross_val_score(regressor, x, y, cv=2)
    assert scores.shape == (2,) and np.all(scores <= 0)
    regressor.fit(x, y)
    assert regressor.predict(x).shape == (60,)
    assert regressor.score(x, y) == pytest.approx(-regressor.model.evaluate(x, y, verbose=0), rel=1e-6)


def test_without_scikit_learn_the_import_says_how_to_install_it():
    script = textwrap.dedent("""
        import sys
        sys.modules["sklearn"] = None          # as if scikit-learn were not installed
        try:
            import minikeras.wrappers.scikit_learn
        except ImportError as error:
            print(error)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert 'pip install "minikeras[sklearn]"' in result.stdout, result.stdout + result.stderr
    assert "needs scikit-learn" in result.stdout
