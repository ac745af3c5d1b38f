"""``ops.linalg.product``: the compiled ``matmul_2d`` on minikeras' threads gives NumPy's
products for every layout it accepts, and hands the rest to NumPy."""
import numpy as np
import pytest

from minikeras import kernels
from minikeras.ops.linalg import matmul, product

SHAPES = [(1, 1, 1), (3, 5, 2), (128, 400, 120), (9, 300, 700), (700, 300, 9), (130, 17, 1000)]


def _operands(rng, m, k, n, dtype, trans_a, trans_b):
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    return (a.T if trans_a else a), (b.T if trans_b else b)


@pytest.mark.parametrize("m,k,n", SHAPES)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_product_matches_numpy_float64(m, k, n, trans_a, trans_b):
    rng = np.random.default_rng(m * 7 + n)
    a, b = _operands(rng, m, k, n, np.float64, trans_a, trans_b)
    out = product(a, b)
    assert out.shape == (m, n) and out.dtype == np.float64 and out.flags.c_contiguous
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("m,k,n", SHAPES)
def test_product_matches_numpy_float32(m, k, n):
    rng = np.random.default_rng(n)
    a, b = _operands(rng, m, k, n, np.float32, False, True)
    out = product(a, b)
    assert out.dtype == np.float32
    reference = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(out, reference, rtol=1e-4, atol=1e-4 * np.sqrt(k))


def test_strided_and_mixed_operands_fall_back_or_copy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 60))[::2, 1::2]          # neither layout: copied first
    b = rng.standard_normal((30, 7))
    np.testing.assert_allclose(product(a, b), a @ b, rtol=1e-12)
    mixed = product(a.astype(np.float32), b)              # two dtypes: NumPy's rules
    assert mixed.dtype == np.float64
    batched = rng.standard_normal((2, 3, 4))
    np.testing.assert_allclose(product(batched, b[:4]), batched @ b[:4])
    assert product(np.zeros((0, 3)), np.ones((3, 2))).shape == (0, 2)
    np.testing.assert_array_equal(product(np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3)))
    swapped = np.ones((3, 4), dtype=">f8")                # not the native byte order
    np.testing.assert_array_equal(product(swapped, np.ones((4, 2))), np.full((3, 2), 4.0))


def test_reference_twin_gives_the_same_products():
    rng = np.random.default_rng(1)
    a, b = _operands(rng, 300, 150, 70, np.float64, True, False)
    compiled = matmul(a, b).numpy()
    with kernels.using("reference"):
        twin = matmul(a, b).numpy()
    np.testing.assert_allclose(twin, compiled, rtol=1e-12, atol=1e-12)
