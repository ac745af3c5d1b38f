"""The compiled convolution loops (conv.pyx) against their Python twins (reference.py).

Shapes, strides, dilations and pads are drawn by hypothesis, small enough for the Python
loops. Outputs start as NaN so that a kernel that forgets to write an element fails.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minikeras._kernels import conv as compiled
from minikeras._kernels import reference

DTYPES = st.sampled_from([np.float32, np.float64])
SETTINGS = settings(max_examples=25, deadline=None)


def tolerance(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@st.composite
def geometry(draw, rank):
    """Sizes of one convolution with ``rank`` spatial axes (OH etc. at least 1)."""
    size = draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank))
    kernel = draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    strides = draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    dilation = draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    before = draw(st.lists(st.integers(0, 2), min_size=rank, max_size=rank))
    after = draw(st.lists(st.integers(0, 2), min_size=rank, max_size=rank))
    out = []
    for i, k, s, d, b, a in zip(size, kernel, strides, dilation, before, after):
        span = i + b + a - (k - 1) * d
        out.append(max((span - 1) // s + 1, 1))  # a window past the padded end reads zeros
    return dict(N=draw(st.integers(1, 2)), C=draw(st.integers(1, 3)), size=tuple(size),
                kernel=tuple(kernel), out=tuple(out), args=(*strides, *dilation, *before))


def random(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def cols_shape(g):
    if len(g["size"]) == 2:
        return (g["N"], *g["out"], *g["kernel"], g["C"])
    return (g["N"] * g["out"][0], *g["out"][1:], *g["kernel"], g["C"])


@pytest.mark.parametrize("rank, im2col, col2im", [(2, "im2col_2d", "col2im_2d"), (3, "vol2col_3d", "col2vol_3d")])
@SETTINGS
@given(data=st.data(), dtype=DTYPES)
def test_im2col_and_col2im_match_their_twins(rank, im2col, col2im, data, dtype):
    g = data.draw(geometry(rank))
    x = random((g["N"], *g["size"], g["C"]), dtype, 0)
    expected = np.full(cols_shape(g), np.nan, dtype)
    actual = np.full(cols_shape(g), np.nan, dtype)
    getattr(reference, im2col)(x, expected, *g["args"])
    getattr(compiled, im2col)(x, actual, *g["args"])
    np.testing.assert_array_equal(actual, expected)  # a copy: exact

    cols = random(cols_shape(g), dtype, 1)
    expected = np.full(x.shape, np.nan, dtype)
    actual = np.full(x.shape, np.nan, dtype)
    getattr(reference, col2im)(cols, expected, *g["args"])
    getattr(compiled, col2im)(cols, actual, *g["args"])
    np.testing.assert_allclose(actual, expected, **tolerance(dtype))


@pytest.mark.parametrize("rank, im2col, col2im", [(2, "im2col_2d", "col2im_2d"), (3, "vol2col_3d", "col2vol_3d")])
@SETTINGS
@given(data=st.data())
def test_col2im_is_the_adjoint_of_im2col(rank, im2col, col2im, data):
    # <im2col(x), c> == <x, col2im(c)>: col2im is exactly the transpose of im2col, which is
    # what makes it the input gradient of a convolution.
    g = data.draw(geometry(rank))
    x = random((g["N"], *g["size"], g["C"]), np.float64, 2)
    c = random(cols_shape(g), np.float64, 3)
    cols, dx = np.empty(c.shape), np.empty(x.shape)
    getattr(compiled, im2col)(x, cols, *g["args"])
    getattr(compiled, col2im)(c, dx, *g["args"])
    assert np.vdot(cols, c) == pytest.approx(np.vdot(x, dx), rel=1e-12)


@SETTINGS
@given(data=st.data(), dtype=DTYPES, block=st.sampled_from([0, 1, 2]))
def test_depthwise_kernels_match_their_twins(data, dtype, block):
    g = data.draw(geometry(2))
    # Channels come in blocks of 16 in the compiled loops: cover whole blocks and the rest.
    N, C, (KH, KW) = g["N"], g["C"] + 16 * block, g["kernel"]
    x = random((N, *g["size"], C), dtype, 0)
    kernel = random((KH, KW, C), dtype, 1)
    dout = random((N, *g["out"], C), dtype, 2)
    cases = [
        ("depthwise_conv2d", (x, kernel), (N, *g["out"], C)),
        ("depthwise_conv2d_backward_input", (dout, kernel), x.shape),
        ("depthwise_conv2d_backward_kernel", (x, dout), (N, KH, KW, C)),
    ]
    for name, inputs, out_shape in cases:
        expected = np.full(out_shape, np.nan, dtype)
        actual = np.full(out_shape, np.nan, dtype)
        getattr(reference, name)(*inputs, expected, *g["args"])
        getattr(compiled, name)(*inputs, actual, *g["args"])
        np.testing.assert_allclose(actual, expected, **tolerance(dtype), err_msg=name)


def test_im2col_places_padding_and_dilation_as_documented():
    # One hand-checked case: a 1x3 row, kernel width 2 with dilation 2, one zero on the left.
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3, 1)
    cols = np.empty((1, 1, 2, 1, 2, 1))
    compiled.im2col_2d(x, cols, 1, 1, 1, 2, 0, 1)
    # ow=0 reads iw = -1 (pad) and 1; ow=1 reads iw = 0 and 2.
    np.testing.assert_array_equal(cols.reshape(2, 2), [[0.0, 2.0], [1.0, 3.0]])


def test_compiled_kernels_all_have_twins():
    names = [n for n in dir(compiled) if not n.startswith("_") and callable(getattr(compiled, n))]
    expected = {"im2col_2d", "col2im_2d", "vol2col_3d", "col2vol_3d", "depthwise_conv2d",
                "depthwise_conv2d_backward_input", "depthwise_conv2d_backward_kernel"}
    assert expected <= set(names)
    for name in expected:
        assert callable(getattr(reference, name)), name
