"""Embedding: harness, scatter-add gradient, masks, input_length, Keras fixture, errors."""
import numpy as np
import pytest

from minikeras import GradientTape, Input, Model, Tensor
from minikeras.layers import Dense, Flatten
from minikeras.layers.core.embedding import Embedding
from minikeras.models import Sequential
from minikeras.ops.embedding import embedding_lookup
from minikeras.utils.gradient_check import assert_gradients_close
from minikeras.utils.layer_test import layer_test
from tests.layers._layers12 import assert_close, fixture_cases

INDICES = np.array([[1, 4, 4, 0], [2, 2, 3, 1]])


@pytest.mark.parametrize("kwargs, data, output", [
    ({"input_dim": 5, "output_dim": 3}, INDICES, (None, 4, 3)),
    ({"input_dim": 5, "output_dim": 2, "input_length": 4, "mask_zero": True}, INDICES, (None, 4, 2)),
    ({"input_dim": 6, "output_dim": 2, "embeddings_initializer": "he_normal",
      "embeddings_regularizer": "l2", "activity_regularizer": "l1", "embeddings_constraint": "unit_norm"},
     INDICES, (None, 4, 2)),
    ({"input_dim": 5, "output_dim": 2, "input_length": (2, None)}, INDICES.reshape(2, 2, 2), (None, 2, 2, 2)),
])
def test_harness(kwargs, data, output):
    losses = sum(kwargs.get(k) is not None for k in ("embeddings_regularizer", "activity_regularizer"))
    layer_test(Embedding, kwargs, input_data=data, expected_output_shape=output, check_gradients=False,
               expected_weight_shapes=[(kwargs["input_dim"], kwargs["output_dim"])],
               expected_num_losses=losses, supports_masking=kwargs.get("mask_zero", False))


def test_float64_gradient_of_the_table_is_a_scatter_add():
    table = np.random.default_rng(0).standard_normal((5, 3))
    error = assert_gradients_close(lambda w: embedding_lookup(w, INDICES), [table], tol=1e-8)
    assert error < 1e-8
    layer = Embedding(5, 3, dtype="float64")
    layer(INDICES)
    upstream = np.random.default_rng(1).standard_normal((2, 4, 3))
    with GradientTape() as tape:
        y = layer(INDICES)
    grad = tape.gradient(y, layer.embeddings, output_gradients=Tensor(upstream)).numpy()
    expected = np.zeros((5, 3))
    for (b, t), index in np.ndenumerate(INDICES):
        expected[index] += upstream[b, t]
    np.testing.assert_allclose(grad, expected, rtol=1e-14)
    assert_gradients_close(lambda w: layer.call(Tensor(INDICES)) * 1.0, [layer.embeddings], tol=1e-8)


def test_matches_keras():
    data = fixture_cases("layers12_embedding.npz")["mask_zero"]
    layer = Embedding(7, 4, mask_zero=True, dtype="float64")
    layer(data["x0"])
    layer.set_weights([data["w0"]])
    with GradientTape() as tape:
        y = layer(data["x0"])
    grad = tape.gradient(y, layer.embeddings, output_gradients=Tensor(data["g"])).numpy()
    assert_close(y.numpy(), data["y"], 0, "Embedding output")
    assert_close(grad, data["dw0"], 1e-14, "Embedding gradient")
    np.testing.assert_array_equal(y._keras_mask, data["mask"])


def test_defaults_and_float_indices():
    layer = Embedding(1000, 8)
    values = layer(np.array([[3.0, 7.9]])).numpy()   # Keras 2 casts floats to int: 7.9 -> 7
    table = layer.get_weights()[0]
    np.testing.assert_array_equal(values[0], table[[3, 7]])
    assert table.dtype == np.float32 and np.abs(table).max() <= 0.05 and table.std() > 0.02


def test_sequential_flatten_dense_with_input_length():
    model = Sequential([Embedding(50, 4, input_length=6), Flatten(), Dense(2)])
    assert model.output_shape == (None, 2)
    assert model.layers[1].output_shape == (None, 24)
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).integers(0, 50, (8, 6))
    before = model.layers[0].get_weights()[0].copy()
    model.fit(x, np.zeros((8, 2)), epochs=1, verbose=0)
    changed = np.any(model.layers[0].get_weights()[0] != before, axis=1)
    np.testing.assert_array_equal(np.flatnonzero(changed), np.unique(x))  # only looked-up rows move


def test_mask_reaches_the_next_layer_in_a_model():
    inputs = Input((3,))
    model = Model(inputs, Embedding(5, 2, mask_zero=True)(inputs))
    out = model(np.array([[1, 0, 4]]))
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])


@pytest.mark.parametrize("action, error, message", [
    (lambda: Embedding(0, 3), ValueError, r"Embedding .*`input_dim` must be a positive integer, received input_dim=0"),
    (lambda: Embedding(5, 2.5), ValueError, r"Embedding .*`output_dim` must be a positive integer, received output_dim=2.5"),
    (lambda: Embedding(5, 2, input_length=0), ValueError, r"Embedding .*`input_length` must be a positive int"),
    (lambda: Embedding(5, 2)(np.array([[1, 5]])), ValueError,
     r"Embedding 'embedding_\d+': expected indices in \[0, 5\) \(input_dim=5\), received index 5"),
    (lambda: Embedding(5, 2)(np.array([[-1, 2]])), ValueError, r"Embedding .*received index -1"),
    (lambda: Embedding(5, 2, input_length=3)(np.array([[1, 2]])), ValueError,
     r"Embedding .*input_length is 3, but the input has shape \(1, 2\)"),
    (lambda: Embedding(5, 2)(np.array([["a"]])), TypeError, r"Embedding .*expects integer indices"),
    (lambda: embedding_lookup(np.zeros(3), [0]), ValueError, r"embedding_lookup: expected 2-D weights"),
])
def test_errors(action, error, message):
    with pytest.raises(error, match=message):
        action()
