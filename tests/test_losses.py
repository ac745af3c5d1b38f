"""Losses against Keras values (fixtures/make_training_fixtures.py), gradients, names, weighting."""
import json
import os

import numpy as np
import pytest

from minikeras import GradientTape, Tensor, losses
from minikeras.utils.gradient_check import assert_gradients_close

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "training_losses.npz"))
CASES = json.loads(str(FIXTURE["cases"]))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_per_sample_values_match_keras(case):
    name = case["name"]
    fn = losses.get(case["function"])
    result = fn(FIXTURE[name + "/y_true"], FIXTURE[name + "/y_pred"], **case["kwargs"])
    assert isinstance(result, Tensor) and result.shape == (4,)
    # Keras 3's ops.mean computes in float32 even for float64 inputs: its numbers carry
    # float32 rounding, hence the tolerance.
    np.testing.assert_allclose(result.numpy(), FIXTURE[name + "/expected"], rtol=1e-6, atol=1e-7)


# Inputs for the gradient checks: away from kinks (hinge at 1, |x| at 0, clip edges, ties).
RNG = np.random.default_rng(3)
SIGNS = RNG.choice([-1.0, 1.0], (3, 4))
ONE_HOT = np.eye(4)[[0, 2, 3]]
LABELS = np.array([0.0, 2.0, 3.0])
PROBS = RNG.dirichlet(np.ones(4), 3) * 0.9 + 0.025
MAGNITUDES = RNG.uniform(0.5, 2.0, (3, 4))
GRADIENT_CASES = {
    # name: (y_true, y_pred, kwargs, whether y_true is differentiable too)
    "mean_squared_error": (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)), {}, True),
    "mean_absolute_error": (np.zeros((3, 4)), MAGNITUDES * SIGNS, {}, True),
    "mean_absolute_percentage_error": (MAGNITUDES * SIGNS, RNG.standard_normal((3, 4)), {}, True),
    "mean_squared_logarithmic_error": (MAGNITUDES, RNG.uniform(0.1, 3.0, (3, 4)), {}, True),
    "squared_hinge": (SIGNS, -SIGNS * RNG.uniform(0.1, 0.8, (3, 4)), {}, True),
    "hinge": (SIGNS, -SIGNS * RNG.uniform(0.1, 0.8, (3, 4)), {}, True),
    "categorical_hinge": (ONE_HOT, np.array([[0.1, 0.5, -0.3, 0.2], [0.9, 0.0, 0.4, -1.0],
                                             [0.3, 0.7, 0.1, 0.2]]), {}, True),
    "logcosh": (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)) * 3, {}, True),
    "categorical_crossentropy": (PROBS[::-1], PROBS, {}, True),
    "categorical_crossentropy_logits": (PROBS[::-1], RNG.standard_normal((3, 4)) * 3,
                                        {"from_logits": True}, True),
    "sparse_categorical_crossentropy": (LABELS, PROBS, {}, False),
    "sparse_categorical_crossentropy_logits": (LABELS, RNG.standard_normal((3, 4)),
                                               {"from_logits": True}, False),
    "binary_crossentropy": (RNG.uniform(0, 1, (3, 4)), RNG.uniform(0.05, 0.95, (3, 4)), {}, True),
    "binary_crossentropy_logits": (RNG.uniform(0, 1, (3, 4)), RNG.standard_normal((3, 4)) * 3,
                                   {"from_logits": True}, True),
    "kullback_leibler_divergence": (PROBS[::-1], PROBS, {}, True),
    "poisson": (RNG.uniform(0, 3, (3, 4)), RNG.uniform(0.2, 3, (3, 4)), {}, True),
    "cosine_proximity": (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)), {}, True),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradients_float64(name):
    y_true, y_pred, kwargs, true_differentiable = GRADIENT_CASES[name]
    fn = getattr(losses, name.replace("_logits", ""))
    if true_differentiable:
        assert_gradients_close(lambda t, p: fn(t, p, **kwargs), [y_true, y_pred], tol=1e-6)
    else:
        assert_gradients_close(lambda p: fn(y_true, p, **kwargs), [y_pred], tol=1e-6)
    # Non-contiguous predictions give the same values and gradients.
    values, grads = [], []
    for p in (Tensor(np.ascontiguousarray(y_pred)), Tensor(np.asfortranarray(y_pred))):
        with GradientTape() as tape:
            tape.watch(p)
            values.append(fn(y_true, p, **kwargs))
        grads.append(tape.gradient(values[-1], p))
    np.testing.assert_allclose(values[1].numpy(), values[0].numpy(), rtol=1e-14)
    np.testing.assert_allclose(grads[1].numpy(), grads[0].numpy(), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_magnitude_100_stays_finite(name, dtype):
    y_true, _, kwargs, _ = GRADIENT_CASES[name]
    if kwargs.get("from_logits") or name in ("logcosh", "mean_squared_error", "mean_absolute_error",
                                             "hinge", "squared_hinge", "categorical_hinge",
                                             "cosine_proximity", "mean_absolute_percentage_error"):
        y_pred = np.where(RNG.uniform(size=(3, 4)) < 0.5, -100.0, 100.0)
    else:  # probabilities, counts and logs: the domain is positive; 0, 1 and 100 are the extremes
        y_pred = np.array([[0.0, 1.0, 100.0, 0.0], [1.0, 0.0, 0.0, 100.0], [100.0, 1.0, 0.0, 0.0]])
        if "crossentropy" in name or name == "kullback_leibler_divergence":
            y_pred = np.minimum(y_pred, 1.0)
    y_pred = Tensor(y_pred.astype(dtype))
    fn = getattr(losses, name.replace("_logits", ""))
    with GradientTape() as tape:
        tape.watch(y_pred)
        values = fn(y_true.astype(dtype), y_pred, **kwargs)
    grad = tape.gradient(values, y_pred)
    assert values.dtype == dtype
    assert np.all(np.isfinite(values.numpy())), values
    assert np.all(np.isfinite(grad.numpy())), grad


def test_names_and_aliases():
    assert losses.get("mse") is losses.mean_squared_error is losses.MSE
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("mape") is losses.mean_absolute_percentage_error
    assert losses.get("msle") is losses.mean_squared_logarithmic_error
    assert losses.get("kld") is losses.kullback_leibler_divergence is losses.KLD
    assert losses.get("cosine") is losses.cosine_proximity
    assert losses.get("logcosh") is losses.logcosh
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.get(losses.hinge) is losses.hinge and losses.get(None) is None
    with pytest.raises(ValueError, match="Unknown loss: 'mean_squared_eror'"):
        losses.get("mean_squared_eror")
    with pytest.raises(ValueError, match="Could not interpret loss function identifier: 5"):
        losses.get(5)


def test_cosine_proximity_is_the_negative_similarity():
    values = losses.cosine_proximity(np.array([[1.0, 1.0], [1.0, 0.0]]), np.array([[2.0, 2.0], [-3.0, 0.0]]))
    np.testing.assert_allclose(values.numpy(), [-1.0, 1.0])


def test_sparse_labels_of_shape_batch_by_one_and_bad_labels():
    probs = PROBS.astype(np.float64)
    flat = losses.sparse_categorical_crossentropy(LABELS, probs)
    column = losses.sparse_categorical_crossentropy(LABELS[:, None], probs)
    np.testing.assert_allclose(flat.numpy(), column.numpy())
    np.testing.assert_allclose(flat.numpy(), losses.categorical_crossentropy(ONE_HOT, probs).numpy())
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\), got values from 0 to 4"):
        losses.sparse_categorical_crossentropy(np.array([0, 4, 1]), probs)


