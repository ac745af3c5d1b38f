"""The compiled pooling loops (pooling.pyx) against their Python twins.

Geometries (sizes, windows, strides, 'valid' or TensorFlow's 'same' padding) are drawn
by hypothesis, small enough for the Python loops. Outputs start as NaN (argmax as -1) so
that a kernel that forgets to write an element fails. The ops are run with both
backends too, in both data formats, to cover the reshapes around the kernels.
"""
import numpy as np
from hypothesis import given, settings, strategies as st

from minikeras import GradientTape, Tensor, kernels
from minikeras._kernels import pooling as compiled
from minikeras._kernels import reference
from minikeras.ops.pooling import avg_pool, max_pool
from minikeras.utils import conv_utils

DTYPES = st.sampled_from([np.float32, np.float64])
SETTINGS = settings(max_examples=30, deadline=None)


def tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@st.composite
def geometry(draw):
    """A pooling of an (N, D, H, W, C) volume, in the kernels' integers."""
    padding = draw(st.sampled_from(["valid", "same"]))
    size, pool, strides, out, pads = [], [], [], [], []
    for _ in range(3):
        i = draw(st.integers(1, 6))
        k = draw(st.integers(1, i if padding == "valid" else 4))
        s = draw(st.integers(1, 3))
        size.append(i), pool.append(k), strides.append(s)
        out.append(conv_utils.conv_output_length(i, k, padding, s))
        pads.append(conv_utils.conv_padding_amounts(i, k, padding, s)[0])
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return dict(x=(n, *size, c), out=(n, *out, c), args=(*pool, *strides, *pads))


def distinct(shape, dtype, seed=0):
    """Distinct values, so that the maximum of every window is unique."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))) / 8.0
    return values.reshape(shape).astype(dtype)


@SETTINGS
@given(g=geometry(), dtype=DTYPES)
def test_max_pool_matches_its_twin(g, dtype):
    x = distinct(g["x"], dtype)
    out = {name: np.full(g["out"], np.nan, dtype) for name in ("twin", "compiled")}
    argmax = {name: np.full(g["out"], -1, np.int32) for name in ("twin", "compiled")}
    reference.max_pool_3d(x, out["twin"], argmax["twin"], *g["args"])
    compiled.max_pool_3d(x, out["compiled"], argmax["compiled"], *g["args"])
    np.testing.assert_array_equal(out["compiled"], out["twin"])
    np.testing.assert_array_equal(argmax["compiled"], argmax["twin"])
    # argmax points at the maximum: reading x there gives the output back.
    flat = x.reshape(x.shape[0], -1, x.shape[-1])
    picked = np.take_along_axis(flat, argmax["compiled"].reshape(flat.shape[0], -1, flat.shape[2]), 1)
    np.testing.assert_array_equal(picked.reshape(g["out"]), out["compiled"])

    grad_out = np.random.default_rng(1).standard_normal(g["out"]).astype(dtype)
    flat_shape = (x.shape[0], -1, x.shape[-1])
    grads = {name: np.full(flat.shape, np.nan, dtype) for name in ("twin", "compiled")}
    for name, module in (("twin", reference), ("compiled", compiled)):
        module.max_pool_3d_backward(grad_out.reshape(flat_shape), argmax["twin"].reshape(flat_shape),
                                    grads[name])
    np.testing.assert_allclose(grads["compiled"], grads["twin"], **tolerance(dtype))


@SETTINGS
@given(g=geometry(), dtype=DTYPES)
def test_avg_pool_matches_its_twin(g, dtype):
    x = np.random.default_rng(0).standard_normal(g["x"]).astype(dtype)
    expected, actual = np.full(g["out"], np.nan, dtype), np.full(g["out"], np.nan, dtype)
    reference.avg_pool_3d(x, expected, *g["args"])
    compiled.avg_pool_3d(x, actual, *g["args"])
    np.testing.assert_allclose(actual, expected, **tolerance(dtype))

    grad_out = np.random.default_rng(1).standard_normal(g["out"]).astype(dtype)
    expected, actual = np.full(g["x"], np.nan, dtype), np.full(g["x"], np.nan, dtype)
    reference.avg_pool_3d_backward(grad_out, expected, *g["args"])
    compiled.avg_pool_3d_backward(grad_out, actual, *g["args"])
    np.testing.assert_allclose(actual, expected, **tolerance(dtype))


def test_max_pool_kernels_send_ties_to_the_first_maximum_in_window_order():
    # One 2x2x2 window of equal values, in both backends: position (0, 0, 0) wins.
    x = np.ones((1, 2, 2, 2, 1))
    for module in (reference, compiled):
        out, argmax = np.empty((1, 1, 1, 1, 1)), np.full((1, 1, 1, 1, 1), -1, np.int32)
        module.max_pool_3d(x, out, argmax, 2, 2, 2, 1, 1, 1, 0, 0, 0)
        assert argmax.item() == 0
    # A window whose maximum appears at positions (0, 1, 1) and (1, 0, 0): the first wins.
    x = np.zeros((1, 2, 2, 2, 1))
    x[0, 0, 1, 1, 0] = x[0, 1, 0, 0, 0] = 5.0
    for module in (reference, compiled):
        out, argmax = np.empty((1, 1, 1, 1, 1)), np.full((1, 1, 1, 1, 1), -1, np.int32)
        module.max_pool_3d(x, out, argmax, 2, 2, 2, 1, 1, 1, 0, 0, 0)
        assert argmax.item() == (0 * 2 + 1) * 2 + 1


def test_max_pool_kernel_keeps_argmax_inside_the_input_for_nan_and_minus_inf():
    x = np.array([-np.inf, -np.inf, np.nan, 1.0]).reshape(1, 1, 1, 4, 1)
    for module in (reference, compiled):
        out, argmax = np.empty((1, 1, 1, 2, 1)), np.full((1, 1, 1, 2, 1), -1, np.int32)
        module.max_pool_3d(x, out, argmax, 1, 1, 2, 1, 1, 2, 0, 0, 0)
        assert argmax.ravel().tolist() == [0, 2]
        assert out[0, 0, 0, 0, 0] == -np.inf and np.isnan(out[0, 0, 0, 1, 0])


@st.composite
def op_case(draw):
    rank = draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    padding = draw(st.sampled_from(["valid", "same"]))
    pool = tuple(draw(st.integers(1, s if padding == "valid" else 3)) for s in spatial)
    strides = draw(st.none() | st.tuples(*[st.integers(1, 3)] * rank))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    shape = (n, *spatial, c) if data_format == "channels_last" else (n, c, *spatial)
    return shape, dict(pool_size=pool, strides=strides, padding=padding, data_format=data_format)


def value_and_gradient(op, x, args):
    x = Tensor(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = op(x, **args)
    upstream = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    return y.numpy(), tape.gradient(y, x, output_gradients=upstream).numpy()


@SETTINGS
@given(case=op_case(), dtype=DTYPES, op=st.sampled_from([max_pool, avg_pool]))
def test_ops_give_the_same_results_with_both_backends(case, dtype, op):
    shape, args = case
    x = distinct(shape, dtype)
    y, dx = value_and_gradient(op, x, args)
    with kernels.using("reference"):
        y_ref, dx_ref = value_and_gradient(op, x, args)
    np.testing.assert_allclose(y, y_ref, **tolerance(dtype))
    np.testing.assert_allclose(dx, dx_ref, **tolerance(dtype))
