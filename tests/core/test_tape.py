"""GradientTape semantics, each behaviour of tf.GradientTape in its own test."""
import numpy as np
import pytest

import minikeras
from minikeras import GradientTape, Tensor, Variable, ops
from minikeras import backend as K


def test_gradient_of_simple_function():
    x = Variable(3.0)
    with GradientTape() as tape:
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_tensor_used_twice_gets_the_sum():
    x = Tensor(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x + x  # dy/dx = 2x + 1
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [3.0, 5.0])


def test_unconnected_source_gives_none_or_zero():
    x, z = Variable(1.0), Variable(np.array([1.0, 2.0]))
    with GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.gradient(y, [x, z])[1] is None
    zero = tape.gradient(y, z, unconnected_gradients="zero")
    np.testing.assert_array_equal(zero.numpy(), [0.0, 0.0])


def test_structure_of_sources_is_kept():
    a, b = Variable(1.0), Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y = a * b
    assert isinstance(tape.gradient(y, [a, b]), list)
    grads = tape.gradient(y, {"a": a, "b": b})
    assert float(grads["a"]) == 2.0 and float(grads["b"]) == 1.0
    assert isinstance(tape.gradient(y, a), Tensor)


def test_gradient_has_source_shape_after_broadcasting():
    w = Variable(np.ones((1, 3)))
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with GradientTape() as tape:
        y = ops.sum(x * w)
    g = tape.gradient(y, w)
    assert g.shape == (1, 3)
    np.testing.assert_allclose(g.numpy(), [[3.0, 5.0, 7.0]])


def test_non_persistent_tape_can_be_used_once():
    x = Variable(2.0)
    with GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can compute gradients only once"):
        tape.gradient(y, x)


def test_persistent_tape_can_be_used_many_times():
    x = Variable(2.0)
    with GradientTape(persistent=True) as tape:
        y = x * x
        z = y * y
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 32.0


def test_nested_tapes_give_second_derivatives():
    x = Variable(3.0)
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = x * x * x
        dy_dx = inner.gradient(y, x)
    d2y_dx2 = outer.gradient(dy_dx, x)
    assert float(dy_dx) == 27.0
    assert float(d2y_dx2) == 18.0


def test_second_derivative_of_nonlinear_ops():
    x = Tensor(np.array([0.3, -0.7]))
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(ops.tanh(x) * ops.exp(x))
        g = inner.gradient(y, x)
    h = outer.gradient(g, x)
    v = x.numpy()
    t, e = np.tanh(v), np.exp(v)
    # d/dx [ (1 - t^2) e + t e ] = -2 t (1 - t^2) e + (1 - t^2) e + (1 - t^2) e + t e
    expected = -2 * t * (1 - t ** 2) * e + 2 * (1 - t ** 2) * e + t * e
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-12)


def test_outer_tape_alone_sees_what_only_it_watches():
    x, y = Tensor(2.0), Tensor(5.0)
    with GradientTape() as outer:
        outer.watch(y)
        with GradientTape() as inner:
            inner.watch(x)
            z = x * y
        assert inner.gradient(z, y) is None  # inner never watched y
    assert float(outer.gradient(z, y)) == 2.0


def test_watch_accessed_variables_false():
    a, b = Variable(1.0), Variable(2.0)
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    assert tape.watched_variables() == (a,)
    grads = tape.gradient(y, [a, b])
    assert float(grads[0]) == 2.0 and grads[1] is None


def test_trainable_variables_are_watched_automatically_but_not_frozen_ones():
    a = Variable(1.0)
    frozen = Variable(2.0, trainable=False)
    with GradientTape() as tape:
        y = a * frozen
    assert tape.watched_variables() == (a,)
    assert tape.gradient(y, frozen) is None


def test_constants_are_not_watched():
    c = Tensor(4.0)
    with GradientTape() as tape:
        y = c * c
    assert tape.gradient(y, c) is None
    assert tape.operations == ()


def test_tape_that_records_nothing():
    x = Variable(1.0)
    with GradientTape() as tape:
        pass
    assert tape.gradient(x * 2.0, x) is None


def test_gradient_of_source_itself_is_ones():
    x = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
    np.testing.assert_array_equal(tape.gradient(x, x).numpy(), [1.0, 1.0])