# --- the scalar training loss (Keras 2.2.4's weighted_masked_objective) ----------------------
def test_compute_weighted_loss_matches_keras2():
    per_sample = losses.mse(FIXTURE["weighted/y_true"], FIXTURE["weighted/y_pred"])
    weighted = losses.compute_weighted_loss(per_sample, FIXTURE["weighted/w"])
    np.testing.assert_allclose(float(weighted), float(FIXTURE["weighted/keras2"]), rtol=1e-6)
    np.testing.assert_allclose(float(losses.compute_weighted_loss(per_sample)),
                               per_sample.numpy().mean(), rtol=1e-12)
    column = losses.compute_weighted_loss(per_sample, FIXTURE["weighted/w"][:, None])
    np.testing.assert_allclose(float(column), float(weighted))


def test_compute_weighted_loss_temporal_masked_and_degenerate():
    per_step = np.arange(1.0, 7.0).reshape(2, 3)  # (batch, timesteps)
    # Per-sample weights: the timesteps are averaged first.
    np.testing.assert_allclose(float(losses.compute_weighted_loss(per_step, [0.0, 2.0])), 2 * 5.0)
    # Temporal weights: sum(l * w) / count(w != 0).
    weights = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(float(losses.compute_weighted_loss(per_step, weights)), (1 + 18) / 2)
    # A mask zeroes entries and rescales by 1 / mean(mask).
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    np.testing.assert_allclose(float(losses.compute_weighted_loss(per_step, mask=mask)), (1 + 2 + 4) / 3)
    # Keras 2 would return nan (0 / 0); a batch that carries no weight gives 0.
    assert float(losses.compute_weighted_loss(per_step, [0.0, 0.0])) == 0.0
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not match .* shape \(2, 3\)"):
        losses.compute_weighted_loss(per_step, [1.0, 1.0, 1.0])


