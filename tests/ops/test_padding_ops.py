"""zero_pad and crop: values against NumPy, gradients of first and second order, errors."""
import numpy as np
import pytest

from minikeras import GradientTape, Tensor, Variable
from minikeras.ops.padding import crop, zero_pad
from minikeras.utils.gradient_check import assert_gradients_close

FORMATS = ["channels_last", "channels_first"]
# (input shape in channels_last order, one (before, after) pair per spatial axis)
CASES = [
    ((2, 5, 3), ((1, 2),)),
    ((2, 4, 3, 2), ((0, 2), (3, 1))),
    ((1, 3, 2, 4, 2), ((1, 0), (2, 1), (0, 3))),
]


def random(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def in_format(shape, data_format):
    return shape if data_format == "channels_last" else (shape[0], shape[-1], *shape[1:-1])


def numpy_pairs(pairs, data_format):
    """np.pad's pairs for every axis of an input in ``data_format``."""
    if data_format == "channels_last":
        return ((0, 0),) + pairs + ((0, 0),)
    return ((0, 0), (0, 0)) + pairs


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape, pairs", CASES)
def test_zero_pad_and_crop_match_numpy(shape, pairs, data_format):
    x = random(in_format(shape, data_format))
    padded = zero_pad(x, pairs, data_format)
    np.testing.assert_array_equal(padded.numpy(), np.pad(x, numpy_pairs(pairs, data_format)))
    np.testing.assert_array_equal(crop(padded, pairs, data_format).numpy(), x)
    # Cropping a random array is slicing.
    grown = random(padded.shape, seed=1)
    inside = tuple(slice(b, s - a) for (b, a), s in zip(numpy_pairs(pairs, data_format), grown.shape))
    np.testing.assert_array_equal(crop(grown, pairs, data_format).numpy(), grown[inside])


def test_amounts_take_every_keras_form():
    x = random((1, 4, 5, 2))
    np.testing.assert_array_equal(zero_pad(x, 1).numpy(), np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))
    np.testing.assert_array_equal(zero_pad(x, (1, 2)).numpy(), np.pad(x, ((0, 0), (1, 1), (2, 2), (0, 0))))
    np.testing.assert_array_equal(crop(x, (1, 2)).numpy(), x[:, 1:3, 2:3])
    x1 = random((1, 6, 2))
    np.testing.assert_array_equal(zero_pad(x1, (2, 1)).numpy(), np.pad(x1, ((0, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(crop(x1, (2, 1)).numpy(), x1[:, 2:5])


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape, pairs", CASES)
def test_gradients(shape, pairs, data_format):
    x = random(in_format(shape, data_format))
    assert_gradients_close(lambda t: zero_pad(t, pairs, data_format), [x])
    grown = random(np.pad(x, numpy_pairs(pairs, data_format)).shape, seed=1)
    assert_gradients_close(lambda t: crop(t, pairs, data_format), [grown])


@pytest.mark.parametrize("op", [zero_pad, crop])
def test_second_order_gradients(op):
    x = random((2, 5, 4, 2))
    pairs = ((1, 2), (2, 1))

    def gradient_of_cube(t):
        with GradientTape() as inner:
            inner.watch(t)
            y = op(t, pairs)
            loss = (y * y * y).sum()
        return inner.gradient(loss, t)

    assert_gradients_close(gradient_of_cube, [x])


def test_non_contiguous_inputs_give_the_same_result():
    base = random((3, 6, 7, 4))
    pairs = ((1, 2), (0, 3))
    for x in (base[::2, 1:, ::2], np.asfortranarray(base), base.transpose(0, 2, 1, 3)):
        contiguous = np.ascontiguousarray(x)
        np.testing.assert_array_equal(zero_pad(x, pairs).numpy(), zero_pad(contiguous, pairs).numpy())
        np.testing.assert_array_equal(crop(x, pairs).numpy(), crop(contiguous, pairs).numpy())


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = random((2, 3, 3, 2), dtype=dtype)
    assert zero_pad(x, 1).dtype == dtype
    assert crop(x, 1).dtype == dtype
    np.testing.assert_array_equal(zero_pad(x, 1).numpy(), np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))))


def test_variables_tensors_and_lists_are_accepted():
    np.testing.assert_array_equal(zero_pad(Tensor(np.ones((1, 1, 1))), 1).numpy().ravel(), [0, 1, 0])
    np.testing.assert_array_equal(zero_pad([[[1.0]]], 1).numpy().ravel(), [0, 1, 0])
    v = Variable(random((1, 3, 2)))
    with GradientTape() as tape:
        y = zero_pad(v + v, ((1, 1),))
    assert y.shape == (1, 5, 2)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), 2 * np.ones((1, 3, 2)))


def test_errors():
    x = random((2, 5, 5, 3))
    with pytest.raises(ValueError, match=r"zero_pad: expected an input of rank 3, 4 or 5 .* "
                                         r"received an input of shape \(5, 5\) \(rank 2\)"):
        zero_pad(random((5, 5)), 1)
    with pytest.raises(ValueError, match=r"zero_pad: `pads` should be an int, a tuple of 2 ints or "
                                         r"a tuple of 2 tuples of 2 ints .*Received: \(\(1, 2\),\)"):
        zero_pad(x, ((1, 2),))
    with pytest.raises(ValueError, match=r"zero_pad: .*non-negative.*Received: -1"):
        zero_pad(x, -1)
    with pytest.raises(ValueError, match=r"crop: `crops` should be .*Received: \(1, 2, 3\)"):
        crop(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"zero_pad: The `data_format` argument must be one of "
                                         r".*Received: 'channels_middle'"):
        zero_pad(x, 1, "channels_middle")
    with pytest.raises(ValueError, match=r"crop: cropping \(3, 2\) from spatial axis 2 of size 5 "
                                         r"leaves 0 elements; expected before \+ after < 5"):
        crop(x, ((0, 0), (3, 2)))
    with pytest.raises(ValueError, match=r"crop: cropping \(2, 2\) from spatial axis 1 of size 3 "
                                         r"leaves -1 elements"):
        crop(random((2, 3, 3)), ((2, 2),), "channels_first")
