"""max_pool and avg_pool: values and gradients against Keras, TensorFlow's rules for ties
and for the divisor of 'same' average pooling, gradients of first and second order, errors.

The reference numbers come from Keras (tests/fixtures/make_misc_fixtures.py).
"""
import json
import os

import numpy as np
import pytest

from minikeras import GradientTape, Tensor
from minikeras.ops.pooling import (
    AvgPoolBackward, MaxPool, MaxPoolBackward, MaxPoolGather, _pooling, avg_pool, max_pool,
)
from minikeras.utils.gradient_check import assert_gradients_close

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
OPS = {"max_pool": max_pool, "avg_pool": avg_pool}
FORMATS = ["channels_last", "channels_first"]
# (input shape in channels_last order, pool_size, strides, padding)
GEOMETRIES = [
    ((2, 7, 2), (3,), (2,), "valid"),
    ((2, 6, 2), (2,), None, "same"),
    ((2, 5, 6, 2), (2, 3), (1, 2), "valid"),
    ((1, 5, 7, 2), (3, 3), (2, 2), "same"),
    ((1, 4, 3, 5, 2), (2, 2, 3), (2, 1, 2), "same"),
    ((1, 3, 4, 4, 1), (2, 3, 2), None, "valid"),
]


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


def distinct(shape, seed=0, dtype=np.float64):
    """A shuffled grid of distinct values: no ties, and no two values closer than 1/8."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))) / 8.0
    return values.reshape(shape).astype(dtype)


def in_format(shape, data_format):
    return shape if data_format == "channels_last" else (shape[0], shape[-1], *shape[1:-1])


def value_and_gradient(op, x, upstream, **args):
    x = Tensor(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = op(x, **args)
    return y.numpy(), tape.gradient(y, x, output_gradients=upstream).numpy()


@pytest.mark.parametrize("case, arrays", load_cases("misc_pooling.npz"), ids=case_id)
def test_values_and_gradients_match_keras(case, arrays):
    args = json.loads(str(arrays["args"]))
    y, dx = value_and_gradient(OPS[args.pop("op")], arrays["x"], arrays["upstream"], **args)
    np.testing.assert_allclose(y, arrays["y"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, arrays["dx"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case, arrays", load_cases("misc_ties.npz"), ids=case_id)
def test_tied_windows_match_keras(case, arrays):
    args = json.loads(str(arrays["args"]))
    _, dx = value_and_gradient(OPS[args.pop("op")], arrays["x"], arrays["upstream"], **args)
    np.testing.assert_array_equal(dx, arrays["dx"])


def test_a_tied_window_sends_its_gradient_to_its_first_maximum():
    # TensorFlow's MaxPool gradient: the first maximum in window order (row by row) takes
    # it all. 2x2 windows with stride 1 over a constant 3x4 image: window (i, j) sends 1
    # to pixel (i, j), its top-left corner.
    ones = np.ones((1, 3, 4, 1))
    _, dx = value_and_gradient(max_pool, ones, np.ones((1, 2, 3, 1)), pool_size=2, strides=1)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]])
    # A window with its maximum twice, on its second row: the left one wins.
    x = np.array([[0.0, 1.0], [7.0, 7.0]]).reshape(1, 2, 2, 1)
    _, dx = value_and_gradient(max_pool, x, np.full((1, 1, 1, 1), 3.0), pool_size=2)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 0], [3, 0]])
    # 3D windows follow the same rule (depth, then height, then width).
    x = np.zeros((1, 2, 2, 2, 1))
    x[0, 1, 0, 0, 0] = x[0, 0, 1, 1, 0] = 2.0
    _, dx = value_and_gradient(max_pool, x, np.ones((1, 1, 1, 1, 1)), pool_size=2)
    assert dx[0, 0, 1, 1, 0] == 1 and dx.sum() == 1


def test_same_average_divides_by_the_elements_inside_the_input():
    # 3x3 windows, stride 2, on a 4x4 image of ones times position: 'same' pads 0 before
    # and 1 after, so the last row and column of windows hold 2 rows or columns of input.
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    y = avg_pool(x, 3, 2, "same").numpy()[0, :, :, 0]
    expected = [[x[0, 0:3, 0:3].mean(), x[0, 0:3, 2:4].mean()],
                [x[0, 2:4, 0:3].mean(), x[0, 2:4, 2:4].mean()]]
    np.testing.assert_allclose(y, expected)
    # ... and not by the window's size: the corner window holds 4 elements, not 9.
    assert y[1, 1] == (10 + 11 + 14 + 15) / 4


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape, pool_size, strides, padding", GEOMETRIES)
@pytest.mark.parametrize("op", [max_pool, avg_pool])
def test_gradients(op, shape, pool_size, strides, padding, data_format):
    x = distinct(in_format(shape, data_format))
    assert_gradients_close(lambda t: op(t, pool_size, strides, padding, data_format), [x])


@pytest.mark.parametrize("op", [max_pool, avg_pool])
def test_second_order_gradients(op):
    x = distinct((2, 5, 4, 2))

    def gradient_of_cube(t):
        with GradientTape() as inner:
            inner.watch(t)
            y = op(t, (3, 2), (1, 2), "same")
            loss = (y * y * y).sum()
        return inner.gradient(loss, t)

    assert_gradients_close(gradient_of_cube, [x])


def test_the_backward_ops_have_gradients_too():
    """Each backward op is a linear map whose gradient is its adjoint (checked directly)."""
    x = distinct((2, 5, 4, 2))
    geometry = _pooling("max_pool", x.shape, (3, 2), (1, 2), "same", "channels_last")
    forward = MaxPool(pooling=geometry)
    y = forward.forward(x)
    grad = np.random.default_rng(1).standard_normal(y.shape)
    kept = dict(pooling=geometry, argmax=forward.argmax)
    assert_gradients_close(lambda g: MaxPoolBackward.apply(g, **kept), [grad])
    assert_gradients_close(lambda t: MaxPoolGather.apply(t, **kept), [x])
    assert_gradients_close(lambda g: AvgPoolBackward.apply(g, pooling=geometry), [grad])


@pytest.mark.parametrize("op", [max_pool, avg_pool])
def test_non_contiguous_inputs_give_the_same_result(op):
    base = distinct((3, 8, 9, 4))
    for x in (base[::2, 1:, ::2], np.asfortranarray(base), base.transpose(0, 2, 1, 3)):
        for data_format in FORMATS:
            expected = op(np.ascontiguousarray(x), (2, 3), (2, 1), "same", data_format).numpy()
            np.testing.assert_array_equal(op(x, (2, 3), (2, 1), "same", data_format).numpy(), expected)


@pytest.mark.parametrize("op", [max_pool, avg_pool])
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_dtype_is_kept(op, dtype):
    x = distinct((2, 4, 4, 3))
    y = op(x.astype(dtype), 2)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), op(x, 2).numpy(), rtol=1e-3)


@pytest.mark.parametrize("shape", [(0, 4, 3), (2, 0, 3), (2, 4, 0)])
@pytest.mark.parametrize("op", [max_pool, avg_pool])
def test_empty_batches_axes_and_channels(op, shape):
    x = np.ones(shape)
    y, dx = value_and_gradient(op, x, np.ones(op(x, 2, padding="same").shape), pool_size=2, padding="same")
    assert y.shape == (shape[0], (shape[1] + 1) // 2, shape[2]) and dx.shape == shape


def test_output_shapes():
    assert max_pool(np.zeros((2, 7, 3)), 2).shape == (2, 3, 3)
    assert max_pool(np.zeros((2, 7, 3)), 2, padding="same").shape == (2, 4, 3)
    assert avg_pool(np.zeros((2, 3, 7, 5)), (2, 3), 2, "same", "channels_first").shape == (2, 3, 4, 3)
    assert avg_pool(np.zeros((1, 5, 6, 7, 2)), 3, (2, 1, 3)).shape == (1, 2, 4, 2, 2)


def test_errors():
    x = np.zeros((2, 5, 4, 3))
    with pytest.raises(ValueError, match=r"max_pool: expected an input of rank 3, 4 or 5 .*"
                                         r"shape \(5, 4\) \(rank 2\)"):
        max_pool(np.zeros((5, 4)), 2)
    with pytest.raises(ValueError, match=r"avg_pool: The `pool_size` argument must hold positive "
                                         r"values. Received: \(2, 0\)"):
        avg_pool(x, (2, 0))
    with pytest.raises(ValueError, match=r"max_pool: The `pool_size` argument must be an int or "
                                         r"a tuple of 2 ints. Received: \(2, 2, 2\)"):
        max_pool(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"max_pool: The `strides` argument must hold positive "
                                         r"values. Received: 0"):
        max_pool(x, 2, 0)
    with pytest.raises(ValueError, match=r"avg_pool: The `padding` argument must be one of "
                                         r"'valid', 'same'. Received: 'full'"):
        avg_pool(x, 2, padding="full")
    with pytest.raises(ValueError, match=r"max_pool: The `data_format` argument must be one of "
                                         r".*Received: 'channels'"):
        max_pool(x, 2, data_format="channels")
    with pytest.raises(ValueError, match=r"max_pool: the pool window \(2, 5\) does not fit in the "
                                         r"input's spatial shape \(5, 4\) with padding 'valid'"):
        max_pool(x, (2, 5))
    with pytest.raises(ValueError, match=r"avg_pool: the pool window \(3,\) does not fit in the "
                                         r"input's spatial shape \(2,\)"):
        avg_pool(np.zeros((1, 3, 2)), 3, data_format="channels_first")
    # 'same' needs no fit: windows are clipped to the input.
    assert max_pool(x, (2, 5), padding="same").shape == (2, 3, 1, 3)