def test_compute_weighted_loss_is_differentiable():
    weights = np.array([1.0, 0.0, 2.0])
    y_true = RNG.standard_normal((3, 4))
    assert_gradients_close(
        lambda p: losses.compute_weighted_loss(losses.mse(y_true, p), weights),
        [RNG.standard_normal((3, 4))], tol=1e-6)


# --- Keras-style classes ----------------------------------------------------------------------
def test_loss_classes_reduce_like_keras():
    y_true, y_pred, w = FIXTURE["weighted/y_true"], FIXTURE["weighted/y_pred"], FIXTURE["weighted/w"]
    mse = losses.MeanSquaredError()
    np.testing.assert_allclose(float(mse(y_true, y_pred, sample_weight=w)),
                               float(FIXTURE["weighted/class_sum_over_batch_size"]), rtol=1e-6)
    summed = losses.MeanSquaredError(reduction="sum")
    np.testing.assert_allclose(float(summed(y_true, y_pred, sample_weight=w)),
                               float(FIXTURE["weighted/class_sum"]), rtol=1e-6)
    none = losses.MeanSquaredError(reduction="none")(y_true, y_pred)
    np.testing.assert_allclose(none.numpy(), losses.mse(y_true, y_pred).numpy())
    with pytest.raises(ValueError, match=r"MeanSquaredError: unknown reduction 'mean'"):
        losses.MeanSquaredError(reduction="mean")


def test_loss_classes_carry_from_logits_through_get_and_serialize():
    logits = RNG.standard_normal((3, 4)) * 3
    loss = losses.CategoricalCrossentropy(from_logits=True)
    fn = losses.get(loss)
    np.testing.assert_allclose(fn(ONE_HOT, logits).numpy(),
                               losses.categorical_crossentropy(ONE_HOT, logits, from_logits=True).numpy())
    config = losses.serialize(fn)
    assert config == {"class_name": "CategoricalCrossentropy",
                      "config": {"from_logits": True, "label_smoothing": 0.0, "axis": -1, "reduction": "sum_over_batch_size",
                                 "name": "categorical_crossentropy"}}
    clone = losses.deserialize(config)
    assert isinstance(clone, losses.CategoricalCrossentropy) and clone.get_config() == config["config"]
    assert losses.BinaryCrossentropy().name == "binary_crossentropy"
