"""Custom layers written as Keras 2 documents them: subclass Layer, build, call, config."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers import Dense, Input, Layer, Masking
from minikeras.models import Model, Sequential, load_model, model_from_json
from minikeras.utils.gradient_check import assert_gradients_close


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


class MyLayer(Layer):
    """The example of the Keras 2 guide "Writing your own Keras layers"."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                      initializer="uniform", trainable=True)
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config["output_dim"] = self.output_dim
        return config


class ScaledMask(Layer):
    """Masks, training and every add_weight argument, positionally as Keras 2 allows."""

    supports_masking = True

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],), None, "ones", "l2", True, "non_neg")
        self.calls = self.add_weight("calls", (), None, "zeros", None, False, None)
        self.seen = []

    def call(self, inputs, mask=None, training=None):
        self.seen.append((None if mask is None else np.asarray(mask).copy(), training))
        return inputs * self.scale

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else K.cast(mask, "bool")


def test_the_keras2_guide_layer_in_sequential_and_functional_models():
    model = Sequential([MyLayer(3, input_shape=(4,)), Dense(2)])
    assert model.output_shape == (None, 2)
    assert [w.name for w in model.layers[0].weights] == ["kernel"]
    assert model.layers[0].count_params() == 12
    data = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    kernel = model.layers[0].get_weights()[0]
    dense_kernel, dense_bias = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(data), data @ kernel @ dense_kernel + dense_bias, rtol=1e-5)
    x = Input(shape=(4,))
    assert Model(x, MyLayer(7)(x)).output_shape == (None, 7)
    model.compile("sgd", "mse")
    model.fit(data, np.zeros((5, 2)), verbose=0)
    assert not np.allclose(model.layers[0].get_weights()[0], kernel)


def test_custom_layer_gradients_float64():
    layer = MyLayer(2, dtype="float64")
    layer.build((None, 3))
    assert_gradients_close(lambda t: layer(t), [np.random.default_rng(1).normal(size=(4, 3))])


def test_add_weight_positional_arguments_masks_and_training_flag():
    layer = ScaledMask()
    x = Input(shape=(3, 2))
    model = Model(x, layer(Masking(0.0)(x)))
    assert [w.name for w in layer.trainable_weights] == ["scale"]
    assert [w.name for w in layer.non_trainable_weights] == ["calls"]
    assert len(layer.losses) == 1  # the l2 regularizer of scale
    data = np.ones((2, 3, 2), "float32")
    data[0, 1] = 0.0
    model.predict(data)
    mask, training = layer.seen[-1]
    np.testing.assert_array_equal(mask, [[True, False, True], [True, True, True]])
    assert training is False
    model.compile("sgd", "mse")
    layer.scale.assign(np.array([-1.0, 2.0], "float32"))
    model.fit(data, np.zeros((2, 3, 2)), verbose=0, epochs=1)
    assert layer.seen[-1][1] is True
    assert (layer.scale.numpy() >= 0).all()   # the non_neg constraint after the update


def test_add_weight_needs_a_shape():
    class NoShape(Layer):
        def build(self, input_shape):
            self.add_weight("w")

    with pytest.raises(ValueError, match=r"NoShape 'no_shape_1': add_weight\('w'\) needs a shape.*received shape=None"):
        NoShape()(np.ones((1, 2)))


def test_saved_and_loaded_with_custom_objects(tmp_path):
    model = Sequential([MyLayer(3, input_shape=(4,), name="mine"), Dense(2)])
    model.compile("adam", "mse")
    data = np.random.default_rng(2).normal(size=(6, 4)).astype("float32")
    model.fit(data, np.ones((6, 2)), verbose=0)
    path = str(tmp_path / "custom.npz")
    model.save(path)
    with pytest.raises(ValueError, match="Unknown layer: 'MyLayer'.*custom_objects=\\{'MyLayer': MyLayer\\}"):
        load_model(path)
    loaded = load_model(path, custom_objects={"MyLayer": MyLayer})
    assert isinstance(loaded.layers[0], MyLayer) and loaded.layers[0].output_dim == 3
    np.testing.assert_allclose(loaded.predict(data), model.predict(data), rtol=1e-6)
    twin = model_from_json(model.to_json(), custom_objects={"MyLayer": MyLayer})
    assert twin.layers[0].get_config()["output_dim"] == 3


def test_a_custom_layer_reloads_in_a_fresh_process(tmp_path):
    module = tmp_path / "my_layers.py"
    module.write_text(textwrap.dedent('''
        from minikeras import backend as K
        from minikeras.layers import Layer

        class Affine(Layer):
            def __init__(self, units, **kwargs):
                self.units = units
                super().__init__(**kwargs)

            def build(self, input_shape):
                self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units))
                self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")
                super().build(input_shape)

            def call(self, x):
                return K.dot(x, self.w) + self.b

            def compute_output_shape(self, input_shape):
                return input_shape[:-1] + (self.units,)

            def get_config(self):
                return {**super().get_config(), "units": self.units}
    '''))
    script = textwrap.dedent(f'''
        import sys, numpy as np
        sys.path.insert(0, {str(tmp_path)!r})
        from my_layers import Affine
        from minikeras.models import Sequential, load_model
        data = np.arange(12, dtype="float32").reshape(4, 3) / 10
        if sys.argv[1] == "save":
            model = Sequential([Affine(2, input_shape=(3,))])
            model.layers[0].b.assign(np.array([0.5, -0.5], "float32"))
            model.save({str(tmp_path / "affine.npz")!r})
            np.save({str(tmp_path / "before.npy")!r}, model.predict(data))
        else:
            model = load_model({str(tmp_path / "affine.npz")!r}, custom_objects={{"Affine": Affine}})
            np.testing.assert_allclose(model.predict(data), np.load({str(tmp_path / "before.npy")!r}))
            print("same predictions")
    ''')
    for step in ("save", "load"):
        result = subprocess.run([sys.executable, "-c", script, step], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    assert "same predictions" in result.stdout


def test_a_custom_object_scope_is_consulted_when_loading(tmp_path):
    from minikeras.utils import generic_utils

    if not hasattr(generic_utils, "custom_object_scope"):
        pytest.skip("custom_object_scope arrives with the utilities of issue 9 (utils/generic_utils.py)")
    model = Sequential([MyLayer(2, input_shape=(3,))])
    path = str(tmp_path / "scoped.npz")
    model.save(path)
    with generic_utils.custom_object_scope({"MyLayer": MyLayer}):
        loaded = load_model(path)
    data = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(data), model.predict(data))
