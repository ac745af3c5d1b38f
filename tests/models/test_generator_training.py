"""fit_generator / evaluate_generator / predict_generator, and fit/evaluate/predict on a Sequence."""
import threading

import numpy as np
import pytest

from minikeras import backend as K
from minikeras.callbacks import Callback
from minikeras.layers import Dense
from minikeras.models import Sequential

RNG = np.random.default_rng(0)
X = RNG.normal(size=(80, 5)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")
BATCH = 16


class Batches:
    """A Sequence written by duck typing (len + getitem + on_epoch_end), as Keras 2 allows."""

    def __init__(self, x, y=None, batch_size=BATCH, with_weights=False):
        self.x, self.y, self.batch_size, self.with_weights = x, y, batch_size, with_weights
        self.visited, self.epochs_ended = [], 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        self.visited.append(index)
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.y is None:
            return self.x[part]
        if self.with_weights:
            return self.x[part], self.y[part], np.ones(len(self.x[part]))
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def looping(x, y, batch_size=BATCH):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


def fresh_model(seed=1):
    K.clear_session()
    np.random.seed(seed)
    model = Sequential([Dense(4, activation="tanh", input_shape=(5,)), Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["acc"])
    return model


def reference_run(epochs=2, **fit_kwargs):
    model = fresh_model()
    history = model.fit(X, Y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0, **fit_kwargs)
    return model, history


@pytest.mark.parametrize("workers", [0, 1])
def test_fit_generator_on_a_generator_matches_fit_on_the_same_batches(workers):
    reference, ref_history = reference_run()
    model = fresh_model()
    history = model.fit_generator(looping(X, Y), steps_per_epoch=5, epochs=2, verbose=0, workers=workers)
    for a, b in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert set(history.history) == set(ref_history.history)
    np.testing.assert_allclose(history.history["loss"], ref_history.history["loss"], rtol=1e-5)


@pytest.mark.parametrize("workers, use_multiprocessing", [(0, False), (2, False), (2, True)])
def test_fit_generator_on_a_sequence_keeps_the_order_and_calls_on_epoch_end(workers, use_multiprocessing):
    reference, _ = reference_run()
    model = fresh_model()
    data = Batches(X, Y)
    model.fit_generator(data, epochs=2, verbose=0, shuffle=False, workers=workers,
                        use_multiprocessing=use_multiprocessing)
    for a, b in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert data.epochs_ended == 2
    if not use_multiprocessing:  # (processes read their own copy of the Sequence)
        assert sorted(data.visited) == sorted(list(range(5)) * 2)


def test_a_shuffled_sequence_visits_every_batch_once_per_epoch():
    np.random.seed(3)
    data = Batches(X, Y)
    fresh_model().fit_generator(data, epochs=3, verbose=0, workers=0)
    epochs = [data.visited[i:i + 5] for i in range(0, 15, 5)]
    assert all(sorted(e) == list(range(5)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1


def test_validation_from_a_generator_and_from_arrays_and_class_weight():
    reference, ref_history = reference_run(validation_data=(X[:32], Y[:32]), class_weight={0: 1.0, 1: 3.0})
    model = fresh_model()
    history = model.fit_generator(looping(X, Y), steps_per_epoch=5, epochs=2, verbose=0,
                                  validation_data=looping(X[:32], Y[:32]), validation_steps=2,
                                  class_weight={0: 1.0, 1: 3.0})
    np.testing.assert_allclose(history.history["val_loss"], ref_history.history["val_loss"], rtol=1e-5)
    model = fresh_model()
    history = model.fit_generator(Batches(X, Y), epochs=2, verbose=0, shuffle=False,
                                  validation_data=(X[:32], Y[:32]), class_weight={0: 1.0, 1: 3.0})
    np.testing.assert_allclose(history.history["val_acc"], ref_history.history["val_acc"], rtol=1e-6)


def test_initial_epoch_and_callbacks():
    class Count(Callback):
        def __init__(self):
            super().__init__()
            self.epochs, self.batches = [], 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(epoch)

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1

    counter = Count()
    history = fresh_model().fit_generator(Batches(X, Y), epochs=3, initial_epoch=1, verbose=0,
                                          callbacks=[counter], steps_per_epoch=4)
    assert counter.epochs == [1, 2] and counter.batches == 8 and history.epoch == [1, 2]


def test_evaluate_and_predict_generators_match_the_array_methods():
    model = fresh_model()
    expected = model.evaluate(X, Y, batch_size=BATCH, verbose=0)
    np.testing.assert_allclose(model.evaluate_generator(looping(X, Y), steps=5), expected, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate_generator(Batches(X, Y, with_weights=True), workers=2), expected, rtol=1e-6)
    prediction = model.predict(X)
    np.testing.assert_allclose(model.predict_generator(Batches(X), workers=2), prediction, rtol=1e-6)
    np.testing.assert_allclose(model.predict_generator(looping(X, Y), steps=5, workers=0), prediction, rtol=1e-6)


def test_fit_evaluate_predict_accept_a_sequence():
    reference, ref_history = reference_run()
    model = fresh_model()
    history = model.fit(Batches(X, Y), epochs=2, shuffle=False, verbose=0, workers=2)
    np.testing.assert_allclose(history.history["loss"], ref_history.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(Batches(X, Y), verbose=0),
                               model.evaluate(X, Y, batch_size=BATCH, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(Batches(X)), model.predict(X), rtol=1e-6)
    with pytest.raises(ValueError, match="fit\\(\\): x is a Batches.*batch_size, y cannot be given"):
        model.fit(Batches(X, Y), Y, batch_size=8)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        model.fit(Batches(X, Y), worker=2)


def test_missing_steps_for_a_generator():
    model = fresh_model()
    with pytest.raises(ValueError, match="steps_per_epoch=None is only valid for a generator based on the Sequence"):
        model.fit_generator(looping(X, Y))
    with pytest.raises(ValueError, match="validation_steps=None is only valid"):
        model.fit_generator(looping(X, Y), steps_per_epoch=2, validation_data=looping(X, Y))
    with pytest.raises(ValueError, match="steps must be a positive integer, received 0"):
        model.evaluate_generator(looping(X, Y), steps=0)


def test_a_batch_of_the_wrong_structure_names_the_step_and_what_was_yielded():
    def bad():
        yield X[:16], Y[:16]
        yield X[:16], Y[:16]
        yield X[:16], Y[:16], np.ones(16), "extra"

    with pytest.raises(ValueError, match=r"fit_generator: step 3/5 of epoch 1: the generator should yield a "
                                         r"tuple \(x, y\) or \(x, y, sample_weight\), but it yielded a tuple of 4 "
                                         r"item\(s\) \(ndarray of shape \(16, 5\), ndarray of shape \(16, 1\)"):
        fresh_model().fit_generator(bad(), steps_per_epoch=5, verbose=0, workers=0)

    def wrong_shape():
        yield X[:16], Y[:16]
        yield X[:16, :3], Y[:16]

    with pytest.raises(ValueError, match=r"fit_generator: step 2/2 of epoch 1: Error when checking input.*"
                                         r"\(the generator yielded a tuple of 2 item\(s\) \(ndarray of shape \(16, 3\)"):
        fresh_model().fit_generator(wrong_shape(), steps_per_epoch=2, verbose=0, workers=1)

    class BadSequence(Batches):
        def __getitem__(self, index):
            return X[:4] if index == 1 else super().__getitem__(index)

    with pytest.raises(ValueError, match=r"step 2/5 \(Sequence index 1\): the generator should yield .*"
                                         r"it yielded ndarray of shape \(4, 5\)"):
        fresh_model().evaluate_generator(BadSequence(X, Y), workers=0)


def test_a_generator_that_stops_too_early():
    def three_batches():
        for start in range(0, 48, BATCH):
            yield X[start:start + BATCH], Y[start:start + BATCH]

    for workers in (0, 2):
        with pytest.raises(ValueError, match="the generator stopped after 3 of the 5 steps of epoch 1.*while True"):
            fresh_model().fit_generator(three_batches(), steps_per_epoch=5, verbose=0, workers=workers)


def test_multiprocessing_with_a_generator_warns_and_uses_threads():
    with pytest.warns(UserWarning, match="a generator cannot be shared between processes"):
        fresh_model().fit_generator(looping(X, Y), steps_per_epoch=5, verbose=0, workers=2,
                                    use_multiprocessing=True)


def test_the_workers_are_gone_after_fit():
    before = threading.active_count()
    fresh_model().fit_generator(looping(X, Y), steps_per_epoch=5, epochs=2, verbose=0, workers=3)
    fresh_model().fit_generator(Batches(X, Y), epochs=1, verbose=0, workers=3)
    assert threading.active_count() == before


def test_a_model_without_an_input_shape_is_built_from_the_first_batch():
    for source in (looping(X, Y), Batches(X, Y)):
        K.clear_session()
        np.random.seed(1)
        model = Sequential([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")])
        model.compile("sgd", "binary_crossentropy", metrics=["acc"])
        history = model.fit_generator(source, steps_per_epoch=5, epochs=2, verbose=0, workers=0, shuffle=False)
        assert set(history.history) == {"loss", "acc"}
        reference, ref_history = reference_run()
        np.testing.assert_allclose(history.history["loss"], ref_history.history["loss"], rtol=1e-5)
