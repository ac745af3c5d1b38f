"""Keras' own model files: .keras archives, .weights.h5 and Keras 2 / tf.keras .h5 files.

The fixtures were written once by Keras 3 and by tf.keras (tests/fixtures/
make_keras_file_fixtures.py, which also recorded what Keras predicted); these tests need
h5py but no Keras.
"""
import glob
import io
import json
import os
import shutil
import sys
import warnings
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import minikeras  # noqa: E402
from minikeras import layers  # noqa: E402
from minikeras.models import load_model, model_from_config, Sequential  # noqa: E402
from minikeras.models.saving import file_format  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
PRODUCERS = {"keras3": "keras3", "tfkeras": "tf_keras"}
MODEL_FILES = sorted(
    os.path.basename(p) for p in glob.glob(os.path.join(FIXTURES, "keras3_*")) + glob.glob(os.path.join(FIXTURES, "tfkeras_*"))
    if p.endswith((".keras", ".h5")) and not p.endswith(("_weights.h5", ".weights.h5")))


def reference(filename):
    """(model name, inputs, outputs Keras predicted) for a fixture file."""
    prefix, rest = filename.split("_", 1)
    name = rest.split(".")[0]
    data = np.load(os.path.join(FIXTURES, f"keras_files_{PRODUCERS[prefix]}.npz"))
    xs = [data[k] for k in sorted(data.files) if k.startswith(name + "/x")]
    ys = [data[k] for k in sorted(data.files) if k.startswith(name + "/y")]
    return name, (xs if len(xs) > 1 else xs[0]), ys


def predictions(model, x):
    p = model.predict(x)
    return p if isinstance(p, list) else [p]


def assert_predicts(model, x, expected, tolerance=1e-6):
    got = predictions(model, x)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=tolerance, rtol=0)


# --- files written by Keras ---------------------------------------------------------------------
@pytest.mark.parametrize("filename", MODEL_FILES)
def test_a_model_written_by_keras_loads_and_predicts_the_same_numbers(filename):
    name, x, expected = reference(filename)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing in these files should be left untranslated
        model = load_model(os.path.join(FIXTURES, filename))
    assert_predicts(model, x, expected)
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.get_config()["learning_rate"] == 0.01  # as compiled in Keras


@pytest.mark.parametrize("filename", sorted(
    os.path.basename(p) for p in glob.glob(os.path.join(FIXTURES, "*weights.h5"))))
def test_a_weights_file_written_by_keras_loads_into_a_model_of_the_same_architecture(filename):
    model_file = filename.replace(".weights.h5", ".keras").replace("_weights.h5", ".h5")
    name, x, expected = reference(model_file)
    architecture = load_model(os.path.join(FIXTURES, model_file), compile=False)
    fresh = model_from_config({"class_name": type(architecture).__name__, "config": architecture.get_config()})
    fresh.load_weights(os.path.join(FIXTURES, filename))
    assert_predicts(fresh, x, expected)


def test_the_optimizer_state_of_a_keras3_archive_travels():
    model = load_model(os.path.join(FIXTURES, "keras3_mlp.keras"))
    with zipfile.ZipFile(os.path.join(FIXTURES, "keras3_mlp.keras")) as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
            stored = [f["optimizer/vars"][str(i)][()] for i in range(len(f["optimizer/vars"]))]
    state = model.optimizer.get_weights()
    n = len(model.trainable_weights)
    assert int(state[0]) == int(stored[0]) == 4  # two epochs of two batches
    np.testing.assert_array_equal(state[1], stored[2])           # first weight's m
    np.testing.assert_array_equal(state[1 + n], stored[3])       # first weight's v
    np.testing.assert_array_equal(state[2], stored[4])           # second weight's m


def test_the_optimizer_state_of_a_tf_keras_file_travels():
    model = load_model(os.path.join(FIXTURES, "tfkeras_mlp.h5"))
    with h5py.File(os.path.join(FIXTURES, "tfkeras_mlp.h5"), "r") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        first_m = group[names[1]][()]
    state = model.optimizer.get_weights()
    assert int(state[0]) == 4
    np.testing.assert_array_equal(state[1], first_m)


