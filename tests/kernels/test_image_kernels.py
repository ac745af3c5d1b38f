"""The affine resampling kernel (image.pyx): against its Python twin and scipy.ndimage.

scipy is what Keras 2.2.4 calls (``scipy.ndimage.affine_transform(order=1, mode=fill_mode)``,
Keras' fill-mode names being scipy's); it is only needed here, as an oracle.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minikeras import kernels
from minikeras._kernels import image as compiled
from minikeras._kernels import reference
from minikeras.preprocessing.affine_transformations import FILL_MODES, apply_affine_transform

SETTINGS = settings(max_examples=25, deadline=None)


def random_case(seed, size_limit=7, channels=3):
    rng = np.random.default_rng(seed)
    N = int(rng.integers(1, 3))
    H, W = (int(v) for v in rng.integers(1, size_limit, 2))
    C = int(rng.integers(1, channels + 1))
    x = rng.standard_normal((N, H, W, C))
    # Linear parts up to ~2x and offsets that reach well outside the image.
    matrices = np.concatenate([rng.standard_normal((N, 2, 2)) * 1.5, rng.standard_normal((N, 2, 1)) * 5], axis=2)
    return x, np.ascontiguousarray(matrices)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(sorted(FILL_MODES.values())),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_compiled_matches_twin(seed, mode, dtype):
    x, matrices = random_case(seed)
    x = x.astype(dtype)
    expected = np.full(x.shape, np.nan, dtype)
    actual = np.full(x.shape, np.nan, dtype)
    reference.affine_transform_2d(x, expected, matrices, mode, -0.25)
    compiled.affine_transform_2d(x, actual, matrices, mode, -0.25)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(actual, expected, **tol)


@pytest.mark.parametrize("fill_mode", sorted(FILL_MODES))
def test_equals_scipy_affine_transform_order_1(fill_mode):
    ndimage = pytest.importorskip("scipy.ndimage")
    worst = 0.0
    for seed in range(60):
        x, matrices = random_case(seed, size_limit=9)
        out = np.full(x.shape, np.nan)
        compiled.affine_transform_2d(x, out, matrices, FILL_MODES[fill_mode], 0.7)
        for n in range(len(x)):
            for c in range(x.shape[3]):
                expected = ndimage.affine_transform(x[n, :, :, c], matrices[n, :, :2], offset=matrices[n, :, 2],
                                                    order=1, mode=fill_mode, cval=0.7)
                worst = max(worst, np.abs(out[n, :, :, c] - expected).max())
    assert worst < 1e-12, worst


@pytest.mark.parametrize("fill_mode", sorted(FILL_MODES))
def test_apply_affine_transform_equals_keras_2_2_4_with_scipy(fill_mode):
    """Keras 2.2.4's apply_affine_transform, written with scipy as it is there, gives the same image."""
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(5)
    x = rng.random((11, 9, 2)).astype(np.float32)
    theta, tx, ty, shear, zx, zy = 17.0, 1.5, -2.25, 9.0, 0.9, 1.2
    t, s = np.deg2rad(theta), np.deg2rad(shear)
    matrix = (np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
              @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
              @ np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
              @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    o_x, o_y = 11 / 2 + 0.5, 9 / 2 + 0.5   # Keras 2's centre
    matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]]) @ matrix @ np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    expected = np.stack([ndimage.affine_transform(x[:, :, c], matrix[:2, :2], matrix[:2, 2], order=1,
                                                  mode=fill_mode, cval=0.3) for c in range(2)], axis=-1)
    actual = apply_affine_transform(x, theta, tx, ty, shear, zx, zy, fill_mode=fill_mode, cval=0.3)
    np.testing.assert_allclose(actual, expected, atol=1e-6)
    # channels first, through the same kernel
    first = apply_affine_transform(np.moveaxis(x, -1, 0), theta, tx, ty, shear, zx, zy, row_axis=1, col_axis=2,
                                   channel_axis=0, fill_mode=fill_mode, cval=0.3)
    np.testing.assert_allclose(np.moveaxis(first, 0, -1), expected, atol=1e-6)


def test_reference_backend_switches_the_kernel():
    x = np.random.default_rng(0).random((5, 6, 1))
    with kernels.use("reference"):
        slow = apply_affine_transform(x, theta=30, zx=1.3)
    fast = apply_affine_transform(x, theta=30, zx=1.3)
    np.testing.assert_allclose(slow, fast, rtol=1e-12)


def test_simple_cases_by_hand():
    x = np.arange(12.0).reshape(3, 4, 1)
    # A whole-pixel shift: tx=1 reads one row further down.
    np.testing.assert_array_equal(apply_affine_transform(x, tx=1, fill_mode="constant", cval=-1)[..., 0],
                                  [[4, 5, 6, 7], [8, 9, 10, 11], [-1, -1, -1, -1]])
    np.testing.assert_array_equal(apply_affine_transform(x, ty=-1, fill_mode="nearest")[..., 0],
                                  [[0, 0, 1, 2], [4, 4, 5, 6], [8, 8, 9, 10]])
    # Half a pixel: the mean of two neighbours.
    np.testing.assert_allclose(apply_affine_transform(x, ty=0.5, fill_mode="reflect")[0, :, 0], [0.5, 1.5, 2.5, 3])
    assert apply_affine_transform(x) is x  # the identity resamples nothing


def test_errors_before_the_kernel():
    with pytest.raises(ValueError, match=r"expected one 3-D image; received shape \(2, 3\)"):
        apply_affine_transform(np.zeros((2, 3)), theta=10)
    with pytest.raises(ValueError, match="fill_mode must be one of .* received 'mirror'"):
        apply_affine_transform(np.zeros((2, 3, 1)), theta=10, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"must be 0, 1 and 2 in some order; received \(0, 0, 2\)"):
        apply_affine_transform(np.zeros((2, 3, 1)), theta=10, row_axis=0, col_axis=0)
    with pytest.raises(NotImplementedError, match="order=0"):
        apply_affine_transform(np.zeros((2, 3, 1)), theta=10, order=0)
