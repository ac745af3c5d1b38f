"""tf.keras / Keras 3 callbacks: every hook with its arguments, EarlyStopping(start_from_epoch,
baseline, restore_best_weights), ModelCheckpoint to .keras / .weights.h5 / .h5,
BackupAndRestore, TensorBoard (optional package) and summary(expand_nested, show_trainable)."""
import json
import os
import sys

import numpy as np
import pytest

import minikeras
from minikeras import layers, optimizers
from minikeras.callbacks import BackupAndRestore, Callback, EarlyStopping, ModelCheckpoint, TensorBoard
from minikeras.models import load_model


def data(n=64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    return x, (x[:, :1] - x[:, 1:2] > 0).astype(np.float32)


def model_of(seed=0, learning_rate=0.1):
    minikeras.utils.set_random_seed(seed)
    model = minikeras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                                  layers.Dense(1, activation="sigmoid")])
    model.compile(optimizers.SGD(learning_rate=learning_rate), "binary_crossentropy", metrics=["accuracy"])
    return model


def test_a_callback_receives_every_hook_with_keras_arguments():
    calls = []

    class Recorder(Callback):
        def __getattribute__(self, name):
            attribute = object.__getattribute__(self, name)
            if name.startswith("on_"):
                def record(*args, **kwargs):
                    calls.append((name, args[0] if args and isinstance(args[0], int) else None,
                                  sorted(args[-1]) if args and isinstance(args[-1], dict) else None))
                    return attribute(*args, **kwargs)
                return record
            return attribute

    recorder = Recorder()
    x, y = data(40)
    model = model_of()
    model.fit(x, y, batch_size=20, epochs=1, verbose=0, validation_data=(x[:20], y[:20]), callbacks=[recorder])
    model.predict(x, batch_size=20, callbacks=[recorder])
    names = [c[0] for c in calls]
    assert names[:3] == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin"]
    assert ("on_train_batch_end", 1, ["accuracy", "batch", "loss", "size"]) in calls
    assert ("on_test_batch_end", 0, ["accuracy", "batch", "loss", "size"]) in calls
    assert ("on_epoch_end", 0, ["accuracy", "loss", "val_accuracy", "val_loss"]) in calls
    assert {"on_test_begin", "on_test_end", "on_train_end", "on_predict_begin", "on_predict_batch_begin",
            "on_predict_batch_end", "on_predict_end"} <= set(names)
    assert recorder.model is model
    assert recorder.params["epochs"] == 1 and recorder.params["batch_size"] == 20


def scripted_model(values):
    """A model whose epoch logs carry a scripted 'val_score' (through a callback)."""
    class Script(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_score"] = values[epoch]
    return Script()


def test_early_stopping_start_from_epoch_baseline_and_restore_best_weights():
    x, y = data()
    model = model_of()
    snapshots = []
    keeper = minikeras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(model.get_weights()))
    stopper = EarlyStopping(monitor="val_score", mode="min", patience=1, restore_best_weights=True, start_from_epoch=2)
    history = model.fit(x, y, epochs=10, verbose=0,
                        callbacks=[scripted_model([0.1, 0.1, 5.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]), keeper, stopper])
    # Epochs 0 and 1 (better values) are not watched; best is epoch 3, stopped at epoch 4.
    assert len(history.history["loss"]) == 5 and stopper.best_epoch == 3 and stopper.stopped_epoch == 4
    for restored, best in zip(model.get_weights(), snapshots[3]):
        np.testing.assert_array_equal(restored, best)
    baseline = EarlyStopping(monitor="val_score", mode="min", patience=2, baseline=1.0)
    history = model_of().fit(x, y, epochs=10, verbose=0, callbacks=[scripted_model([2.0] * 10), baseline])
    assert len(history.history["loss"]) == 2  # never beat the baseline
    with pytest.raises(ValueError, match="start_from_epoch must be an integer >= 0; received -1"):
        EarlyStopping(start_from_epoch=-1)


