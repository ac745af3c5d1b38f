"""to_categorical and normalize: Keras 2's shapes and values, and the errors for bad labels."""
import numpy as np
import pytest

from minikeras.utils import normalize, to_categorical
from minikeras.utils import np_utils


def test_module_paths():
    assert np_utils.to_categorical is to_categorical and np_utils.normalize is normalize


def test_one_hot_rows_and_default_classes():
    out = to_categorical([3, 0, 1])
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out, np.eye(4, dtype=np.float32)[[3, 0, 1]])


@pytest.mark.parametrize("shape, expected", [
    ((6,), (6, 5)), ((6, 1), (6, 5)), ((2, 3), (2, 3, 5)), ((2, 3, 1), (2, 3, 5)), ((1,), (1, 5)),
])
def test_shapes_as_keras_2(shape, expected):
    y = np.arange(int(np.prod(shape))).reshape(shape) % 5
    out = to_categorical(y, num_classes=5)
    assert out.shape == expected
    np.testing.assert_array_equal(out.argmax(-1), y.reshape(expected[:-1]))
    np.testing.assert_array_equal(out.sum(-1), 1)


def test_dtype_float_labels_and_uint8():
    assert to_categorical(np.array([1, 2], dtype=np.uint8), 3, dtype="int64").dtype == np.int64
    np.testing.assert_array_equal(to_categorical(np.array([2.0, 0.0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_label_not_below_num_classes():
    with pytest.raises(ValueError, match=r"to_categorical: expected labels in \[0, 3\) .*received the label 3"):
        to_categorical([0, 3, 1], num_classes=3)


def test_negative_label():
    with pytest.raises(ValueError, match="to_categorical: class labels must be >= 0; received the negative label -1"):
        to_categorical([0, -1, 1])


def test_other_bad_labels():
    with pytest.raises(ValueError, match="to_categorical: expected integer class labels; received values"):
        to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="num_classes must be a positive integer; received 0"):
        to_categorical([0], num_classes=0)
    with pytest.raises(ValueError, match="dtype <U1"):
        to_categorical(["a"])


def test_normalize_rows_and_axis():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0, 0], [1, 0]])
    np.testing.assert_allclose(normalize(x, axis=0), x / np.linalg.norm(x, axis=0, keepdims=True))
    np.testing.assert_allclose(normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0], [1, 0]])
    # A 1-D input comes back as one row, as in Keras 2 (np.atleast_1d on the norms).
    np.testing.assert_allclose(normalize(np.array([3.0, 4.0])), [[0.6, 0.8]])
