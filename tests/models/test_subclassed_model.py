"""Subclassed Model (own __init__ and call), as Keras 2.2 has it."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers import Dense, Dropout
from minikeras.models import Model
from minikeras.optimizers import Adam


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


class Classifier(Model):
    def __init__(self, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(16, activation="relu")
        self.dropout = Dropout(0.5)
        self.classify = Dense(classes, activation="softmax")
        self.training_flags = []

    def call(self, inputs, training=None):
        self.training_flags.append(training)
        return self.classify(self.dropout(self.hidden(inputs), training=training))


def blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[3, 0], [0, 3], [-3, -3]], "float32")
    return (centres[labels] + rng.normal(size=(n, 2))).astype("float32"), labels


def test_compile_fit_evaluate_predict_and_summary_after_the_first_call():
    np.random.seed(0)
    x, y = blobs()
    model = Classifier(name="classifier")
    assert model.layers == [model.hidden, model.dropout, model.classify]
    with pytest.raises(ValueError, match="has not been built yet"):
        model.summary()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert True in model.training_flags
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9 and history.history["loss"][-1] < history.history["loss"][0]
    hidden = np.maximum(x @ model.hidden.get_weights()[0] + model.hidden.get_weights()[1], 0)
    logits = hidden @ model.classify.get_weights()[0] + model.classify.get_weights()[1]
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-6)
    lines = []
    model.summary(print_fn=lines.append)
    assert any(line.startswith("dense_1 (Dense)") and "multiple" in line and "48" in line for line in lines)
    assert "Total params: 99" in lines


def test_weights_save_and_load_into_a_fresh_instance(tmp_path):
    x, y = blobs(60)
    model = Classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, verbose=0)
    path = str(tmp_path / "weights.npz")
    model.save_weights(path)
    twin = Classifier()
    with pytest.raises(ValueError, match="subclassed model that is not built yet.*before load_weights"):
        twin.load_weights(path)
    twin.build((None, 2))
    twin.load_weights(path)
    np.testing.assert_allclose(twin.predict(x), model.predict(x), rtol=1e-6)
    for refused in (model.get_config, model.to_json, lambda: model.save(str(tmp_path / "m.npz"))):
        with pytest.raises(NotImplementedError, match="subclassed model .*save_weights"):
            refused()


class TwoHeads(Model):
    """Two inputs, two outputs, and a weight of the model itself."""

    def __init__(self):
        super().__init__()
        self.shared = [Dense(4, activation="tanh"), Dense(4, activation="tanh")]
        self.regress = Dense(1)
        self.flag = Dense(1, activation="sigmoid")

    def build(self, input_shape):
        self.offset = self.add_weight(name="offset", shape=(1,), initializer="zeros")
        super().build(input_shape)

    def call(self, inputs):
        a, b = inputs
        h = self.shared[1](self.shared[0](a)) + b
        return [self.regress(h) + self.offset, self.flag(h)]


def test_several_inputs_outputs_and_own_weights():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(40, 3)).astype("float32"), rng.normal(size=(40, 4)).astype("float32")
    model = TwoHeads()
    model.compile("adam", ["mse", "binary_crossentropy"])
    history = model.fit([a, b], [a[:, :1], (a[:, :1] > 0).astype("float32")], epochs=2, verbose=0)
    assert model.output_names == ["output_1", "output_2"]
    assert set(history.history) == {"loss", "output_1_loss", "output_2_loss"}
    assert len(model.layers) == 4 and model.offset in model.trainable_weights
    assert model.count_params() == 16 + 20 + 5 + 5 + 1
    assert [p.shape for p in model.predict([a, b])] == [(40, 1), (40, 1)]


def test_forgetting_super_init_is_explained():
    class Forgetful(Model):
        def __init__(self):
            self.dense = Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Forgetful()


def test_a_plain_model_still_needs_inputs_and_outputs():
    with pytest.raises(TypeError, match="both inputs and outputs are required"):
        Model()


def test_a_subclassed_model_is_a_layer_of_a_functional_model():
    from minikeras.layers import Input

    inner = Classifier(classes=4)
    x = Input(shape=(2,))
    y = inner(x)
    assert y.shape == (None, 4)
    outer = Model(x, Dense(1)(y))
    outer.compile("sgd", "mse")
    outer.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), verbose=0)
    data = np.random.default_rng(3).normal(size=(5, 2)).astype("float32")
    head = outer.layers[-1].get_weights()
    np.testing.assert_allclose(outer.predict(data), inner.predict(data) @ head[0] + head[1], rtol=1e-5)
    assert outer.count_params() == (2 * 16 + 16) + (16 * 4 + 4) + (4 + 1)   # inner, then the head


class Autoencoder(Model):
    """A subclassed model that adds its own loss inside call (tf.keras' way)."""

    def __init__(self):
        super().__init__()
        self.encode = Dense(2, activation="tanh")
        self.decode = Dense(4)

    def call(self, inputs):
        reconstruction = self.decode(self.encode(inputs))
        self.add_loss(K.mean(K.square(reconstruction - inputs)))
        return reconstruction


def test_a_subclassed_model_adds_its_loss_inside_call():
    data = np.random.default_rng(4).normal(size=(32, 4)).astype("float32")
    model = Autoencoder()
    model.compile("adam")
    history = model.fit(data, epochs=5, batch_size=8, verbose=0)
    expected = np.mean((model.predict(data) - data) ** 2)
    np.testing.assert_allclose(model.evaluate(data, batch_size=32, verbose=0), expected, rtol=1e-5)
    assert history.history["loss"][-1] < history.history["loss"][0]


class NamedInputs(Model):
    """Keras 3 style: call() reads its inputs from a dict by name."""

    def __init__(self):
        super().__init__()
        self.mix = Dense(8, activation="relu")
        self.score = Dense(1, activation="sigmoid")
        self.seen_keys = []

    def call(self, inputs):
        self.seen_keys.append(sorted(inputs))
        from minikeras.layers import Concatenate

        return self.score(self.mix(Concatenate()([inputs["left"], inputs["right"]])))


def test_a_dict_of_inputs_reaches_call_by_name_in_call_fit_evaluate_and_predict():
    rng = np.random.default_rng(0)
    left, right = rng.normal(size=(200, 3)).astype("float32"), rng.normal(size=(200, 2)).astype("float32")
    target = (left[:, 0] + right[:, 1] > 0).astype("float32")
    model = NamedInputs()
    assert model({"left": left[:4], "right": right[:4]}).shape == (4, 1)
    assert model.input_names == ["left", "right"] and model.seen_keys[-1] == ["left", "right"]
    assert model.weights[0].shape == (5, 8)
    model.compile(optimizer=Adam(learning_rate=0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit({"right": right, "left": left}, target, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate({"left": left, "right": right}, target, verbose=0)[1] > 0.85
    assert model.predict({"left": left, "right": right}, verbose=0).shape == (200, 1)
    with pytest.raises(ValueError, match="right"):
        model.predict({"left": left}, verbose=0)


def test_a_dict_of_inputs_builds_an_unbuilt_model_in_fit():
    rng = np.random.default_rng(1)
    data = {"left": rng.normal(size=(40, 3)), "right": rng.normal(size=(40, 2))}
    model = NamedInputs()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(data, np.zeros((40, 1)), epochs=1, verbose=0)
    assert model.input_names == ["left", "right"] and model.seen_keys[-1] == ["left", "right"]