@pytest.mark.parametrize("name, weights_only", [
    ("model-{epoch:02d}-{val_loss:.2f}.keras", False),
    ("weights-{epoch:02d}.weights.h5", True),
    ("model-{epoch:02d}.h5", False),
])
def test_model_checkpoint_writes_every_keras_format(tmp_path, name, weights_only):
    pytest.importorskip("h5py")
    x, y = data()
    model = model_of()
    checkpoint = ModelCheckpoint(str(tmp_path / name), monitor="val_loss", save_best_only=True,
                                 save_weights_only=weights_only)
    history = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[checkpoint])
    written = sorted(os.listdir(tmp_path))
    losses = history.history["val_loss"]
    improved = [e for e in range(3) if losses[e] == min(losses[: e + 1])]
    expected = sorted(name.format(epoch=e + 1, val_loss=losses[e]) for e in improved)
    assert written == expected
    last = str(tmp_path / expected[-1])
    if weights_only:
        clone = model_of(seed=5)
        clone.load_weights(last)
    else:
        clone = load_model(last)
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_model_checkpoint_refuses_a_name_that_cannot_hold_what_is_saved(tmp_path):
    with pytest.raises(ValueError, match=r"save_weights_only=True writes weights only.*name the file '\*.weights.h5'"):
        ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match="names a weights file .*pass save_weights_only=True"):
        ModelCheckpoint(str(tmp_path / "m.weights.h5"))
    with pytest.raises(ValueError, match="ModelCheckpoint: save_freq must be 'epoch' or a positive integer .*received 0"):
        ModelCheckpoint(str(tmp_path / "m.keras"), save_freq=0)
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive integer .*received 'batch'"):
        ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")


def test_model_checkpoint_every_n_batches_fills_epoch_batch_and_the_batch_logs(tmp_path):
    pytest.importorskip("h5py")
    x, y = data()
    model = model_of()
    losses = {}
    spy = minikeras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: losses.update(epoch=epoch),
        on_train_batch_end=lambda batch, logs: losses.update({(losses["epoch"], batch): logs["loss"]}))
    checkpoint = ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}-{batch:02d}-{loss:.4f}.weights.h5"),
                                 save_weights_only=True, save_freq=3)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[spy, checkpoint])
    # 4 batches an epoch, counted on across epochs: after batches 3, 6, 9 and 12.
    saved = [(0, 2), (1, 1), (2, 0), (2, 3)]
    expected = sorted(f"ckpt-{e + 1:02d}-{b + 1:02d}-{losses[(e, b)]:.4f}.weights.h5" for e, b in saved)
    assert sorted(os.listdir(tmp_path)) == expected
    clone = model_of(seed=5)
    clone.load_weights(str(tmp_path / expected[-1]))
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    best = tmp_path / "best"
    losses.clear()
    model_of().fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[spy, ModelCheckpoint(
        str(best / "b-{epoch}-{batch}.weights.h5"), monitor="loss", save_best_only=True, save_weights_only=True,
        save_freq=1)])
    running_best, improved = np.inf, []
    for (e, b), loss in sorted((key, value) for key, value in losses.items() if key != "epoch"):
        if loss < running_best:
            running_best = loss
            improved.append(f"b-{e + 1}-{b + 1}.weights.h5")
    assert sorted(os.listdir(best)) == sorted(improved) and 1 < len(improved) < 8
    every_epoch = ModelCheckpoint(str(tmp_path / "m-{batch}.keras"))
    with pytest.raises(ValueError, match=r"uses 'batch', which is not in the epoch logs \['accuracy', 'loss'\] \(nor epoch\)"):
        model_of().fit(x, y, epochs=1, verbose=0, callbacks=[every_epoch])


