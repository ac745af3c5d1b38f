"""layer.trainable = False takes effect at the next compile, as in Keras 2."""
import warnings

import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers import Dense, Input
from minikeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


DATA = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
TARGET = np.ones((16, 1), "float32")


def summary_counts(model):
    lines = []
    model.summary(print_fn=lines.append)
    return [int(line.split(":")[1].replace(",", "")) for line in lines if "params:" in line]


def test_a_layer_frozen_before_compile_keeps_its_weights_and_is_counted_apart():
    model = Sequential([Dense(3, input_shape=(4,)), Dense(1)])
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    frozen, trained = model.layers[0].get_weights(), model.layers[1].get_weights()
    model.fit(DATA, TARGET, epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(trained[0], model.layers[1].get_weights()[0])
    assert summary_counts(model) == [19, 4, 15]   # total, trainable, non-trainable


def test_freezing_after_compile_needs_a_recompile_and_says_so():
    model = Sequential([Dense(3, input_shape=(4,)), Dense(1)])
    model.compile("sgd", "mse")
    model.layers[0].trainable = False
    before = model.layers[0].get_weights()[0]
    with pytest.warns(UserWarning, match="Discrepancy between trainable weights and collected trainable weights"):
        model.fit(DATA, TARGET, epochs=1, verbose=0)
    assert not np.allclose(before, model.layers[0].get_weights()[0])   # still trained (Keras 2)
    with pytest.warns(UserWarning, match="did you set `model.trainable` without calling `model.compile`"):
        counts = summary_counts(model)
    assert counts == [34, 19, 15]  # Keras 2 counts the collected weights as trainable
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(DATA, TARGET, epochs=1, verbose=0)
    np.testing.assert_array_equal(before, model.layers[0].get_weights()[0])
    assert summary_counts(model) == [19, 4, 15]


def test_a_frozen_nested_model_is_not_trained():
    x = Input(shape=(4,))
    base = Model(x, Dense(3, activation="relu")(Dense(5)(x)), name="base")
    inputs = Input(shape=(4,))
    model = Model(inputs, Dense(1)(base(inputs)))
    base.trainable = False
    model.compile("adam", "mse")
    before = base.get_weights()
    head = model.layers[-1].get_weights()[0]
    model.fit(DATA, TARGET, epochs=2, verbose=0)
    for a, b in zip(before, base.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head, model.layers[-1].get_weights()[0])
    assert summary_counts(model) == [25 + 18 + 4, 4, 43]
    base.trainable = True
    model.compile("adam", "mse")
    model.fit(DATA, TARGET, epochs=1, verbose=0)
    assert not np.allclose(before[0], base.get_weights()[0])


def test_the_gan_pattern_freezes_the_discriminator_only_inside_the_combined_model():
    # Keras 2's GAN idiom: compile the discriminator, then freeze it and compile the
    # combined model; each keeps the trainable weights it had when it was compiled.
    discriminator = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1, activation="sigmoid")])
    discriminator.compile("sgd", "binary_crossentropy")
    discriminator.trainable = False
    noise = Input(shape=(2,))
    generator = Sequential([Dense(3, input_shape=(2,))])
    combined = Model(noise, discriminator(generator(noise)))
    combined.compile("sgd", "binary_crossentropy")
    d_before, g_before = discriminator.get_weights(), generator.get_weights()
    combined.train_on_batch(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"))
    for a, b in zip(d_before, discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(g_before[0], generator.get_weights()[0])
    with pytest.warns(UserWarning, match="Discrepancy between trainable weights"):
        discriminator.train_on_batch(np.ones((8, 3), "float32"), np.zeros((8, 1), "float32"))
    assert not np.allclose(d_before[0], discriminator.get_weights()[0])