# --- files written by minikeras -------------------------------------------------------------------
def trained_cnn():
    np.random.seed(3)
    model = Sequential([layers.Conv2D(3, 3, activation="relu", input_shape=(8, 8, 1)), layers.MaxPooling2D(),
                        layers.Flatten(), layers.Dropout(0.2), layers.Dense(4, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.rand(10, 8, 8, 1).astype("float32")
    model.fit(x, np.random.randint(0, 4, 10), epochs=1, batch_size=5, verbose=0)
    return model, x


def two_input_model():
    a, b = minikeras.Input((6,), name="left"), minikeras.Input((6,), name="right")
    tower = Sequential([layers.Dense(5, activation="relu", input_shape=(6,)), layers.Dense(4)], name="tower")
    out_a = layers.Dense(2, activation="softmax", name="class_out")(tower(a))
    out_b = layers.Dense(1, name="value_out")(layers.Activation("sigmoid")(tower(b)))
    model = minikeras.Model([a, b], [out_a, out_b])
    model.compile("sgd", ["categorical_crossentropy", "mse"])
    return model, [np.random.rand(3, 6).astype("float32"), np.random.rand(3, 6).astype("float32")]


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".hdf5"])
@pytest.mark.parametrize("make", [trained_cnn, two_input_model])
def test_save_and_load_round_trip_in_every_keras_format(tmp_path, suffix, make):
    model, x = make()
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    loaded = load_model(path)
    for a, b in zip(predictions(loaded, x), predictions(model, x)):
        np.testing.assert_array_equal(a, b)
    assert type(loaded.optimizer) is type(model.optimizer)
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert os.listdir(tmp_path) == [os.path.basename(path)]  # no temporary file left


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5"])
def test_weights_round_trip_by_order_into_a_model_with_other_layer_names(tmp_path, name):
    model, x = trained_cnn()
    model.save_weights(str(tmp_path / name))
    other, _ = trained_cnn()  # same architecture, other names (conv2d_2 ...) and other weights
    other.load_weights(str(tmp_path / name))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_h5_by_name_loads_only_the_layers_of_the_same_name(tmp_path):
    model, x = trained_cnn()
    model.save_weights(str(tmp_path / "w.h5"))
    dense = model.layers[-1]
    other = Sequential([layers.Dense(4, input_shape=(dense.input_shape[-1],), name=dense.name)])
    other.load_weights(str(tmp_path / "w.h5"), by_name=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0], dense.get_weights()[0])


def h5_paths(source):
    with h5py.File(source, "r") as f:
        found = {}
        f.visititems(lambda n, o: found.__setitem__(n, tuple(o.shape) if isinstance(o, h5py.Dataset) else None))
        return found


def test_a_keras_archive_written_by_minikeras_has_the_layout_keras3_writes(tmp_path):
    keras_file = os.path.join(FIXTURES, "keras3_mnist_cnn.keras")
    model = load_model(keras_file)
    model.save(str(tmp_path / "mine.keras"))
    with zipfile.ZipFile(keras_file) as theirs, zipfile.ZipFile(str(tmp_path / "mine.keras")) as mine:
        assert sorted(mine.namelist()) == sorted(theirs.namelist())
        ours, keras3 = json.loads(mine.read("config.json")), json.loads(theirs.read("config.json"))
        assert ours["class_name"] == keras3["class_name"] == "Sequential"
        assert [(l["module"], l["class_name"]) for l in ours["config"]["layers"]] == \
               [(l["module"], l["class_name"]) for l in keras3["config"]["layers"]]
        assert set(ours["compile_config"]) >= {"optimizer", "loss", "metrics"}
        assert json.loads(mine.read("metadata.json"))["keras_version"].startswith("3.")
        assert h5_paths(io.BytesIO(mine.read("model.weights.h5"))) == \
               h5_paths(io.BytesIO(theirs.read("model.weights.h5")))


def test_a_functional_keras_archive_has_keras3_node_records(tmp_path):
    model, _ = two_input_model()
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(str(tmp_path / "m.keras")) as archive:
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Functional"
    tower = next(l for l in config["config"]["layers"] if l["name"] == "tower")
    histories = [node["args"][0]["config"]["keras_history"] for node in tower["inbound_nodes"]]
    assert histories == [["left", 0, 0], ["right", 0, 0]]
    consumer = next(l for l in config["config"]["layers"] if l["name"] == "class_out")
    assert consumer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == ["tower", 0, 0]
    assert consumer["inbound_nodes"][0]["args"][0]["config"]["shape"] == [None, 4]
    with zipfile.ZipFile(os.path.join(FIXTURES, "keras3_two_inputs.keras")) as theirs, \
            zipfile.ZipFile(str(tmp_path / "m.keras")) as mine:
        assert h5_paths(io.BytesIO(mine.read("model.weights.h5"))).keys() - {"optimizer", "optimizer/vars"} >= \
            {k for k in h5_paths(io.BytesIO(theirs.read("model.weights.h5"))) if not k.startswith("optimizer")}