def test_output_gradients_weight_the_target():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    with GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, 0.0, -6.0])


def test_non_scalar_target_is_summed():
    x = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        y = x * 3.0
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [3.0, 3.0])


def test_list_of_targets_adds_their_gradients():
    x = Variable(2.0)
    with GradientTape() as tape:
        y1, y2 = x * x, x * 3.0
    assert float(tape.gradient([y1, y2], x)) == 7.0


def test_output_gradients_with_wrong_shape_is_a_clear_error():
    x = Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        y = x * x
    with pytest.raises(ValueError, match=r"output_gradients must have the target's shape \(2,\), got shape \(3,\)"):
        tape.gradient(y, x, output_gradients=np.ones(3))


def test_watching_a_numpy_array_is_an_error():
    with GradientTape() as tape:
        with pytest.raises(TypeError, match="expects a minikeras Tensor or Variable, got ndarray"):
            tape.watch(np.ones(3))


def test_incompatible_shapes_are_a_clear_error():
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ: shapes \(2, 3\) and \(2, 3\)"):
        ops.matmul(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, -1\)"):
        ops.reshape(np.ones((2, 3)), (4, -1))
    with pytest.raises(ValueError, match=r"operands could not be broadcast|broadcast"):
        ops.add(Tensor(np.ones((2, 3))), Tensor(np.ones((4,))))


def test_stop_recording_and_reset():
    x = Variable(2.0)
    with GradientTape(persistent=True) as tape:
        with tape.stop_recording():
            y = x * x
        z = x * 3.0
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 3.0
    tape.reset()
    assert tape.operations == ()


def test_stop_gradient_blocks_the_gradient():
    x = Variable(2.0)
    with GradientTape() as tape:
        y = x * ops.stop_gradient(x)
    assert float(tape.gradient(y, x)) == 2.0


def test_integer_sources_get_no_gradient_and_integer_inputs_become_floatx():
    i = Tensor(np.array([1, 2, 3]))
    assert (i * 1.5).dtype == np.float32
    assert ops.exp(np.array([1, 2])).dtype == np.float32
    assert np.allclose((i / 2).numpy(), [0.5, 1.0, 1.5])  # no integer truncation


def test_default_dtype_is_floatx_and_float64_stays_float64():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(np.array([1.0])).dtype == np.float64
    assert (Tensor(np.array([1.0])) * 2.0).dtype == np.float64
    assert (Tensor([1.0]) * 2.0).dtype == np.float32
    assert (Tensor([1.0]) * np.float64(2.0)).dtype == np.float32  # numbers are "weak"
    K.set_floatx("float64")
    try:
        assert Tensor([1.0]).dtype == np.float64
    finally:
        K.set_floatx("float32")


def test_gradients_keep_the_source_dtype():
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    with GradientTape() as tape:
        y = ops.sum(x * np.array([2.0, 3.0]))  # a float64 constant promotes the product
    g = tape.gradient(y, x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), [2.0, 3.0])


def test_variable_assign_checks_shape():
    v = Variable(np.zeros((2, 2)), name="kernel")
    with pytest.raises(ValueError, match=r"cannot assign a value of shape \(3,\) to a variable of shape \(2, 2\)"):
        v.assign(np.zeros(3))


def test_top_level_aliases():
    assert minikeras.GradientTape is GradientTape
    assert minikeras.Tensor is Tensor and minikeras.Variable is Variable


def test_gradient_checker_handles_any_memory_layout():
    from minikeras.utils import check_gradients

    transposed = np.random.default_rng(0).random((2, 3)).T
    assert check_gradients(lambda t: t * t, [transposed]) < 1e-8
    assert check_gradients(lambda t: t * t, [Variable(transposed)]) < 1e-8


def test_gradient_checker_reports_a_wrong_rule():
    from minikeras.ops.base import Op
    from minikeras.utils import assert_gradients_close, check_gradients

    class WrongSquare(Op):
        def forward(self, x):
            return x * x

        def backward(self, grad):
            return grad * self.inputs[0]  # should be 2x

    x = np.array([0.5, 1.0, 1.5])
    assert check_gradients(WrongSquare.apply, [x]) > 0.4
    with pytest.raises(AssertionError, match="gradient of input 0 is off"):
        assert_gradients_close(WrongSquare.apply, [x])