def test_backup_and_restore_resumes_an_interrupted_run(tmp_path):
    x, y = data()
    reference = model_of()
    reference.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)

    class Crash(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt("the laptop was closed")

    backup = BackupAndRestore(str(tmp_path / "backup"))
    model = model_of()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0, callbacks=[backup, Crash()])
    assert sorted(os.listdir(tmp_path / "backup")) == ["latest.weights.npz", "training_metadata.json"]
    with open(tmp_path / "backup" / "training_metadata.json") as f:
        assert json.load(f) == {"epoch": 2, "batch": 0}  # two epochs completed
    restarted = model_of(seed=9)  # a new process: fresh weights, same code
    history = restarted.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0, callbacks=[backup])
    assert history.epoch == [2, 3]  # epochs 0 and 1 were done before the crash
    for a, b in zip(restarted.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert os.listdir(tmp_path / "backup") == []  # finished: the backup is deleted


def test_backup_and_restore_keeps_its_backup_when_ctrl_c_stops_fit(tmp_path):
    import signal

    x, y = data()

    class CtrlC(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)  # fit stops cleanly, and on_train_end is called

    model = model_of()
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0,
                        callbacks=[BackupAndRestore(str(tmp_path)), CtrlC()])
    assert history.epoch == [0, 1]
    with open(tmp_path / "training_metadata.json") as f:
        assert json.load(f) == {"epoch": 2, "batch": 0}
    history = model_of(seed=3).fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[BackupAndRestore(str(tmp_path))])
    assert history.epoch == [2, 3, 4] and os.listdir(tmp_path) == []


def test_backup_and_restore_every_n_batches_restarts_the_interrupted_epoch_as_keras(tmp_path):
    x, y = data()  # 64 samples: 4 batches of 16 an epoch

    class Crash(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if (self.epoch, batch) == (1, 3):
                raise RuntimeError("the power went out")

    backup = BackupAndRestore(str(tmp_path / "backup"), save_freq=3)
    model = model_of()
    with pytest.raises(RuntimeError, match="the power went out"):
        model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[backup, Crash()])
    # Backed up after batches 3 and 6 (epoch 0 batch 2, epoch 1 batch 1): one epoch completed.
    with open(tmp_path / "backup" / "training_metadata.json") as f:
        assert json.load(f) == {"epoch": 1, "batch": 1}
    # Keras 3: epoch 1 starts again from its first batch, with the weights after its batch 1.
    reference = model_of()
    reference.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for start in (0, 16):
        reference.train_on_batch(x[start:start + 16], y[start:start + 16])
    reference.fit(x, y, epochs=3, initial_epoch=1, batch_size=16, shuffle=False, verbose=0)
    restarted = model_of(seed=9)
    history = restarted.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                            callbacks=[BackupAndRestore(str(tmp_path / "backup"), save_freq=3)])
    assert history.epoch == [1, 2]
    for a, b in zip(restarted.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="BackupAndRestore: save_freq must be 'epoch' or a positive integer .*received -2"):
        BackupAndRestore(str(tmp_path), save_freq=-2)


def test_tensorboard_writes_scalars_and_histograms_that_tensorboard_reads(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    x, y = data()
    model = model_of()
    history = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
                        callbacks=[TensorBoard(log_dir=str(tmp_path), histogram_freq=2)])
    train = EventAccumulator(str(tmp_path / "train"), size_guidance={"histograms": 0}).Reload()
    validation = EventAccumulator(str(tmp_path / "validation")).Reload()
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    np.testing.assert_allclose([e.value for e in train.Scalars("epoch_loss")], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in train.Scalars("epoch_learning_rate")], [0.1] * 3, rtol=1e-6)
    np.testing.assert_allclose([e.value for e in validation.Scalars("epoch_loss")], history.history["val_loss"],
                               rtol=1e-6)
    assert [e.step for e in validation.Scalars("epoch_accuracy")] == [0, 1, 2]
    # Keras 3 logs each validation against the optimizer's step count too: 2 batches of 32 an epoch.
    assert [e.step for e in validation.Scalars("evaluation_loss_vs_iterations")] == [2, 4, 6]
    np.testing.assert_allclose([e.value for e in validation.Scalars("evaluation_loss_vs_iterations")],
                               history.history["val_loss"], rtol=1e-6)
    kernel = model.layers[0].name + "/kernel/histogram"
    assert set(train.Tags()["histograms"]) == {f"{layer.name}/{w}/histogram" for layer in model.layers
                                               for w in ("kernel", "bias")}
    events = train.Histograms(kernel)
    assert [e.step for e in events] == [0, 2]  # histogram_freq=2
    last = events[-1].histogram_value
    weights = model.layers[0].get_weights()[0]
    assert last.num == weights.size and last.max == pytest.approx(weights.max(), rel=1e-6)
    assert last.sum == pytest.approx(float(weights.sum()), rel=1e-5, abs=1e-6)