def test_an_h5_written_by_minikeras_has_keras2s_layout(tmp_path):
    model, _ = trained_cnn()
    model.save(str(tmp_path / "m.h5"))
    with h5py.File(str(tmp_path / "m.h5"), "r") as f:
        assert {"keras_version", "backend", "model_config", "training_config"} <= set(f.attrs)
        config = json.loads(f.attrs["model_config"])
        assert config["config"]["layers"][0]["class_name"] == "InputLayer"
        assert json.loads(f.attrs["training_config"])["optimizer_config"]["config"]["lr"] == pytest.approx(0.001)
        names = text(f["model_weights"].attrs["layer_names"])
        assert names == [layer.name for layer in model.layers]
        conv = model.layers[0].name
        weight_names = text(f["model_weights"][conv].attrs["weight_names"])
        assert weight_names == [f"{conv}/kernel:0", f"{conv}/bias:0"]
        assert f["model_weights"][conv][f"{conv}/kernel:0"].shape == (3, 3, 1, 3)
    with h5py.File(os.path.join(FIXTURES, "tfkeras_mnist_cnn.h5"), "r") as f:
        assert {"keras_version", "backend", "model_config", "training_config"} <= set(f.attrs)
        assert "layer_names" in f["model_weights"].attrs


# --- bad files ------------------------------------------------------------------------------------
def rewrite_archive(source, target, change):
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_an_archive_member_that_would_unpack_outside_its_folder_is_refused(tmp_path):
    target = str(tmp_path / "evil.keras")
    rewrite_archive(os.path.join(FIXTURES, "keras3_mlp.keras"), target,
                    lambda m: m.__setitem__("../../outside.txt", b"x"))
    with pytest.raises(ValueError, match=r"'../../outside.txt' would unpack outside its folder"):
        load_model(target)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    target = str(tmp_path / "bomb.keras")
    rewrite_archive(os.path.join(FIXTURES, "keras3_mlp.keras"), target,
                    lambda m: m.__setitem__("config.json", b" " * (20 << 20)))
    with pytest.raises(ValueError, match=r"'config.json' is compressed \d+ to 1, as a zip bomb is"):
        load_model(target)


@pytest.mark.parametrize("change, message", [
    (lambda m: m.__setitem__("config.json", b"{not json"), r"'config.json' is not valid JSON"),
    (lambda m: m.pop("model.weights.h5"), r"the archive has no 'model.weights.h5'"),
    (lambda m: m.__setitem__("model.weights.h5", b"plain text"), r"not an HDF5 file"),
])
def test_a_broken_archive_gives_an_error_that_says_what_is_wrong(tmp_path, change, message):
    target = str(tmp_path / "broken.keras")
    rewrite_archive(os.path.join(FIXTURES, "keras3_mlp.keras"), target, change)
    with pytest.raises(ValueError, match=message):
        load_model(target)


def test_a_truncated_or_foreign_file_is_refused(tmp_path):
    data = open(os.path.join(FIXTURES, "tfkeras_mlp.h5"), "rb").read()
    (tmp_path / "half.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"truncated or corrupted"):
        load_model(str(tmp_path / "half.h5"))
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match=r"it is not an HDF5 file"):
        load_model(str(tmp_path / "text.h5"))
    (tmp_path / "half.keras").write_bytes(open(os.path.join(FIXTURES, "keras3_mlp.keras"), "rb").read()[:500])
    with pytest.raises(ValueError, match=r"not a .keras archive"):
        load_model(str(tmp_path / "half.keras"))


def text(names):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def copy_fixture(tmp_path, name):
    target = str(tmp_path / name)
    shutil.copy(os.path.join(FIXTURES, name), target)
    return target


def test_a_weight_of_another_shape_names_the_layer_and_leaves_the_model_unchanged(tmp_path):
    path = copy_fixture(tmp_path, "tfkeras_mlp_weights.h5")
    with h5py.File(path, "r+") as f:
        layer = text(f.attrs["layer_names"])[-1]
        weight = text(f[layer].attrs["weight_names"])[0]
        del f[layer][weight]
        f[layer].create_dataset(weight, data=np.zeros((7, 3), dtype="float32"))
    model = load_model(os.path.join(FIXTURES, "tfkeras_mlp.h5"), compile=False)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=rf"layer '{model.layers[-1].name}'.*expects shape \(8, 3\), but the file holds shape \(7, 3\)"):
        model.load_weights(path)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_a_missing_or_non_numeric_weight_is_refused(tmp_path):
    path = copy_fixture(tmp_path, "keras3_mlp.weights.h5")
    with h5py.File(path, "r+") as f:
        del f["layers/dense_1/vars/1"]
    model = load_model(os.path.join(FIXTURES, "keras3_mlp.keras"), compile=False)
    with pytest.raises(ValueError, match=r"has 2 weight\(s\).*but the file has 1 for it"):
        model.load_weights(path)
    path = copy_fixture(tmp_path, "tfkeras_mlp_weights.h5")
    with h5py.File(path, "r+") as f:
        layer = text(f.attrs["layer_names"])[0]
        weight = text(f[layer].attrs["weight_names"])[1]
        del f[layer][weight]
        f[layer].create_dataset(weight, data=np.array([b"abc"] * 16))
    with pytest.raises(ValueError, match=r"non-numeric dtype"):
        load_model(os.path.join(FIXTURES, "tfkeras_mlp.h5"), compile=False).load_weights(path)


