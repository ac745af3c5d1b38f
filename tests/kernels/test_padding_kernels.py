"""The compiled padding and cropping loops (padding.pyx) against their Python twins.

Sizes and amounts are drawn by hypothesis, small enough for the Python loops. Outputs
start as NaN so that a kernel that forgets to write an element fails. The ops are run
with both backends too, in both data formats, to cover the reshapes around the kernels.
"""
import numpy as np
from hypothesis import given, settings, strategies as st

from minikeras import kernels
from minikeras._kernels import padding as compiled
from minikeras._kernels import reference
from minikeras.ops.padding import crop, zero_pad

DTYPES = st.sampled_from([np.float32, np.float64])
SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def rows_and_amounts(draw):
    """An (N, D, H, WC) array shape and (before, after) amounts for its last three axes."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=4, max_size=4)))
    amounts = tuple(draw(st.tuples(st.integers(0, 3), st.integers(0, 3))) for _ in range(3))
    return shape, amounts


def random(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@SETTINGS
@given(case=rows_and_amounts(), dtype=DTYPES)
def test_zero_pad_3d_matches_its_twin_and_np_pad(case, dtype):
    shape, amounts = case
    x = random(shape, dtype)
    out_shape = shape[:1] + tuple(s + b + a for s, (b, a) in zip(shape[1:], amounts))
    expected = np.full(out_shape, np.nan, dtype)
    actual = np.full(out_shape, np.nan, dtype)
    before = [b for b, _ in amounts]
    reference.zero_pad_3d(x, expected, *before)
    compiled.zero_pad_3d(x, actual, *before)
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(actual, np.pad(x, ((0, 0),) + amounts))


@SETTINGS
@given(case=rows_and_amounts(), dtype=DTYPES)
def test_crop_3d_matches_its_twin_and_slicing(case, dtype):
    shape, amounts = case
    # Grow the input so that every crop leaves at least one element.
    shape = shape[:1] + tuple(s + b + a for s, (b, a) in zip(shape[1:], amounts))
    x = random(shape, dtype)
    out_shape = shape[:1] + tuple(s - b - a for s, (b, a) in zip(shape[1:], amounts))
    expected = np.full(out_shape, np.nan, dtype)
    actual = np.full(out_shape, np.nan, dtype)
    before = [b for b, _ in amounts]
    reference.crop_3d(x, expected, *before)
    compiled.crop_3d(x, actual, *before)
    np.testing.assert_array_equal(actual, expected)
    (f0, f1), (t0, t1), (l0, l1) = amounts
    np.testing.assert_array_equal(actual, x[:, f0:shape[1] - f1, t0:shape[2] - t1, l0:shape[3] - l1])


@st.composite
def op_case(draw):
    rank = draw(st.integers(1, 3))
    spatial = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    pads = tuple(draw(st.tuples(st.integers(0, 2), st.integers(0, 2))) for _ in range(rank))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    shape = (n, *spatial, c) if data_format == "channels_last" else (n, c, *spatial)
    return shape, pads, data_format


@SETTINGS
@given(case=op_case(), dtype=DTYPES)
def test_ops_give_the_same_results_with_both_backends(case, dtype):
    shape, pads, data_format = case
    x = random(shape, dtype)
    padded = zero_pad(x, pads, data_format).numpy()
    with kernels.using("reference"):
        np.testing.assert_array_equal(zero_pad(x, pads, data_format).numpy(), padded)
        back = crop(padded, pads, data_format).numpy()
    np.testing.assert_array_equal(crop(padded, pads, data_format).numpy(), back)
    np.testing.assert_array_equal(back, x)
