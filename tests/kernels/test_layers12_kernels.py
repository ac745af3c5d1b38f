"""The batch-normalisation and embedding kernels agree with their Python twins."""
import numpy as np
import pytest

from minikeras import kernels
from minikeras._kernels import embedding, normalization, reference
from minikeras.layers import BatchNormalization, Embedding
from minikeras import GradientTape, Tensor


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("O, C, I", [(7, 3, 1), (5, 2, 6), (1, 4, 3)])
def test_normalization_kernels_match_their_twins(O, C, I, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((O, C * I)).astype(dtype)
    g = rng.standard_normal((O, C * I)).astype(dtype)
    shift, mean = rng.standard_normal(C), rng.standard_normal(C)
    coefficients = [rng.standard_normal(C).astype(dtype) for _ in range(3)]
    for name, args, outputs in [
        ("batch_norm_sums", (x, shift), [np.zeros(C), np.zeros(C)]),
        ("batch_norm_backward_sums", (g, x, mean), [np.zeros(C), np.zeros(C)]),
        ("batch_norm_apply", (x, coefficients[0], coefficients[1]), [np.zeros_like(x)]),
        ("batch_norm_backward_apply", (g, x, *coefficients), [np.zeros_like(x)]),
    ]:
        twin_outputs = [o.copy() for o in outputs]
        getattr(normalization, name)(*args, *outputs)
        getattr(reference, name)(*args, *twin_outputs)
        for ours, twin in zip(outputs, twin_outputs):
            np.testing.assert_allclose(ours, twin, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_kernel_matches_its_twin(dtype):
    rng = np.random.default_rng(1)
    indices = rng.integers(0, 5, 12).astype(np.int64)
    rows = rng.standard_normal((12, 3)).astype(dtype)
    ours, twin = np.zeros((5, 3), dtype), np.zeros((5, 3), dtype)
    embedding.embedding_backward(indices, rows, ours)
    reference.embedding_backward(indices, rows, twin)
    np.testing.assert_allclose(ours, twin, rtol=1e-6)
    expected = np.zeros((5, 3))
    np.add.at(expected, indices, rows)
    np.testing.assert_allclose(ours, expected, rtol=1e-6)


@pytest.mark.parametrize("axis, shape", [(-1, (4, 3, 3, 2)), (1, (4, 2, 3, 3))])
def test_layers_give_the_same_numbers_on_both_backends(axis, shape):
    x = np.random.default_rng(2).normal(3.0, 2.0, shape)
    g = np.random.default_rng(3).standard_normal(shape)

    def run():
        layer = BatchNormalization(axis=axis, dtype="float64", gamma_initializer="random_normal")
        layer.build(shape)
        layer.set_weights([np.linspace(0.5, 1.5, shape[axis]), np.linspace(-1, 1, shape[axis]),
                           np.zeros(shape[axis]), np.ones(shape[axis])])
        t = Tensor(x)
        with GradientTape() as tape:
            tape.watch(t)
            y = layer(t, training=True)
        grads = tape.gradient(y, [t] + layer.trainable_weights, output_gradients=Tensor(g))
        table = Embedding(6, 2, dtype="float64", embeddings_initializer="ones")
        with GradientTape() as tape:
            e = table(np.array([[1, 5, 1]]))
        return [y.numpy()] + [v.numpy() for v in grads] + [tape.gradient(e, table.embeddings).numpy()]

    compiled = run()
    with kernels.use("reference"):
        twins = run()
    for a, b in zip(compiled, twins):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


def test_large_mean_keeps_an_exact_variance():
    x = 1e6 + np.random.default_rng(4).standard_normal((1000, 2)).astype(np.float64)
    layer = BatchNormalization(dtype="float64")
    y = layer(x, training=True).numpy()
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    np.testing.assert_allclose(y, expected, rtol=1e-8, atol=1e-8)
