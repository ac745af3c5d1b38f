"""Merge layers and their functions: harness, broadcasting, masks, Keras fixtures, errors."""
import numpy as np
import pytest

from minikeras import Input, Model
from minikeras.layers import Masking
from minikeras.layers.merge import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract,
)
from minikeras.utils.layer_test import layer_test
from tests.layers._layers12 import assert_close, fixture_cases, run_with_gradients

CASES = fixture_cases("layers12_merge.npz")
ELEMENTWISE = [Add, Multiply, Average, Maximum, Minimum]


def distinct(*shapes, seed=0):
    """Inputs without near-ties (maximum and minimum have a kink at a tie)."""
    rng = np.random.default_rng(seed)
    values = rng.permutation(sum(int(np.prod(s)) for s in shapes)) * 0.1 - 1.0
    arrays, start = [], 0
    for s in shapes:
        n = int(np.prod(s))
        arrays.append(values[start:start + n].reshape(s))
        start += n
    return arrays


@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_elementwise_harness(cls):
    layer_test(cls, {}, input_data=distinct((2, 3), (2, 3), (2, 3)), expected_output_shape=(None, 3),
               supports_masking=True)
    # broadcasting as Keras 2: (2, 3) joins (2, 4, 3) as (2, 1, 3); a size-1 axis stretches
    layer_test(cls, {}, input_data=distinct((2, 3), (2, 4, 3), (2, 4, 1), seed=1),
               expected_output_shape=(None, 4, 3))


def test_subtract_harness():
    layer_test(Subtract, {}, input_data=distinct((2, 3, 2), (2, 3, 2)), expected_output_shape=(None, 3, 2))
    layer_test(Subtract, {}, input_data=distinct((2, 2), (2, 3, 2)), expected_output_shape=(None, 3, 2))


@pytest.mark.parametrize("kwargs, shapes, output", [
    ({}, [(2, 3), (2, 4)], (None, 7)),
    ({"axis": 1}, [(2, 1, 3), (2, 2, 3), (2, 3, 3)], (None, 6, 3)),
    ({"axis": 0}, [(2, 3), (1, 3)], (3, 3)),
    ({"axis": -2}, [(2, 2, 3), (2, 1, 3)], (None, 3, 3)),
])
def test_concatenate_harness(kwargs, shapes, output):
    data = distinct(*shapes)
    if kwargs.get("axis") == 0:  # the batch axis grows: compare shapes directly
        assert Concatenate(axis=0)(data).shape == output
        return
    layer_test(Concatenate, kwargs, input_data=data, expected_output_shape=output, supports_masking=True)


@pytest.mark.parametrize("kwargs, shapes, output", [
    ({"axes": 1}, [(2, 3), (2, 3)], (None, 1)),
    ({"axes": -1, "normalize": True}, [(2, 3), (2, 3)], (None, 1)),
    ({"axes": (2, 2)}, [(2, 3, 4), (2, 5, 4)], (None, 3, 5)),
    ({"axes": [1, 1], "normalize": True}, [(2, 3, 4), (2, 3, 2)], (None, 4, 2)),
    ({"axes": (1, 2)}, [(2, 3), (2, 4, 3)], (None, 4)),
])
def test_dot_harness(kwargs, shapes, output):
    layer_test(Dot, kwargs, input_data=distinct(*shapes), expected_output_shape=output)


