"""get_custom_objects / CustomObjectScope: one global table consulted by every lookup by name."""
import numpy as np
import pytest

from minikeras import activations, initializers, losses, metrics, optimizers, regularizers
from minikeras.layers import Dense, Layer
from minikeras.models import Sequential, load_model
from minikeras.utils import CustomObjectScope, custom_object_scope, get_custom_objects
from minikeras.utils import generic_utils


def half_squared_error(y_true, y_pred):
    return 0.5 * (y_pred - y_true) ** 2


def my_activation(x):
    return x * 2


class ConstantInit(initializers.Initializer):
    def __init__(self, value=0.5):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or "float32")

    def get_config(self):
        return {"value": self.value}


class Doubler(Layer):
    def call(self, inputs):
        return inputs * 2


def test_keras_module_paths():
    assert generic_utils.get_custom_objects() is get_custom_objects()
    assert generic_utils.CustomObjectScope is CustomObjectScope


def test_scope_adds_and_restores_even_on_error():
    get_custom_objects()["kept"] = 1
    try:
        with pytest.raises(RuntimeError):
            with custom_object_scope({"a": 1}, {"b": 2, "kept": 3}):
                assert get_custom_objects() == {"kept": 3, "a": 1, "b": 2}
                raise RuntimeError
        assert get_custom_objects() == {"kept": 1}
    finally:
        get_custom_objects().clear()


def test_scope_rejects_non_dicts():
    with pytest.raises(TypeError, match="CustomObjectScope: expected dicts .* received list"):
        CustomObjectScope(["not", "a", "dict"])


def test_every_kind_of_lookup_consults_the_scope():
    with CustomObjectScope({"half_squared_error": half_squared_error, "my_activation": my_activation,
                            "ConstantInit": ConstantInit}):
        assert losses.get("half_squared_error") is half_squared_error
        assert metrics.get("half_squared_error") is half_squared_error
        assert activations.get("my_activation") is my_activation
        init = initializers.get({"class_name": "ConstantInit", "config": {"value": 2.0}})
        assert isinstance(init, ConstantInit) and init.value == 2.0
        layer = Dense(3, activation="my_activation", kernel_initializer="ConstantInit")
        out = layer(np.ones((1, 2), dtype="float32")).numpy()
        np.testing.assert_allclose(out, np.full((1, 3), 2.0))  # 2 * (0.5 + 0.5)
    with pytest.raises(ValueError, match="half_squared_error"):
        losses.get("half_squared_error")


def test_argument_beats_global_and_global_beats_builtin():
    def other(y_true, y_pred):
        return y_pred
    def fake_mse(y_true, y_pred):
        return y_pred
    with custom_object_scope({"half_squared_error": other, "mse": fake_mse}):
        assert losses.deserialize("half_squared_error", {"half_squared_error": half_squared_error}) is half_squared_error
        assert losses.get("mse") is fake_mse
    assert regularizers.get("l2") is not None and optimizers.get("sgd") is not None


def test_load_model_finds_a_custom_layer_and_loss_in_the_scope(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,)), Doubler()])
    model.compile("sgd", loss=half_squared_error)
    path = str(tmp_path / "model.npz")
    model.save(path)
    with pytest.raises(ValueError, match="Unknown layer: 'Doubler'"):
        load_model(path)
    with custom_object_scope({"Doubler": Doubler, "half_squared_error": half_squared_error}):
        loaded = load_model(path)
    x = np.random.rand(4, 3).astype("float32")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    assert isinstance(loaded.layers[-1], Doubler)


def twice(x):
    return x * 2


def test_a_lambda_function_is_found_in_the_scope_when_loading(tmp_path):
    from minikeras.layers import Lambda
    model = Sequential([Dense(2, input_shape=(3,)), Lambda(twice)])
    path = str(tmp_path / "lambda_model.npz")
    model.save(path)
    with pytest.raises(ValueError, match="twice"):
        load_model(path)                   # safe mode: a named function is never imported
    with custom_object_scope({"twice": twice}):
        loaded = load_model(path)          # found by name in the scope
    x = np.random.rand(2, 3).astype("float32")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