def test_tensorboard_batch_scalars_every_n_batches(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    x, y = data()
    losses = []
    spy = minikeras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: losses.append(logs["loss"]))
    for freq, steps in [("batch", list(range(1, 9))), (3, [3, 6])]:
        folder = tmp_path / str(freq)
        losses.clear()
        model_of().fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[spy, TensorBoard(str(folder), update_freq=freq)])
        train = EventAccumulator(str(folder / "train")).Reload()
        assert {"batch_loss", "batch_accuracy", "epoch_loss"} <= set(train.Tags()["scalars"])
        assert "batch_batch" not in train.Tags()["scalars"] and "batch_size" not in train.Tags()["scalars"]
        # The step counts the batches from 1 across epochs (4 batches an epoch).
        assert [e.step for e in train.Scalars("batch_loss")] == steps
        np.testing.assert_allclose([e.value for e in train.Scalars("batch_loss")], [losses[s - 1] for s in steps],
                                   rtol=1e-6)
    with pytest.raises(ValueError, match="TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer; received 0"):
        TensorBoard(str(tmp_path), update_freq=0)


def test_tensorboard_writes_weights_as_images_as_keras(tmp_path):
    pytest.importorskip("tensorboard")
    image_module = pytest.importorskip("PIL.Image")
    import io

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from minikeras.callbacks.tensorboard import weight_as_images

    minikeras.utils.set_random_seed(0)
    model = minikeras.Sequential([layers.Conv2D(3, 2, input_shape=(5, 5, 1)), layers.Flatten(), layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).random((8, 5, 5, 1)).astype(np.float32)
    model.fit(x, np.zeros((8, 2), np.float32), epochs=1, verbose=0,
              callbacks=[TensorBoard(str(tmp_path), histogram_freq=1, write_images=True)])
    train = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0}).Reload()
    conv, dense = model.layers[0].name, model.layers[2].name
    tags = set(train.Tags()["tensors"])
    assert {f"{conv}/kernel/image", f"{conv}/bias/image", f"{dense}/kernel/image", f"{dense}/bias/image"} <= tags
    assert train.SummaryMetadata(f"{conv}/kernel/image").plugin_data.plugin_name == "images"

    def decoded(tag):
        strings = train.Tensors(tag)[0].tensor_proto.string_val
        pictures = [np.asarray(image_module.open(io.BytesIO(png))) for png in strings[2:]]
        return int(strings[0]), int(strings[1]), pictures

    # The conv kernel (2, 2, 1, 3) squeezes to (2, 2, 3): 3 kernels, one 2 x 2 image each.
    width, height, pictures = decoded(f"{conv}/kernel/image")
    kernel = model.layers[0].get_weights()[0][:, :, 0, :]
    assert (width, height, len(pictures)) == (2, 2, 3)
    for k, picture in enumerate(pictures):
        np.testing.assert_array_equal(picture, np.clip(kernel[:, :, k] * 255.5, 0, 255).astype(np.uint8))
    # The dense kernel (48, 2) has more rows than columns: drawn transposed, 48 wide and 2 high.
    width, height, pictures = decoded(f"{dense}/kernel/image")
    assert (width, height, len(pictures)) == (48, 2, 1)
    np.testing.assert_array_equal(pictures[0], np.clip(model.layers[2].get_weights()[0].T * 255.5, 0, 255).astype(np.uint8))
    assert weight_as_images(np.zeros((1,))) is None  # a single number is not drawn (Keras 3: squeezed to a scalar)


