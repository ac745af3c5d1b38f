"""The compiled upsampling loops (upsampling.pyx) against their Python twins.

Sizes and factors are drawn by hypothesis, small enough for the Python loops. Outputs
start as NaN so that a kernel that forgets to write an element fails. The ops are run
with both backends too, in both data formats, to cover the reshapes around the kernels.
"""
import numpy as np
from hypothesis import given, settings, strategies as st

from minikeras import GradientTape, Tensor, kernels
from minikeras._kernels import reference
from minikeras._kernels import upsampling as compiled
from minikeras.ops.upsampling import upsample_bilinear_2d, upsample_nearest

DTYPES = st.sampled_from([np.float32, np.float64])
SETTINGS = settings(max_examples=30, deadline=None)
SIZES = st.integers(1, 5)


def tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def random(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@SETTINGS
@given(shape=st.tuples(SIZES, SIZES, SIZES, SIZES, SIZES), factors=st.tuples(SIZES, SIZES, SIZES),
       dtype=DTYPES)
def test_nearest_matches_its_twin_and_np_repeat(shape, factors, dtype):
    x = random(shape, dtype)
    sd, sh, sw = factors
    out_shape = (shape[0], shape[1] * sd, shape[2] * sh, shape[3] * sw, shape[4])
    expected = np.full(out_shape, np.nan, dtype)
    actual = np.full(out_shape, np.nan, dtype)
    reference.upsample_nearest_3d(x, expected, *factors)
    compiled.upsample_nearest_3d(x, actual, *factors)
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(actual, x.repeat(sd, 1).repeat(sh, 2).repeat(sw, 3))

    grad_out = random(out_shape, dtype, 1)
    expected = np.full(shape, np.nan, dtype)
    actual = np.full(shape, np.nan, dtype)
    reference.upsample_nearest_3d_backward(grad_out, expected, *factors)
    compiled.upsample_nearest_3d_backward(grad_out, actual, *factors)
    np.testing.assert_allclose(actual, expected, **tolerance(dtype))
    blocks = grad_out.reshape(shape[0], shape[1], sd, shape[2], sh, shape[3], sw, shape[4])
    # NumPy sums in another order: float32 sums of up to 125 terms differ by ~1e-5.
    atol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, blocks.sum(axis=(2, 4, 6)), rtol=1e-5, atol=atol)


# The kernel resizes to any size (the op only asks for whole multiples): shrinking and
# sizes that are not multiples are drawn too.
@SETTINGS
@given(shape=st.tuples(st.integers(1, 2), SIZES, SIZES, st.integers(1, 3)),
       out_size=st.tuples(st.integers(1, 9), st.integers(1, 9)), dtype=DTYPES)
def test_bilinear_matches_its_twin(shape, out_size, dtype):
    x = random(shape, dtype)
    out_shape = (shape[0], *out_size, shape[3])
    expected = np.full(out_shape, np.nan, dtype)
    actual = np.full(out_shape, np.nan, dtype)
    reference.upsample_bilinear_2d(x, expected)
    compiled.upsample_bilinear_2d(x, actual)
    np.testing.assert_allclose(actual, expected, **tolerance(dtype))

    grad_out = random(out_shape, dtype, 1)
    expected = np.full(shape, np.nan, dtype)
    actual = np.full(shape, np.nan, dtype)
    reference.upsample_bilinear_2d_backward(grad_out, expected)
    compiled.upsample_bilinear_2d_backward(grad_out, actual)
    np.testing.assert_allclose(actual, expected, **tolerance(dtype))


def test_bilinear_backward_is_the_adjoint_of_the_forward():
    """<B x, g> == <x, B^T g> for random x and g: the backward is the forward's transpose."""
    x, g = random((2, 3, 5, 2), np.float64), random((2, 7, 4, 2), np.float64, 1)
    bx, btg = np.empty(g.shape), np.empty(x.shape)
    compiled.upsample_bilinear_2d(x, bx)
    compiled.upsample_bilinear_2d_backward(g, btg)
    np.testing.assert_allclose(np.sum(bx * g), np.sum(x * btg), rtol=1e-12)


@st.composite
def op_case(draw, ranks=(1, 2, 3)):
    rank = draw(st.sampled_from(ranks))
    spatial = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    size = tuple(draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    shape = (n, *spatial, c) if data_format == "channels_last" else (n, c, *spatial)
    return shape, size, data_format


def value_and_gradient(op, x, size, data_format, upstream_seed=1):
    x = Tensor(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = op(x, size, data_format)
    upstream = random(y.shape, x.dtype, upstream_seed)
    return y.numpy(), tape.gradient(y, x, output_gradients=upstream).numpy()


@SETTINGS
@given(case=op_case(), dtype=DTYPES)
def test_nearest_op_gives_the_same_results_with_both_backends(case, dtype):
    shape, size, data_format = case
    x = random(shape, dtype)
    y, dx = value_and_gradient(upsample_nearest, x, size, data_format)
    with kernels.using("reference"):
        y_ref, dx_ref = value_and_gradient(upsample_nearest, x, size, data_format)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_allclose(dx, dx_ref, **tolerance(dtype))


@SETTINGS
@given(case=op_case(ranks=(2,)), dtype=DTYPES)
def test_bilinear_op_gives_the_same_results_with_both_backends(case, dtype):
    shape, size, data_format = case
    x = random(shape, dtype)
    y, dx = value_and_gradient(upsample_bilinear_2d, x, size, data_format)
    with kernels.using("reference"):
        y_ref, dx_ref = value_and_gradient(upsample_bilinear_2d, x, size, data_format)
    np.testing.assert_allclose(y, y_ref, **tolerance(dtype))
    np.testing.assert_allclose(dx, dx_ref, **tolerance(dtype))
