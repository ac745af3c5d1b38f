"""Bad input met by whole programs: a clear error naming the layer, expected and received."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers import Dense, Input, Permute
from minikeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()
    np.random.seed(0)  # the weights' initial values


def test_permute_dims_that_do_not_match_the_input_rank():
    message = (r"Permute 'permute_1': dims=\(2, 1\) reorders 2 axes, so the input must have rank 3 "
               r"\(the batch axis and 2 more\); received an input of shape \(2, 3, 4, 5\) \(rank 4\)")
    with pytest.raises(ValueError, match=message):
        Permute((2, 1))(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"dims=\(3, 1, 2\) reorders 3 axes.*shape \(None, 8\) \(rank 2\)"):
        Permute((3, 1, 2))(Input(shape=(8,)))


def test_model_set_weights_with_a_wrong_shape_names_the_layer_and_the_weight():
    model = Sequential([Dense(3, input_shape=(4,), name="hidden"), Dense(2, name="out")])
    weights = model.get_weights()
    before = [w.copy() for w in weights]
    weights[0] = weights[0] + 1.0
    weights[2] = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"Model 'sequential_1': layer 'out' \(array #2 of the list\): weight "
                                         r"'kernel' expected shape \(3, 2\), but received an array of shape \(4, 2\)"):
        model.set_weights(weights)
    for a, b in zip(before, model.get_weights()):   # nothing was half-set
        np.testing.assert_array_equal(a, b)


def test_set_weights_of_a_nested_model_names_the_inner_layer():
    x = Input(shape=(2,))
    inner = Model(x, Dense(2, name="inner_dense")(x), name="inner")
    y = Input(shape=(2,))
    outer = Model(y, Dense(1, name="head")(inner(y)))
    weights = outer.get_weights()
    weights[1] = np.zeros(5)
    with pytest.raises(ValueError, match=r"layer 'inner_dense' \(array #1 of the list\): weight 'bias' expected shape \(2,\)"):
        outer.set_weights(weights)


def test_dense_on_an_input_whose_last_axis_is_empty():
    with pytest.raises(ValueError, match=r"Dense 'dense_1': the last axis of the input .* must have a positive "
                                         r"size, received shape \(2, 0\)"):
        Dense(3)(np.ones((2, 0)))
    with pytest.raises(ValueError, match=r"Dense 'dense_2'.*received shape \(4, 5, 0\)"):
        Dense(3)(np.ones((4, 5, 0)))
