"""Saving: weights and whole models in the .npz format, JSON configs, and every way a file can be bad."""
import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import minikeras
from minikeras import backend as K
from minikeras import optimizers
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.dropout import Dropout
from minikeras.layers.core.input_layer import Input
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.models import Model, Sequential, load_model, model_from_json
from minikeras.models import saving

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(minikeras.__file__)))


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)


def mlp(name=None):
    return Sequential([Dense(4, activation="relu", input_shape=(3,)), Dropout(0.1), Dense(2)], name=name)


def two_headed():
    x = Input(shape=(3,), name="x")
    h = Dense(4, activation="tanh", name="trunk")(x)
    return Model(x, [Dense(2, activation="softmax", name="cls")(h), Lambda(K.square, name="sq")(h)])


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a, b)) and len(a) == len(b)


# --- round trips ------------------------------------------------------------------------------
def test_save_and_load_in_a_new_process_gives_identical_predictions(tmp_path):
    model = two_headed()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    path = tmp_path / "model.mk"  # any name: no extension is added
    model.save(str(path))
    assert sorted(os.listdir(tmp_path)) == ["model.mk"]
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(f"""
        import numpy as np
        from minikeras.models import load_model
        model = load_model({str(path)!r}, safe_mode=False)
        cls, sq = model.predict(np.load({str(tmp_path / 'x.npy')!r}))
        np.save({str(tmp_path / 'cls.npy')!r}, cls)
        np.save({str(tmp_path / 'sq.npy')!r}, sq)
    """)
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=str(tmp_path), timeout=120)
    cls, sq = model.predict(x)
    np.testing.assert_array_equal(np.load(tmp_path / "cls.npy"), cls)
    np.testing.assert_array_equal(np.load(tmp_path / "sq.npy"), sq)


def test_load_model_restores_compile_state_and_optimizer(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2)])  # no dropout
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(str(tmp_path / "m.npz"))
    clone = load_model(str(tmp_path / "m.npz"))
    assert type(clone.optimizer).__name__ == "Adam" and clone.optimizer.lr == pytest.approx(0.01)
    assert clone.metrics_names == model.metrics_names == ["loss", "mae"]  # as written
    # The Adam moments and step counter came along: the next step is the same.
    model.train_on_batch(x[:8], y[:8])
    clone.train_on_batch(x[:8], y[:8])
    assert clone.optimizer.iterations == model.optimizer.iterations == 5
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert load_model(str(tmp_path / "m.npz"), compile=False).optimizer is None


def test_save_weights_then_load_into_a_rebuilt_model_matches_by_order(tmp_path):
    model = mlp()
    model.save_weights(str(tmp_path / "w"))
    other = mlp()  # same architecture, other layer names (dense_3, dense_4)
    assert [l.name for l in other.layers] != [l.name for l in model.layers]
    other.load_weights(str(tmp_path / "w"))
    assert same_weights(other.get_weights(), model.get_weights())


def test_load_weights_by_name(tmp_path):
    model = two_headed()
    model.save_weights(str(tmp_path / "w.npz"))
    x = Input(shape=(3,))
    partial = Model(x, Dense(4, name="trunk")(x))
    partial.load_weights(str(tmp_path / "w.npz"), by_name=True)
    assert same_weights(partial.get_layer("trunk").get_weights(), model.get_layer("trunk").get_weights())


def test_the_file_is_a_plain_npz_with_the_documented_entries(tmp_path):
    model = two_headed()
    model.compile("sgd", ["categorical_crossentropy", "mse"])
    model.save(str(tmp_path / "m.npz"))
    with np.load(str(tmp_path / "m.npz"), allow_pickle=False) as archive:
        keys = set(archive.files)
        assert str(archive["__minikeras_format__"]) == "minikeras.model/1"
        config = json.loads(archive["__model_config__"].tobytes().decode())
        np.testing.assert_array_equal(archive["trunk/0_kernel"], model.get_layer("trunk").kernel.numpy())
    assert {"__weight_manifest__", "__training_config__", "trunk/0_kernel", "trunk/1_bias",
            "cls/0_kernel", "cls/1_bias", "__optimizer__/0"} <= keys
    assert config["class_name"] == "Model" and config["config"]["name"] == model.name


