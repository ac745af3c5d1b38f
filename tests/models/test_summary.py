"""model.summary(): Keras 2's table, column for column."""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.flatten import Flatten
from minikeras.layers.core.input_layer import Input
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


# The summary Keras 2 prints for this model (column ends at 29, 55 and 65 characters).
SEQUENTIAL = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense_1 (Dense)              (None, 32)                25120
_________________________________________________________________
dense_2 (Dense)              (None, 10)                330
=================================================================
Total params: 25,450
Trainable params: 25,450
Non-trainable params: 0
_________________________________________________________________"""


def test_sequential_summary_is_keras2_layout():
    model = Sequential([Dense(32, input_shape=(784,)), Dense(10)])
    lines = summary_lines(model)
    assert [line.rstrip() for line in lines] == SEQUENTIAL.splitlines()
    assert {len(line) for line in lines[:7]} == {65}  # rows are padded to the full width


FUNCTIONAL = """\
__________________________________________________________________________________________________
Layer (type)                    Output Shape         Param #     Connected to
==================================================================================================
a (InputLayer)                  (None, 3)            0
__________________________________________________________________________________________________
b (InputLayer)                  (None, 3)            0
__________________________________________________________________________________________________
shared (Dense)                  (None, 2)            8           a[0][0]
                                                                 b[0][0]
__________________________________________________________________________________________________
add (Lambda)                    (None, 2)            0           shared[0][0]
                                                                 shared[1][0]
==================================================================================================
Total params: 8
Trainable params: 8
Non-trainable params: 0
__________________________________________________________________________________________________"""


def test_functional_summary_has_the_connected_to_column():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    shared = Dense(2, name="shared")
    model = Model([a, b], Lambda(lambda t: t[0] + t[1], name="add")([shared(a), shared(b)]))
    lines = summary_lines(model)
    assert [line.rstrip() for line in lines] == FUNCTIONAL.splitlines()
    assert len(lines[1]) == 98


def test_a_chain_built_with_the_functional_api_prints_like_sequential():
    x = Input(shape=(4, 4), name="pixels")
    model = Model(x, Dense(3, name="out")(Flatten(name="flat")(x)))
    lines = [line.rstrip() for line in summary_lines(model)]
    assert lines[1] == "Layer (type)                 Output Shape              Param #"
    assert lines[3] == "pixels (InputLayer)          (None, 4, 4)              0"
    assert lines[5] == "flat (Flatten)               (None, 16)                0"
    assert lines[7] == "out (Dense)                  (None, 3)                 51"


def test_non_trainable_weights_are_counted_apart():
    model = Sequential([Dense(4, input_shape=(2,), name="frozen"), Dense(1, name="head")])
    model.get_layer("frozen").trainable = False
    lines = summary_lines(model)
    assert lines[-4:-1] == ["Total params: 17", "Trainable params: 5", "Non-trainable params: 12"]


def test_long_names_are_cut_and_columns_can_be_moved():
    model = Sequential([Dense(2, input_shape=(3,), name="a_very_long_layer_name_indeed")])
    lines = summary_lines(model)
    assert lines[3].startswith("a_very_long_layer_name_indee (None, 2)")  # cut, one space kept
    lines = summary_lines(model, line_length=40, positions=[20, 32, 40])
    assert lines[0] == "_" * 40 and lines[3].rstrip() == "a_very_long_layer_n (None, 2)   8"


def test_nested_model_shows_as_one_row_with_its_parameters():
    inner = Sequential([Dense(3, input_shape=(2,))], name="inner")
    x = Input(shape=(2,), name="x")
    model = Model(x, Dense(1, name="head")(inner(x)))
    lines = [line.rstrip() for line in summary_lines(model)]
    assert "inner (Sequential)           (None, 3)                 9" in lines
    assert lines[-4] == "Total params: 13"


def test_summary_of_an_unbuilt_model_says_what_to_do():
    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match="has not been built yet"):
        model.summary()
    model(np.ones((1, 3)))
    assert summary_lines(model)[3].rstrip() == "dense_1 (Dense)              (None, 2)                 8"


def test_summary_prints_with_print_by_default(capsys):
    Sequential([Dense(2, input_shape=(3,))]).summary()
    assert "Total params: 8" in capsys.readouterr().out
