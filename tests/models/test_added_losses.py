"""model.add_loss, layer.add_loss, model.add_metric and compile() without a loss."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers import Dense, Input, Layer
from minikeras.losses import mse
from minikeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


def autoencoder():
    x = Input(shape=(6,))
    code = Dense(3, activation="tanh")(x)
    out = Dense(6)(code)
    return x, code, out


def test_symbolic_add_loss_is_the_whole_loss_when_compile_has_none():
    x, code, out = autoencoder()
    model = Model(x, out)
    model.add_loss(K.mean(mse(x, out)) + 0.1 * K.mean(K.square(code)))
    model.compile(optimizer="adam")
    data = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")
    code_model = Model(x, code)
    expected = np.mean((model.predict(data) - data) ** 2) + 0.1 * np.mean(code_model.predict(data) ** 2)
    np.testing.assert_allclose(model.evaluate(data, None, batch_size=64, verbose=0), expected, rtol=1e-5)
    history = model.fit(data, epochs=3, batch_size=16, verbose=0, validation_data=(data, None))
    assert set(history.history) == {"loss", "val_loss"}
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_add_loss_adds_to_a_compiled_loss_and_add_metric_is_logged_with_val():
    x, code, out = autoencoder()
    model = Model(x, out)
    model.add_loss(0.5 * K.mean(K.abs(code)))
    model.add_metric(K.mean(K.abs(code)), name="code_l1")
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert model.metrics_names[0] == "loss" and model.metrics_names[2] == "code_l1"
    data = np.random.default_rng(1).normal(size=(40, 6)).astype("float32")
    code_l1 = np.mean(np.abs(Model(x, code).predict(data)))
    plain_mse = np.mean((model.predict(data) - data) ** 2)
    loss, mae, metric = model.evaluate(data, data, batch_size=40, verbose=0)
    np.testing.assert_allclose([loss, metric], [plain_mse + 0.5 * code_l1, code_l1], rtol=1e-5)
    history = model.fit(data, data, epochs=2, batch_size=8, verbose=0, validation_split=0.25)
    mae = model.metrics_names[1]  # 'mae' or Keras 2.2.4's long name
    assert set(history.history) == {"loss", mae, "code_l1", "val_loss", f"val_{mae}", "val_code_l1"}


def test_a_callable_loss_is_evaluated_at_every_step():
    model = Sequential([Dense(2, input_shape=(3,))])
    dense = model.layers[0]
    model.add_loss(lambda: 0.25 * K.sum(K.square(dense.kernel)))
    model.compile("sgd", "mse")
    data, target = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    kernel, bias = dense.get_weights()
    expected = np.mean((data @ kernel + bias) ** 2) + 0.25 * np.sum(kernel ** 2)
    np.testing.assert_allclose(model.evaluate(data, target, verbose=0), expected, rtol=1e-5)
    model.fit(data, target, epochs=1, verbose=0)
    kernel = dense.get_weights()[0]
    expected = np.mean((data @ kernel + dense.get_weights()[1]) ** 2) + 0.25 * np.sum(kernel ** 2)
    np.testing.assert_allclose(model.evaluate(data, target, verbose=0), expected, rtol=1e-5)


class ReconstructionLoss(Layer):
    """Keras 2's custom VAE layer: adds its loss inside call and passes x on."""

    def call(self, inputs):
        x, reconstruction = inputs
        self.add_loss(K.mean(K.square(x - reconstruction)), inputs=inputs)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def test_layer_add_loss_inside_call_trains_a_model_compiled_without_loss():
    x = Input(shape=(6,))
    out = Dense(6)(Dense(4)(x))
    y = ReconstructionLoss()([x, out])
    model = Model(x, y)
    model.compile(optimizer="adam", loss=None)
    data = np.random.default_rng(2).normal(size=(32, 6)).astype("float32")
    reconstruction = Model(x, out)
    expected = np.mean((reconstruction.predict(data) - data) ** 2)
    np.testing.assert_allclose(model.evaluate(data, batch_size=32, verbose=0), expected, rtol=1e-5)
    history = model.fit(data, None, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_no_loss_at_all_is_a_clear_error():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd")
    with pytest.raises(ValueError, match="has no loss to optimize: compile\\(\\) was given no loss"):
        model.fit(np.ones((4, 3)), epochs=1, verbose=0)


def test_targets_are_still_required_when_a_loss_was_compiled():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="targets y are required"):
        model.fit(np.ones((4, 3)), epochs=1, verbose=0)


def test_a_loss_from_another_input_is_refused_and_the_model_is_unchanged():
    x, code, out = autoencoder()
    model = Model(x, out)
    other = Input(shape=(6,))
    with pytest.raises(ValueError, match="graph disconnected"):
        model.add_loss(K.mean(other))
    assert model._added.loss_tensors == []
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 6)), np.ones((4, 6)), verbose=0)


def test_add_metric_errors():
    x, code, out = autoencoder()
    model = Model(x, out)
    model.compile("sgd", "mse", metrics=["mae"])
    with pytest.raises(NotImplementedError, match="aggregation='mean'.*received aggregation='sum'"):
        model.add_metric(K.mean(code), name="m", aggregation="sum")
    with pytest.raises(ValueError, match="a metric named 'loss' is already logged"):
        model.add_metric(K.mean(code), name="loss")
    with pytest.raises(ValueError, match="add_metric needs a name"):
        model.add_metric(K.mean(code))
    with pytest.raises(TypeError, match="add_metric expects a symbolic tensor"):
        model.add_metric(np.float32(1.0), name="one")
    assert len(model.metrics_names) == 2