def test_tensorboard_writes_the_graph_tensorboard_draws(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.graph import keras_util

    inputs = minikeras.Input((4,), name="features")
    left = layers.Dense(3, name="left")(inputs)
    right = layers.Dense(3, name="right")(inputs)
    outputs = layers.Dense(1, name="out")(layers.Concatenate(name="both")([left, right]))
    model = minikeras.Model(inputs, outputs, name="fork")
    model.compile("sgd", "mse")
    x, y = data(16)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(str(tmp_path))])  # write_graph=True by default
    train = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0}).Reload()
    graph = train.Graph()
    edges = {node.name: (node.op, sorted(node.input)) for node in graph.node}
    assert edges == {"fork/features": ("InputLayer", []), "fork/left": ("Dense", ["fork/features"]),
                     "fork/right": ("Dense", ["fork/features"]), "fork/both": ("Concatenate", ["fork/left", "fork/right"]),
                     "fork/out": ("Dense", ["fork/both"])}
    # Keras 3's "keras" summary: the Graphs tab turns the model's JSON into its conceptual graph.
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    config = json.loads(train.Tensors("keras")[0].tensor_proto.string_val[0])
    conceptual = keras_util.keras_model_to_graph_def(config)
    assert {node.name for node in conceptual.node} == set(edges)
    # A Sequential without an input shape gets its graph once its first batch has built it.
    deferred = minikeras.Sequential([layers.Dense(2, name="hidden"), layers.Dense(1, name="last")], name="later")
    deferred.compile("sgd", "mse")
    deferred.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(str(tmp_path / "later"))])
    graph = EventAccumulator(str(tmp_path / "later" / "train")).Reload().Graph()
    assert {node.name: list(node.input) for node in graph.node if node.op == "Dense"} == {
        "later/hidden": [next(n.name for n in graph.node if n.op == "InputLayer")], "later/last": ["later/hidden"]}
    # A subclassed model has no graph to draw: nothing is written (as Keras 3), and nothing fails.

    class Own(minikeras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    own = Own()
    own.compile("sgd", "mse")
    own.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(str(tmp_path / "own"))])
    train = EventAccumulator(str(tmp_path / "own" / "train")).Reload()
    assert not train.Tags()["graph"] and "keras" not in train.Tags()["tensors"]
    assert "epoch_loss" in train.Tags()["scalars"]


def test_tensorboard_refuses_the_tensorflow_only_options(tmp_path):
    pytest.importorskip("tensorboard")
    for option in ({"profile_batch": 5}, {"embeddings_freq": 1}, {"embeddings_metadata": "meta.tsv"}):
        name = next(iter(option))
        with pytest.raises(NotImplementedError, match=f"TensorBoard: {name}=.* is not supported: the profiler and "
                                                      "the embedding projector need TensorFlow"):
            TensorBoard(str(tmp_path), **option)
    with pytest.raises(ValueError, match="histogram_freq must be an integer >= 0; received -1"):
        TensorBoard(str(tmp_path), histogram_freq=-1)


def test_tensorboard_without_the_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto.event_pb2", None)
    with pytest.raises(ImportError, match=r'pip install "minikeras\[tensorboard\]"'):
        TensorBoard(log_dir="logs")


def test_summary_expand_nested_and_show_trainable():
    inner = minikeras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)], name="inner")
    inner.layers[0].trainable = False
    model = minikeras.Sequential([inner, layers.Dense(1)])
    lines = []
    model.summary(expand_nested=True, show_trainable=True, print_fn=lines.append)
    assert lines[1].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Trainable"]
    rows = [line.split() for line in lines[3:8] if line.strip("_=")]
    assert rows[0][0] == "inner" and rows[0][-1] == "Y"
    assert rows[1][:2] == ["|", inner.layers[0].name] and rows[1][-1] == "N"
    assert rows[2][:2] == ["|", inner.layers[1].name] and rows[2][-1] == "Y"
    assert len(lines[0]) == 65 + 11
