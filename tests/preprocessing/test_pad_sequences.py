"""pad_sequences: Keras 2's padding and truncation rules, its dtype and its errors."""
import numpy as np
import pytest

from minikeras.preprocessing.sequence import pad_sequences


def test_default_pads_and_truncates_at_the_front_to_the_longest_length():
    padded = pad_sequences([[1, 2, 3, 4], [5], []])
    assert padded.dtype == np.int32
    np.testing.assert_array_equal(padded, [[1, 2, 3, 4], [0, 0, 0, 5], [0, 0, 0, 0]])


@pytest.mark.parametrize("padding, truncating, expected", [
    ("pre", "pre", [[2, 3, 4], [0, 0, 5]]),
    ("post", "pre", [[2, 3, 4], [5, 0, 0]]),
    ("pre", "post", [[1, 2, 3], [0, 0, 5]]),
    ("post", "post", [[1, 2, 3], [5, 0, 0]]),
])
def test_each_side_of_padding_and_truncation(padding, truncating, expected):
    padded = pad_sequences([[1, 2, 3, 4], [5]], maxlen=3, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(padded, expected)


def test_value_dtype_and_tokens_that_are_vectors():
    padded = pad_sequences([[0.5, 1.5]], maxlen=4, dtype="float32", value=-1.0)
    np.testing.assert_array_equal(padded, np.array([[-1, -1, 0.5, 1.5]], dtype=np.float32))
    vectors = pad_sequences([np.ones((2, 3)), np.ones((1, 3))], maxlen=2)
    assert vectors.shape == (2, 2, 3)
    np.testing.assert_array_equal(vectors[1, 0], 0)
    np.testing.assert_array_equal(vectors[1, 1], 1)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'; received 'middle'"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="truncating must be 'pre' or 'post'"):
        pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="found an element that is not one: 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="maxlen must be a whole number"):
        pad_sequences([[1]], maxlen=-1)
    with pytest.raises(ValueError, match="cannot hold the text value"):
        pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match=r"sequence 1 has tokens of shape \(2,\)"):
        pad_sequences([np.ones((2, 3)), np.ones((1, 2))])


def test_available_at_keras_2_module_path():
    import minikeras
    assert minikeras.preprocessing.sequence.pad_sequences is pad_sequences
