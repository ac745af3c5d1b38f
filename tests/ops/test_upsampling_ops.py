"""upsample_nearest and upsample_bilinear_2d: values against NumPy and Keras, gradients of
first and second order, errors.

The bilinear reference numbers come from Keras (tests/fixtures/make_misc_fixtures.py),
which checks them against TensorFlow 2's resize algorithm.
"""
import json
import os

import numpy as np
import pytest

from minikeras import GradientTape, Tensor
from minikeras.ops.upsampling import (
    UpsampleBilinear2DBackward, UpsampleNearestBackward, upsample_bilinear_2d, upsample_nearest,
)
from minikeras.utils.gradient_check import assert_gradients_close

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
FORMATS = ["channels_last", "channels_first"]
NEAREST_CASES = [((2, 4, 3), (3,)), ((2, 3, 2, 2), (2, 3)), ((1, 2, 3, 2, 2), (2, 1, 3))]


def random(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def in_format(shape, data_format):
    return shape if data_format == "channels_last" else (shape[0], shape[-1], *shape[1:-1])


def load_cases(name):
    """``[(case, {'x': ..., 'y': ..., 'upstream': ..., 'dx': ..., 'args': ...}), ...]``."""
    data = np.load(os.path.join(FIXTURES, name))
    cases = {}
    for key in data.files:
        case, array = key.split("__")
        cases.setdefault(case, {})[array] = data[key]
    return sorted(cases.items())


def case_id(value):
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape, size", NEAREST_CASES)
def test_nearest_repeats_every_element(shape, size, data_format):
    x = random(in_format(shape, data_format))
    expected = x
    first = 1 if data_format == "channels_last" else 2
    for axis, factor in enumerate(size, start=first):
        expected = expected.repeat(factor, axis=axis)
    np.testing.assert_array_equal(upsample_nearest(x, size, data_format).numpy(), expected)


def test_nearest_takes_an_int_size():
    x = random((1, 2, 3, 1))
    np.testing.assert_array_equal(upsample_nearest(x, 2).numpy(), x.repeat(2, 1).repeat(2, 2))


@pytest.mark.parametrize("case, arrays", load_cases("misc_upsampling.npz"), ids=case_id)
def test_bilinear_matches_keras(case, arrays):
    args = json.loads(str(arrays["args"]))
    assert args.pop("op") == "upsample_bilinear_2d"
    x = Tensor(arrays["x"])
    with GradientTape() as tape:
        tape.watch(x)
        y = upsample_bilinear_2d(x, **args)
    dx = tape.gradient(y, x, output_gradients=arrays["upstream"])
    np.testing.assert_allclose(y.numpy(), arrays["y"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx.numpy(), arrays["dx"], rtol=1e-12, atol=1e-12)


def test_bilinear_samples_at_half_pixel_centres_and_clamps_at_the_edges():
    # Output column o samples the input at (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25,
    # clamped to [0, 1]: 0, 0.25 * 4, 0.75 * 4, 4.
    x = np.array([0.0, 4.0]).reshape(1, 1, 2, 1)
    np.testing.assert_allclose(upsample_bilinear_2d(x, (1, 2)).numpy().ravel(), [0.0, 1.0, 3.0, 4.0])
    # size 3: samples at -1/3, 0, 1/3, 2/3, 1, 4/3 of a two-pixel row.
    expected = [0, 0, 4 / 3, 8 / 3, 4, 4]
    np.testing.assert_allclose(upsample_bilinear_2d(x, (1, 3)).numpy().ravel(), expected)


def test_bilinear_float32_matches_float64():
    x = random((2, 3, 4, 3))
    y64 = upsample_bilinear_2d(x, (3, 5)).numpy()
    y32 = upsample_bilinear_2d(x.astype(np.float32), (3, 5))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), y64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape, size", NEAREST_CASES)
def test_nearest_gradients(shape, size, data_format):
    x = random(in_format(shape, data_format))
    assert_gradients_close(lambda t: upsample_nearest(t, size, data_format), [x])


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("size", [(2, 2), (3, 2), (1, 4)])
def test_bilinear_gradients(size, data_format):
    x = random(in_format((2, 3, 4, 2), data_format))
    assert_gradients_close(lambda t: upsample_bilinear_2d(t, size, data_format), [x])


@pytest.mark.parametrize("op", [upsample_nearest, upsample_bilinear_2d])
def test_second_order_gradients(op):
    x = random((2, 3, 4, 2))

    def gradient_of_cube(t):
        with GradientTape() as inner:
            inner.watch(t)
            y = op(t, (2, 3))
            loss = (y * y * y).sum()
        return inner.gradient(loss, t)

    assert_gradients_close(gradient_of_cube, [x])


@pytest.mark.parametrize("backward", [UpsampleNearestBackward, UpsampleBilinear2DBackward])
@pytest.mark.parametrize("data_format", FORMATS)
def test_the_backward_ops_have_gradients_too(backward, data_format):
    grad = random(in_format((2, 6, 6, 2), data_format))
    assert_gradients_close(lambda g: backward.apply(g, size=(2, 3), data_format=data_format), [grad])


@pytest.mark.parametrize("op", [upsample_nearest, upsample_bilinear_2d])
def test_non_contiguous_inputs_give_the_same_result(op):
    base = random((3, 6, 8, 4))
    for x in (base[::2, 1:, ::3], np.asfortranarray(base), base.transpose(0, 2, 1, 3)):
        for data_format in FORMATS:
            np.testing.assert_array_equal(
                op(x, (2, 3), data_format).numpy(), op(np.ascontiguousarray(x), (2, 3), data_format).numpy()
            )


def test_errors():
    x = random((2, 3, 3, 2))
    with pytest.raises(ValueError, match=r"upsample_nearest: expected an input of rank 3, 4 or 5 "
                                         r".*shape \(3, 3\)"):
        upsample_nearest(random((3, 3)), 2)
    with pytest.raises(ValueError, match=r"upsample_nearest: The `size` argument must hold positive "
                                         r"values. Received: \(2, 0\)"):
        upsample_nearest(x, (2, 0))
    with pytest.raises(ValueError, match=r"upsample_nearest: The `size` argument must be an int or "
                                         r"a tuple of 2 ints. Received: \(2, 2, 2\)"):
        upsample_nearest(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"upsample_bilinear_2d: expected an input of rank 4 .*"
                                         r"received an input of shape \(2, 3, 2\) \(rank 3\)"):
        upsample_bilinear_2d(random((2, 3, 2)), 2)
    with pytest.raises(ValueError, match=r"upsample_bilinear_2d: The `size` argument must hold "
                                         r"positive values. Received: -1"):
        upsample_bilinear_2d(x, -1)
    with pytest.raises(ValueError, match=r"upsample_bilinear_2d: The `data_format` argument must be "
                                         r"one of .*Received: 'NHWC'"):
        upsample_bilinear_2d(x, 2, "NHWC")