def test_json_round_trip(tmp_path):
    model = mlp(name="net")
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    clone = model_from_json(text)
    assert clone.name == "net" and [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.output_shape == model.output_shape
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{nope")


def test_lambda_layers_need_safe_mode_false():
    text = two_headed().to_json()
    with pytest.raises(ValueError, match="refused in safe mode"):
        model_from_json(text)
    assert model_from_json(text, safe_mode=False).get_layer("sq").function is K.square
    assert model_from_json(text, custom_objects={"square": K.square}).get_layer("sq").function is K.square
    x = Input(shape=(2,))
    anonymous = Model(x, Lambda(lambda t: t * 2)(x))
    with pytest.raises(ValueError, match="lambda expression"):
        model_from_json(anonymous.to_json(), safe_mode=False)


def test_custom_layer_classes_need_custom_objects():
    class Twice(Dense):
        pass

    x = Input(shape=(2,))
    text = Model(x, Twice(3)(x)).to_json()
    with pytest.raises(ValueError, match="Unknown layer: 'Twice'"):
        model_from_json(text)
    assert type(model_from_json(text, custom_objects={"Twice": Twice}).layers[1]) is Twice


# --- bad files: clear errors, weights unchanged ---------------------------------------------------
def assert_refused(model, path, match):
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        model.load_weights(str(path))
    assert same_weights(before, model.get_weights())


def test_truncated_file(tmp_path):
    model = mlp()
    path = tmp_path / "w.npz"
    model.save_weights(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_refused(mlp(), path, "truncated or corrupted")
    path.write_bytes(b"")
    assert_refused(mlp(), path, "not an .npz archive")


def test_corrupted_file(tmp_path):
    model = mlp()
    path = tmp_path / "w.npz"
    model.save_weights(str(path))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("dense_1/0_kernel.npy")
    data = bytearray(path.read_bytes())
    data[info.header_offset + 120] ^= 0xFF  # a byte inside the kernel's data: the CRC catches it
    path.write_bytes(bytes(data))
    assert_refused(mlp(), path, "truncated or corrupted")


def test_file_for_another_architecture(tmp_path):
    path = tmp_path / "w.npz"
    mlp().save_weights(str(path))
    wider = Sequential([Dense(5, input_shape=(3,)), Dense(2)])
    assert_refused(wider, path, r"layer 'dense_3' \(#0; 'dense_1' in the file\), weight 'kernel' expects "
                                r"shape \(3, 5\), but the file holds shape \(3, 4\)")
    deeper = Sequential([Dense(4, input_shape=(3,)), Dense(4), Dense(2)])
    assert_refused(deeper, path, r"the file holds weights for 2 layer\(s\).*the model has 3")
    no_bias = Sequential([Dense(4, input_shape=(3,), use_bias=False), Dense(2)])
    assert_refused(no_bias, path, r"has 1 weight\(s\) \['kernel'\], but the file has 2")


def test_a_pickle_or_an_object_array_is_refused(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    pickled = tmp_path / "evil.pkl"
    pickled.write_bytes(pickle.dumps(Boom()))
    assert_refused(mlp(), pickled, "Python pickle")
    crafted = tmp_path / "evil.npz"
    np.savez(str(crafted), __minikeras_format__=np.array("minikeras.weights/1"),
             __weight_manifest__=np.array([Boom()], dtype=object))
    assert_refused(mlp(), crafted, "pickled Python objects")
    with pytest.raises(ValueError, match="pickled Python objects"):
        load_model(str(crafted))
    assert not (tmp_path / "pwned").exists()


def test_other_files_are_not_minikeras_files(tmp_path):
    np.savez(str(tmp_path / "plain.npz"), a=np.zeros(3))
    assert_refused(mlp(), tmp_path / "plain.npz", "not a minikeras file")
    np.save(str(tmp_path / "single.npy"), np.zeros(3))
    assert_refused(mlp(), tmp_path / "single.npy", "not an .npz archive")
    assert_refused(mlp(), tmp_path / "missing.npz", "no such file")
    mlp().save_weights(str(tmp_path / "weights_only"))
    with pytest.raises(ValueError, match="holds weights only"):
        load_model(str(tmp_path / "weights_only"))


# --- atomic writes --------------------------------------------------------------------------------
def test_an_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    model = mlp()
    model.save_weights(str(path))
    previous = path.read_bytes()

    def interrupted(file, **entries):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mlp().save_weights(str(path))
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == ["w.npz"]  # no temporary file left behind


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    path = tmp_path / "w.npz"
    mlp().save_weights(str(path))
    with pytest.raises(ValueError, match="already exists and overwrite=False"):
        mlp().save_weights(str(path), overwrite=False)


def test_loss_objects_and_custom_functions_survive_saving(tmp_path):
    from minikeras import losses

    def doubled_mse(y_true, y_pred):
        return 2.0 * losses.mean_squared_error(y_true, y_pred)

    x = Input(shape=(3,), name="x")
    model = Model(x, [Dense(1, name="logit")(x), Dense(2, name="value")(x)])
    model.compile("sgd", loss={"logit": losses.BinaryCrossentropy(from_logits=True), "value": doubled_mse},
                  metrics={"logit": ["accuracy"]})
    rng = np.random.default_rng(0)
    data, labels, values = rng.standard_normal((8, 3)), rng.integers(0, 2, (8, 1)), rng.standard_normal((8, 2))
    expected = model.evaluate(data, [labels, values], verbose=0)
    model.save(str(tmp_path / "m.npz"))
    with pytest.raises(ValueError, match="doubled_mse"):
        load_model(str(tmp_path / "m.npz"))
    clone = load_model(str(tmp_path / "m.npz"), custom_objects={"doubled_mse": doubled_mse})
    assert clone.metrics_names == model.metrics_names == ["loss", "logit_loss", "value_loss", "logit_accuracy"]
    np.testing.assert_allclose(clone.evaluate(data, [labels, values], verbose=0), expected, rtol=1e-6)
