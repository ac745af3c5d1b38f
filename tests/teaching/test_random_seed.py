"""minikeras.utils.set_random_seed and minikeras.random: same seed, same numbers."""
import numpy as np
import pytest

import minikeras
from minikeras import initializers, kernels, layers, models, random, utils


def train(seed=None, numpy_seed=None, backend="cython"):
    """Build, train (dropout, spatial dropout, shuffling) and return weights and losses."""
    if seed is not None:
        utils.set_random_seed(seed)
    if numpy_seed is not None:
        np.random.seed(numpy_seed)
    with kernels.use(backend):
        model = models.Sequential([
            layers.Conv2D(3, 3, activation="relu", input_shape=(6, 6, 1)),
            layers.SpatialDropout2D(0.3),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.4),
            layers.Dense(2, activation="softmax"),
        ])
        model.compile("sgd", "sparse_categorical_crossentropy")
        data = np.random.default_rng(0)
        x, y = data.random((24, 6, 6, 1)), data.integers(0, 2, 24)
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return model.get_weights(), history.history["loss"]


def test_two_seeded_runs_give_identical_weights_and_losses():
    weights_a, losses_a = train(seed=123)
    weights_b, losses_b = train(seed=123)
    assert losses_a == losses_b
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)
    weights_c, losses_c = train(seed=124)
    assert losses_c != losses_a


def test_numpy_seed_still_makes_runs_reproducible():
    weights_a, losses_a = train(numpy_seed=5)
    weights_b, losses_b = train(numpy_seed=5)
    assert losses_a == losses_b
    np.testing.assert_array_equal(weights_a[0], weights_b[0])


def test_reference_and_cython_kernels_give_the_same_run():
    weights_a, losses_a = train(seed=7)
    weights_b, losses_b = train(seed=7, backend="reference")
    np.testing.assert_allclose(losses_a, losses_b, rtol=1e-5)
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_every_random_draw_goes_through_minikeras_random(monkeypatch):
    seeds = []
    original = random.next_seed

    def counting():
        seeds.append(1)
        return original()

    monkeypatch.setattr(random, "next_seed", counting)
    initializers.get("glorot_uniform")((3, 2))
    assert len(seeds) == 1
    layers.Dropout(0.5)(np.ones((2, 3)), training=True)
    assert len(seeds) == 2
    shuffled = []
    monkeypatch.setattr(random, "shuffle_in_place", lambda array: shuffled.append(len(array)))
    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    model.fit(np.ones((5, 2)), np.ones((5, 1)), epochs=2, verbose=0)
    assert shuffled == [5, 5]


def test_seed_generators_and_seed_checks():
    assert random.SeedGenerator(3).next() == random.SeedGenerator(3).next()
    stream = random.SeedGenerator(3)
    assert stream.next() != stream.next()
    a = random.generator(11).random(4)
    np.testing.assert_array_equal(a, random.generator(11).random(4))
    utils.set_random_seed(2)
    first = random.generator().random(2)
    utils.set_random_seed(2)
    np.testing.assert_array_equal(first, random.generator().random(2))
    assert minikeras.random is random and utils.set_random_seed is random.set_random_seed
    with pytest.raises(TypeError, match="set_random_seed: `seed` must be an int, received 1.5"):
        utils.set_random_seed(1.5)
    with pytest.raises(ValueError, match="must be in \\[0, 2\\*\\*32\\), received -1"):
        utils.set_random_seed(-1)
    with pytest.raises(TypeError, match="`seed` must be None, an int or a SeedGenerator"):
        random.generator("x")