def test_a_file_for_another_architecture_is_refused(tmp_path):
    model, _ = trained_cnn()
    with pytest.raises(ValueError, match=r"the file holds weights for 3 layer\(s\).*the model has 2 layer\(s\) with weights"):
        model.load_weights(os.path.join(FIXTURES, "tfkeras_mlp_weights.h5"))
    with pytest.raises(ValueError, match=r"another architecture"):
        model.load_weights(os.path.join(FIXTURES, "keras3_mlp.weights.h5"))


def double(x):
    return x * 2


def test_a_lambda_layer_is_rebuilt_only_with_safe_mode_false(tmp_path):
    model = Sequential([layers.Lambda(double, input_shape=(3,)), layers.Dense(2)])
    for suffix in (".keras", ".h5"):
        path = str(tmp_path / f"lambda{suffix}")
        model.save(path)
        with pytest.raises(ValueError, match=r"safe_mode=False"):
            load_model(path)
        loaded = load_model(path, safe_mode=False)
        x = np.ones((1, 3), dtype="float32")
        np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_python_bytecode_in_a_keras3_lambda_is_never_run(tmp_path):
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 2], "name": "i"}},
        {"module": "keras.layers", "class_name": "Lambda", "config": {
            "name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}}}]}}
    target = str(tmp_path / "bytecode.keras")
    rewrite_archive(os.path.join(FIXTURES, "keras3_mlp.keras"), target,
                    lambda m: m.__setitem__("config.json", json.dumps(config).encode()))
    with pytest.raises(ValueError, match=r"stores the layer's function as Python bytecode; minikeras never runs code"):
        load_model(target, safe_mode=False)


def test_a_keras3_argument_without_keras2_equivalent_is_not_silently_dropped(tmp_path):
    def grouped(members):
        config = json.loads(members["config.json"])
        config["config"]["layers"][1]["config"]["groups"] = 2
        members["config.json"] = json.dumps(config).encode()
    target = str(tmp_path / "groups.keras")
    rewrite_archive(os.path.join(FIXTURES, "keras3_mnist_cnn.keras"), target, grouped)
    with pytest.raises(NotImplementedError, match=r"Conv2D 'conv2d'.*groups=2.*no equivalent in minikeras"):
        load_model(target)


def test_without_h5py_an_hdf5_file_gives_an_import_error_that_says_how_to_install(tmp_path, monkeypatch):
    model, _ = trained_cnn()
    monkeypatch.setitem(sys.modules, "h5py", None)
    for action in (lambda: model.save(str(tmp_path / "m.h5")), lambda: model.save(str(tmp_path / "m.keras")),
                   lambda: model.save_weights(str(tmp_path / "w.weights.h5")),
                   lambda: load_model(os.path.join(FIXTURES, "tfkeras_mlp.h5"))):
        with pytest.raises(ImportError, match=r'pip install "minikeras\[h5\]"'):
            action()
    assert os.listdir(tmp_path) == []


def test_an_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    model, _ = trained_cnn()
    path = str(tmp_path / "m.keras")
    model.save(path)
    previous = open(path, "rb").read()
    from minikeras.models.saving import keras_archive

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(keras_archive, "h5_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert open(path, "rb").read() == previous and os.listdir(tmp_path) == ["m.keras"]


def test_the_format_follows_the_file_name_and_wrong_pairings_say_what_to_do(tmp_path):
    assert [file_format(n) for n in ("a.keras", "a.weights.h5", "a.h5", "a.HDF5", "a.npz", "a")] == \
        ["keras", "weights.h5", "h5", "h5", "native", "native"]
    model, _ = trained_cnn()
    with pytest.raises(ValueError, match=r"weights-only file \(.weights.h5\); use model.save_weights"):
        model.save(str(tmp_path / "m.weights.h5"))
    with pytest.raises(ValueError, match=r"whole-model archive \(.keras\); use model.save"):
        model.save_weights(str(tmp_path / "m.keras"))
    model.save(str(tmp_path / "native_model"))  # no suffix: minikeras' own format, as before
    assert zipfile.is_zipfile(str(tmp_path / "native_model"))
    assert load_model(str(tmp_path / "native_model")).count_params() == model.count_params()
