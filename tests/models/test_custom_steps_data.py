"""Models that train themselves (Keras 3) fed by Sequences and generators, with class_weight,
steps_per_epoch, validation_steps, validation generators and validation_split; their
train_on_batch / test_on_batch / predict_on_batch, and the predict callbacks."""
import numpy as np
import pytest

import minikeras
from minikeras import GradientTape, layers, ops
from minikeras.callbacks import Callback
from minikeras.models.custom_steps import unpack_x_y_sample_weight
from minikeras.utils import Sequence


@pytest.fixture(autouse=True)
def seeded():
    minikeras.utils.set_random_seed(16)


def regression(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3


class Batches(Sequence):
    def __init__(self, x, y=None, batch_size=16, w=None):
        self.x, self.y, self.w, self.batch_size = x, y, w, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        if self.y is None:
            return self.x[part]
        if self.w is None:
            return self.x[part], self.y[part]
        return self.x[part], self.y[part], self.w[part]


def forever(x, y, batch_size=16):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


class OwnStep(minikeras.Model):
    """A textbook train_step/test_step; it records what it was given."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)
        self.seen = []

    def call(self, x, training=None):
        return self.dense(x)

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self.seen.append(("train", len(x), None if sample_weight is None else np.asarray(sample_weight)))
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self._loss_tracker_metric().update_state(loss)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        x, y, _ = unpack_x_y_sample_weight(data)
        self.seen.append(("test", len(x), None))
        y_pred = self(x, training=False)
        self._loss_tracker_metric().update_state(ops.mean(ops.square(y_pred - y)))
        return self.compute_metrics(x, y, y_pred)


def own_model(learning_rate=0.05):
    model = OwnStep()
    model.compile(minikeras.optimizers.SGD(learning_rate=learning_rate), loss="mse", metrics=["mae"])
    return model


def test_a_sequence_feeds_fit_evaluate_and_predict():
    x, y = regression()
    model = own_model()
    history = model.fit(Batches(x, y), epochs=6, verbose=0)
    assert [kind for kind, _, _ in model.seen] == ["train"] * 6 * 6  # len(Batches) = 6 steps an epoch
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    model.seen.clear()
    from_sequence = model.evaluate(Batches(x, y), return_dict=True, verbose=0)
    from_arrays = model.evaluate(x, y, batch_size=16, return_dict=True, verbose=0)
    assert from_sequence == pytest.approx(from_arrays, rel=1e-6)
    assert [n for _, n, _ in model.seen[:6]] == [16] * 6
    np.testing.assert_allclose(model.predict(Batches(x)), model.predict(x), rtol=1e-6)
    assert model.predict(Batches(x, y)).shape == (96, 1)  # (x, y) batches: the default predict_step takes x


def test_a_generator_with_steps_per_epoch_and_a_validation_generator():
    x, y = regression()
    model = own_model()
    history = model.fit(forever(x, y), steps_per_epoch=4, epochs=3, verbose=0,
                        validation_data=forever(x[:48], y[:48]), validation_steps=2)
    kinds = [kind for kind, _, _ in model.seen]
    assert kinds == (["train"] * 4 + ["test"] * 2) * 3
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    # The generator goes on from where it stopped: the third validation saw its batches 1 and 2 (x[16:48]).
    expected = model.evaluate(x[16:48], y[16:48], batch_size=16, return_dict=True, verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(expected["loss"], rel=1e-5)
    with pytest.raises(ValueError, match="steps_per_epoch=None is only valid for a generator based on the Sequence"):
        model.fit(forever(x, y), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="fit: validation_steps=None is only valid for a generator based on the Sequence"):
        model.fit(forever(x, y), steps_per_epoch=2, validation_data=forever(x, y), verbose=0)
    with pytest.raises(ValueError, match="x is a generator, which gives whole batches, so batch_size"):
        model.fit(forever(x, y), steps_per_epoch=2, batch_size=8, verbose=0)


def test_steps_per_epoch_with_arrays_and_a_validation_sequence_with_validation_steps():
    x, y = regression()
    model = own_model()
    sizes = []
    count = minikeras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: sizes.append(logs["size"]))
    model.fit(x, y, batch_size=40, steps_per_epoch=5, epochs=2, verbose=0, callbacks=[count],
              validation_data=Batches(x, y), validation_steps=3)
    assert sizes == [40] * 10  # a stream of reshuffled passes: always full batches
    assert [kind for kind, _, _ in model.seen].count("test") == 2 * 3


def test_class_weight_reaches_train_step_as_sample_weights():
    x, _ = regression(32)
    labels = np.array([0, 1, 2, 1] * 8)
    one_hot = np.eye(3, dtype=np.float32)[labels]
    weights = {0: 1.0, 1: 5.0, 2: 0.5}
    expected = np.array([weights[c] for c in labels], dtype=np.float32)

    class Classifier(OwnStep):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3, activation="softmax")

    for targets, loss in [(one_hot, "categorical_crossentropy"), (labels[:, None], "sparse_categorical_crossentropy")]:
        model = Classifier()
        model.compile("sgd", loss)
        model.fit(x, targets, batch_size=32, epochs=1, shuffle=False, class_weight=weights, verbose=0)
        np.testing.assert_array_equal(model.seen[0][2], expected)
        model.seen.clear()
        model.fit(Batches(x, targets), epochs=1, shuffle=False, class_weight=weights, verbose=0)
        np.testing.assert_array_equal(np.concatenate([w for _, _, w in model.seen]), expected)
    # The same as giving those sample weights: the same trained weights.
    a, b = Classifier(), Classifier()
    for model in (a, b):
        model.compile("sgd", "categorical_crossentropy")
        model(x[:1])
        model.set_weights([np.full((3, 3), 0.1, np.float32), np.zeros(3, np.float32)])
    a.fit(x, one_hot, batch_size=8, epochs=1, shuffle=False, class_weight=weights, verbose=0)
    b.fit(x, one_hot, batch_size=8, epochs=1, shuffle=False, sample_weight=expected, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    with pytest.raises(ValueError, match="fit: class_weight and sample_weight cannot be given at the same time"):
        a.fit(x, one_hot, class_weight=weights, sample_weight=expected, verbose=0)
    with pytest.raises(ValueError, match=r"fit: class_weight must be a dict \{class index: weight\}; received list"):
        a.fit(x, one_hot, class_weight=[1.0, 2.0], verbose=0)
    with pytest.raises(ValueError, match=r"fit: class_weight needs the targets of one output \(an array\); received a list of 2"):
        a.fit(x, [one_hot, one_hot], class_weight=weights, verbose=0)
    with pytest.raises(ValueError, match="fit: class_weight and sample weights cannot be given at the same time"):
        a.fit(Batches(x, one_hot, w=expected), class_weight=weights, verbose=0)


def test_validation_split_holds_out_the_last_samples_and_needs_arrays():
    x, y = regression(100)
    model = own_model()
    model.fit(x, y, batch_size=10, epochs=1, validation_split=0.2, shuffle=False, verbose=0)
    assert [n for kind, n, _ in model.seen if kind == "train"] == [10] * 8
    assert [n for kind, n, _ in model.seen if kind == "test"] == [10] * 2
    with pytest.raises(ValueError, match=r"validation_split=0.2 needs arrays to split; x is a Batches"):
        model.fit(Batches(x, y), validation_split=0.2, verbose=0)


def test_train_test_and_predict_on_batch_run_the_models_own_steps():
    x, y = regression(32)
    model = own_model()
    model(x)
    before = model.get_weights()
    loss, mae = model.train_on_batch(x, y)  # in the order of model.metrics: loss, then mae
    assert model.seen == [("train", 32, None)]
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"} and model.seen[-1] == ("test", 32, None)
    after = model.get_weights()
    model.test_on_batch(x, y)
    for a, b in zip(after, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # testing changes nothing
    model.reset_metrics()
    fresh = model.test_on_batch(x, y, return_dict=True)
    prediction = model.predict_on_batch(x)
    assert fresh["loss"] == pytest.approx(float(np.mean((prediction - y) ** 2)), rel=1e-5)
    assert fresh["mae"] == pytest.approx(float(np.mean(np.abs(prediction - y))), rel=1e-5)
    weights = {0: 2.0}
    model.train_on_batch(x, np.zeros((32, 1), np.float32), class_weight=weights)
    np.testing.assert_array_equal(model.seen[-1][2], np.full(32, 2.0, np.float32))

    class Encoder(OwnStep):
        def predict_step(self, data):
            return {"code": self(data) * 2.0}

    encoder = Encoder()
    encoder.compile("sgd", "mse")
    out = encoder.predict_on_batch(x)
    np.testing.assert_allclose(out["code"], 2.0 * encoder.dense(x).numpy(), rtol=1e-6)
    assert encoder.predict(x, batch_size=10)["code"].shape == (32, 1)

    class Pair(OwnStep):
        def predict_step(self, data):
            return self(data), -self(data)

    pair = Pair()
    first, second = pair.predict(x, batch_size=10)  # a tuple per batch: a tuple of whole arrays, as Keras 3
    assert isinstance(pair.predict(x, batch_size=10), tuple) and first.shape == (32, 1)
    np.testing.assert_array_equal(second, -first)


def test_predict_on_a_model_with_its_own_step_calls_the_predict_callbacks():
    x, _ = regression(40)

    class Doubling(OwnStep):
        def predict_step(self, data):
            return self(data) * 2.0

    calls = []

    class Recorder(Callback):
        def on_predict_begin(self, logs=None):
            calls.append(("begin", None))

        def on_predict_batch_begin(self, batch, logs=None):
            calls.append(("batch_begin", batch))

        def on_predict_batch_end(self, batch, logs=None):
            calls.append(("batch_end", batch, logs["outputs"].shape))

        def on_predict_end(self, logs=None):
            calls.append(("end", None))

    model = Doubling()
    model.compile("sgd", "mse")
    out = model.predict(x, batch_size=16, callbacks=[Recorder()])
    np.testing.assert_allclose(out, 2.0 * model.dense(x).numpy(), rtol=1e-6)
    assert calls == [("begin", None), ("batch_begin", 0), ("batch_end", 0, (16, 1)), ("batch_begin", 1),
                     ("batch_end", 1, (16, 1)), ("batch_begin", 2), ("batch_end", 2, (8, 1)), ("end", None)]