def test_functions_are_the_layers():
    a, b, c = (x.astype(np.float32) for x in distinct((2, 3), (2, 3), (2, 3)))
    np.testing.assert_allclose(add([a, b, c]).numpy(), a + b + c, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(subtract([a, b]).numpy(), a - b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(multiply([a, b, c]).numpy(), a * b * c, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(average([a, b, c]).numpy(), (a + b + c) / 3, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(maximum([a, b, c]).numpy(), np.maximum(np.maximum(a, b), c))
    np.testing.assert_allclose(minimum([a, b, c]).numpy(), np.minimum(np.minimum(a, b), c))
    np.testing.assert_allclose(concatenate([a, b], axis=0).numpy(), np.concatenate([a, b]))
    np.testing.assert_allclose(dot([a, b], axes=1).numpy(), np.sum(a * b, axis=1, keepdims=True), rtol=1e-6, atol=1e-6)
    assert add([a, b], name="my_add") is not None


KERAS = {
    "add": Add, "multiply": Multiply, "average": Average, "maximum": Maximum, "minimum": Minimum,
    "subtract": Subtract, "add_broadcast": Add,
    "concatenate": (Concatenate, {}), "concatenate_axis1": (Concatenate, {"axis": 1}),
    "dot_axes1": (Dot, {"axes": 1}), "dot_cosine": (Dot, {"axes": 1, "normalize": True}),
    "dot_axes22": (Dot, {"axes": (2, 2)}), "dot_axes11_normalize": (Dot, {"axes": (1, 1), "normalize": True}),
}


@pytest.mark.parametrize("case", sorted(KERAS))
def test_matches_keras(case):
    cls, kwargs = KERAS[case] if isinstance(KERAS[case], tuple) else (KERAS[case], {})
    data = CASES[case]
    inputs = [data[f"x{i}"] for i in range(3) if f"x{i}" in data]
    y, dxs, _ = run_with_gradients(cls(dtype="float64", **kwargs), inputs, data["g"])
    assert_close(y, data["y"], 1e-13, f"{case} output")
    for i, dx in enumerate(dxs):
        assert_close(dx, data[f"dx{i}"], 1e-13, f"{case} gradient of input {i}")


def test_masks_match_keras():
    a = b = np.zeros((3, 4, 5))
    data = CASES["mask_add"]
    np.testing.assert_array_equal(Add().compute_mask([a, b], [data["m0"], data["m1"]]), data["mask"])
    data = CASES["mask_add_one_none"]
    np.testing.assert_array_equal(Add().compute_mask([a, b], [data["m0"], None]), data["mask"])
    data = CASES["mask_concatenate_axis1"]
    np.testing.assert_array_equal(Concatenate(axis=1).compute_mask([a, b], [data["m0"], None]), data["mask"])
    assert Add().compute_mask([a, b], None) is None
    assert Add().compute_mask([a, b], [None, None]) is None
    assert Dot(axes=1).compute_mask([a, b], [data["m0"], data["m0"]]) is None


def test_masks_flow_through_a_model():
    x1, x2 = Input((4, 2)), Input((4, 2))
    merged = add([Masking()(x1), Masking()(x2)])
    model = Model([x1, x2], merged)
    a = np.ones((1, 4, 2))
    b = np.ones((1, 4, 2))
    a[0, 1] = 0.0
    b[0, 3] = 0.0
    out = model([a, b])
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True, False]])
    assert model.output_shape == (None, 4, 2)


def test_functional_shapes():
    x1, x2 = Input((3,)), Input((5, 3))
    assert add([x1, x2]).shape == (None, 5, 3)
    assert concatenate([Input((2, 3)), Input((2, 4))]).shape == (None, 2, 7)
    assert dot([Input((4, 3)), Input((6, 3))], axes=2).shape == (None, 4, 6)
    assert Concatenate(axis=1).compute_output_shape([(None, None, 3), (None, 2, 3)]) == (None, None, 3)


@pytest.mark.parametrize("action, error, message", [
    (lambda: Add()(np.zeros((2, 3))), ValueError, r"Add 'add_\d+': a merge layer should be called on a list of inputs, received a single tensor: shape \(2, 3\)"),
    (lambda: Add()([np.zeros((2, 3))]), ValueError, r"Add .*at least 2 inputs, received 1"),
    (lambda: Subtract()([np.zeros((2, 3))] * 3), ValueError, r"Subtract .*expected exactly 2 inputs, received 3"),
    (lambda: Multiply()([np.zeros((2, 3)), np.zeros((2, 4))]), ValueError,
     r"Multiply .*could not be broadcast.*received shapes \[\(2, 3\), \(2, 4\)\]"),
    (lambda: Maximum()([np.zeros((2, 3)), np.zeros((3, 3))]), ValueError, r"Maximum .*different batch sizes"),
    (lambda: Concatenate()([np.zeros((2, 3, 1)), np.zeros((2, 4, 2))]), ValueError,
     r"Concatenate .*matching shapes except for the concatenation axis -1, received inputs of shapes \[\(2, 3, 1\), \(2, 4, 2\)\]"),
    (lambda: Concatenate(axis=3)([np.zeros((2, 3)), np.zeros((2, 3))]), ValueError, r"Concatenate .*axis 3"),
    (lambda: Concatenate()(np.zeros((2, 3))), ValueError, r"Concatenate .*a single input of shape \(2, 3\)"),
    (lambda: Concatenate(axis="x"), ValueError, r"Concatenate .*`axis` must be an int, received axis='x'"),
    (lambda: Dot(axes="1"), TypeError, r"Dot .*`axes` should be an int or a list of 2 ints, received str '1'"),
    (lambda: Dot(axes=(1, 2, 3)), ValueError, r"Dot .*received axes=\(1, 2, 3\)"),
    (lambda: Dot(axes=1)([np.zeros((2, 3)), np.zeros((2, 4))]), ValueError,
     r"Dot .*dimension incompatibility 3 != 4.*shapes \(2, 3\) and \(2, 4\)"),
    (lambda: Dot(axes=0)([np.zeros((2, 3)), np.zeros((2, 3))]), ValueError, r"Dot .*other than the batch axis"),
    (lambda: Dot(axes=1)([np.zeros((2, 3))] * 3), ValueError, r"Dot .*list of 2 inputs, received 3"),
    (lambda: Dot(axes=1)([np.zeros((2, 3)), np.zeros((4, 3))]), ValueError, r"Dot .*same batch size"),
])
def test_errors(action, error, message):
    with pytest.raises(error, match=message):
        action()
