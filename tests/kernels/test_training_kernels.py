"""The training-step kernels (issue 10) against their twins and the NumPy they replace.

``optimizers.pyx`` must give NumPy's numbers to the bit (the optimizers' results do not change
when the update runs in one pass); the activation and dropout kernels agree with their twins.
"""
import numpy as np
import pytest

from minikeras._kernels import optimizers as compiled_optimizers
from minikeras._kernels import reference


def _numpy_adam(w, g, m, v, vhat, beta_1, beta_2, lr_t, epsilon, amsgrad):
    """The update as optimizers/adam.py wrote it before the kernel existed."""
    m = beta_1 * m + (1.0 - beta_1) * g
    v = beta_2 * v + (1.0 - beta_2) * np.square(g)
    if amsgrad:
        vhat = np.maximum(vhat, v)
    return w - lr_t * m / (np.sqrt(vhat if amsgrad else v) + epsilon), m, v, vhat


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("implementation", ["compiled", "twin"])
def test_adam_update_gives_numpys_numbers_to_the_bit(dtype, amsgrad, implementation):
    rng = np.random.default_rng(3)
    size = 70000  # above the size where the loop runs on two threads
    w, g = rng.standard_normal((2, size)).astype(dtype)
    m = (0.1 * rng.standard_normal(size)).astype(dtype)
    v, vhat = (0.01 * rng.random((2, size))).astype(dtype)
    g[:5] = [0.0, np.inf, -np.inf, np.nan, 1e-30]
    vhat[5] = np.nan
    lr_t = 0.001 * np.sqrt(1.0 - 0.999 ** 3) / (1.0 - 0.9 ** 3)
    out = np.empty_like(w)
    update = getattr(compiled_optimizers if implementation == "compiled" else reference, "adam_update")
    with np.errstate(invalid="ignore"):  # the inf and NaN gradients
        expected_w, expected_m, expected_v, expected_vhat = _numpy_adam(
            w, g, m, v, vhat, 0.9, 0.999, lr_t, 1e-7, amsgrad)
        update(w, g, m, v, vhat, out, 0.9, 0.999, float(lr_t), 1e-7, amsgrad)
    np.testing.assert_array_equal(out, expected_w.astype(dtype))
    np.testing.assert_array_equal(m, expected_m)
    np.testing.assert_array_equal(v, expected_v)
    if amsgrad:
        np.testing.assert_array_equal(vhat, expected_vhat)


# --- im2col / col2im with few input channels (their own loops in conv.pyx) ----------------------

@pytest.mark.parametrize("C", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("SH, SW, DH, DW, PT, PL, PB, PR", [
    (1, 1, 1, 1, 0, 0, 0, 0), (1, 1, 1, 1, 2, 2, 2, 2), (2, 3, 1, 1, 1, 0, 1, 2),
    (1, 1, 2, 3, 2, 3, 1, 0), (3, 2, 1, 1, 0, 4, 0, 4)])
def test_im2col_and_col2im_agree_with_their_twins(C, SH, SW, DH, DW, PT, PL, PB, PR):
    from minikeras._kernels import conv as compiled_conv

    N, H, W, KH, KW = 2, 7, 6, 3, 2
    OH = (H + PT + PB - DH * (KH - 1) - 1) // SH + 1
    OW = (W + PL + PR - DW * (KW - 1) - 1) // SW + 1
    rng = np.random.default_rng(C)
    x = rng.standard_normal((N, H, W, C))
    cols = [np.full((N, OH, OW, KH, KW, C), np.nan) for _ in range(2)]
    compiled_conv.im2col_2d(x, cols[0], SH, SW, DH, DW, PT, PL)
    reference.im2col_2d(x, cols[1], SH, SW, DH, DW, PT, PL)
    np.testing.assert_array_equal(*cols)
    g = rng.standard_normal(cols[0].shape)
    dx = [np.full(x.shape, np.nan) for _ in range(2)]
    compiled_conv.col2im_2d(g, dx[0], SH, SW, DH, DW, PT, PL)
    reference.col2im_2d(g, dx[1], SH, SW, DH, DW, PT, PL)
    np.testing.assert_allclose(*dx, rtol=1e-12, atol=1e-12)
