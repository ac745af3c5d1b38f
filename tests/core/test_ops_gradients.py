"""Every core operation: the forward equals NumPy, the float64 gradient checks (< 1e-6).

Each case is (name, minikeras function, NumPy reference, input shapes). Inputs are drawn
away from kinks and ties (see ``_inputs``); broadcasting cases and an input used twice are
included.
"""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras import ops
from minikeras.tensor import Tensor
from minikeras.utils import assert_gradients_close

RNG_SEED = 1234


def _inputs(shapes, positive=False, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    arrays = []
    for position, shape in enumerate(shapes):
        # Distinct magnitudes in [0.5, 1.5] with random signs: no ties (also between
        # inputs: each is shifted by its own offset), no kinks at 0.
        size = int(np.prod(shape, dtype=np.int64))
        values = rng.permutation(np.linspace(0.5, 1.5, size) + 0.0137 * position) if size else np.zeros(0)
        if not positive:
            values = values * rng.choice([-1.0, 1.0], size)
        arrays.append(values.reshape(shape))
    return arrays


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name, minikeras fn, numpy fn, shapes, needs positive inputs
CASES = [
    ("add", ops.add, np.add, [(3, 4), (3, 4)], False),
    ("add_broadcast", ops.add, np.add, [(2, 3, 4), (4,)], False),
    ("add_broadcast_both", ops.add, np.add, [(2, 1, 4), (3, 1)], False),
    ("subtract", ops.subtract, np.subtract, [(3, 4), (1, 4)], False),
    ("multiply", ops.multiply, np.multiply, [(3, 4), (3, 1)], False),
    ("divide", ops.divide, np.divide, [(3, 4), (4,)], False),
    ("negative", ops.negative, np.negative, [(5,)], False),
    ("power", ops.power, np.power, [(3, 4), (3, 4)], True),
    ("power_scalar", lambda x: ops.power(x, 3.0), lambda x: x ** 3, [(3, 4)], False),
    ("square", ops.square, np.square, [(3, 4)], False),
    ("sqrt", ops.sqrt, np.sqrt, [(3, 4)], True),
    ("exp", ops.exp, np.exp, [(3, 4)], False),
    ("log", ops.log, np.log, [(3, 4)], True),
    ("abs", ops.abs, np.abs, [(3, 4)], False),
    ("maximum", ops.maximum, np.maximum, [(3, 4), (4,)], False),
    ("minimum", ops.minimum, np.minimum, [(3, 4), (3, 1)], False),
    ("clip", lambda x: ops.clip(x, -0.9, 1.1), lambda x: np.clip(x, -0.9, 1.1), [(4, 5)], False),
    ("where", lambda x, y: ops.where(np.arange(12).reshape(3, 4) % 3 == 0, x, y),
     lambda x, y: np.where(np.arange(12).reshape(3, 4) % 3 == 0, x, y), [(3, 4), (4,)], False),
    ("sum_all", ops.sum, np.sum, [(3, 4)], False),
    ("sum_axis", lambda x: ops.sum(x, axis=1), lambda x: x.sum(axis=1), [(2, 3, 4)], False),
    ("sum_keepdims", lambda x: ops.sum(x, axis=(0, 2), keepdims=True),
     lambda x: x.sum(axis=(0, 2), keepdims=True), [(2, 3, 4)], False),
    ("mean", lambda x: ops.mean(x, axis=-1), lambda x: x.mean(axis=-1), [(2, 3, 4)], False),
    ("max", lambda x: ops.max(x, axis=0), lambda x: x.max(axis=0), [(3, 4)], False),
    ("min_keepdims", lambda x: ops.min(x, axis=1, keepdims=True),
     lambda x: x.min(axis=1, keepdims=True), [(3, 4)], False),
    ("prod", lambda x: ops.prod(x, axis=1), lambda x: x.prod(axis=1), [(3, 4)], False),
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), lambda x: np.log(np.exp(x).sum(axis=1)), [(3, 4)], False),
    ("var", lambda x: ops.var(x, axis=0), lambda x: x.var(axis=0), [(5, 3)], False),
    ("std", lambda x: ops.std(x, axis=0), lambda x: x.std(axis=0), [(5, 3)], False),
    ("relu", ops.relu, lambda x: np.maximum(x, 0), [(3, 4)], False),
    ("relu_leaky_capped", lambda x: ops.relu(x, alpha=0.1, max_value=1.2, threshold=0.2),
     lambda x: np.where(x >= 1.2, 1.2, np.where(x > 0.2, x, 0.1 * (x - 0.2))), [(4, 5)], False),
    ("sigmoid", ops.sigmoid, _np_sigmoid, [(3, 4)], False),
    ("hard_sigmoid", ops.hard_sigmoid, lambda x: np.clip(0.2 * x + 0.5, 0, 1), [(3, 4)], False),
    ("tanh", ops.tanh, np.tanh, [(3, 4)], False),
    ("softmax", ops.softmax, _np_softmax, [(3, 4)], False),
    ("softmax_axis0", lambda x: ops.softmax(x, axis=0), lambda x: _np_softmax(x, 0), [(3, 4)], False),
    ("log_softmax", ops.log_softmax, lambda x: np.log(_np_softmax(x)), [(3, 4)], False),
    ("softplus", ops.softplus, lambda x: np.log1p(np.exp(x)), [(3, 4)], False),
    ("softsign", ops.softsign, lambda x: x / (1 + np.abs(x)), [(3, 4)], False),
    ("elu", lambda x: ops.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), [(3, 4)], False),
    ("selu", ops.selu, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
     [(3, 4)], False),
    ("reshape", lambda x: ops.reshape(x, (4, -1)), lambda x: x.reshape(4, -1), [(2, 3, 4)], False),
    ("transpose", lambda x: ops.transpose(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1), [(2, 3, 4)], False),
    ("expand_dims", lambda x: ops.expand_dims(x, 1), lambda x: x[:, None], [(3, 4)], False),
    ("squeeze", lambda x: ops.squeeze(x, 1), lambda x: x[:, 0], [(3, 1, 4)], False),
    ("concatenate", lambda x, y: ops.concatenate([x, y, x], axis=1),
     lambda x, y: np.concatenate([x, y, x], axis=1), [(2, 3), (2, 5)], False),
    ("stack", lambda x, y: ops.stack([x, y], axis=1), lambda x, y: np.stack([x, y], axis=1), [(2, 3), (2, 3)], False),
    ("slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [(3, 5)], False),
    ("int_index_repeated", lambda x: x[np.array([0, 2, 0, 0])], lambda x: x[np.array([0, 2, 0, 0])], [(3, 4)], False),
    ("bool_index", lambda x: x[np.array([True, False, True])], lambda x: x[np.array([True, False, True])], [(3, 4)], False),
    ("tile", lambda x: ops.tile(x, (2, 3)), lambda x: np.tile(x, (2, 3)), [(2, 3)], False),
    ("repeat", lambda x: ops.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), [(2, 3)], False),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)), [(3, 1)], False),
    ("matmul", ops.matmul, np.matmul, [(3, 4), (4, 5)], False),
    ("matmul_batched_broadcast", ops.matmul, np.matmul, [(2, 3, 4), (4, 5)], False),
    ("matmul_vector", ops.matmul, np.matmul, [(4,), (3, 4, 2)], False),
    ("matmul_operator", lambda a, b: a @ b, np.matmul, [(2, 3), (3,)], False),
    ("dot_nd", ops.dot, lambda x, y: np.tensordot(x, y, axes=([-1], [-2])), [(2, 3, 4), (5, 4, 6)], False),
    ("batch_dot", lambda x, y: ops.batch_dot(x, y, axes=(1, 2)),
     lambda x, y: np.einsum("bai,bka->bik", x, y), [(2, 5, 1), (2, 3, 5)], False),
    ("l2_normalize", lambda x: ops.l2_normalize(x, axis=1),
     lambda x: x / np.sqrt(np.maximum((x ** 2).sum(axis=1, keepdims=True), 1e-12)), [(3, 4)], False),
    ("used_twice", lambda x: x * x + ops.exp(x) * x, lambda x: x * x + np.exp(x) * x, [(3, 4)], False),
    ("operators", lambda x, y: (x - y) / (2.0 + y * y) - x ** 2, lambda x, y: (x - y) / (2.0 + y * y) - x ** 2,
     [(3, 4), (4,)], False),
]


@pytest.mark.parametrize("name,fn,reference,shapes,positive", CASES, ids=[c[0] for c in CASES])
def test_forward_equals_numpy(name, fn, reference, shapes, positive):
    arrays = _inputs(shapes, positive)
    got = fn(*[Tensor(a) for a in arrays])
    np.testing.assert_allclose(got.numpy(), reference(*arrays), rtol=1e-12, atol=1e-12)
    assert got.dtype == np.float64


@pytest.mark.parametrize("name,fn,reference,shapes,positive", CASES, ids=[c[0] for c in CASES])
def test_gradient_float64(name, fn, reference, shapes, positive):
    error = assert_gradients_close(fn, _inputs(shapes, positive), tol=1e-6)
    assert error < 1e-6


# The backend functions that the Lambda examples of the Keras core-layer reference use.
def antirectifier(x):
    x -= K.mean(x, axis=1, keepdims=True)
    x = K.l2_normalize(x, axis=1)
    pos = K.relu(x)
    neg = K.relu(-x)
    return K.concatenate([pos, neg], axis=1)


def hadamard_sum(a, b):
    out1 = a * b
    return K.sum(out1, axis=-1)


def test_antirectifier_gradient():
    (x,) = _inputs([(4, 6)])
    assert assert_gradients_close(antirectifier, [x]) < 1e-6
    assert antirectifier(Tensor(x)).shape == (4, 12)


def test_hadamard_product_sum_gradient():
    a, b = _inputs([(3, 5), (3, 5)])
    assert assert_gradients_close(hadamard_sum, [a, b]) < 1e-6


@pytest.mark.parametrize("fn", [K.square, K.exp, K.abs, K.tanh, K.sigmoid, lambda x: K.softmax(x),
                                lambda x: K.max(x, axis=1), lambda x: K.min(x, axis=0),
                                lambda x: K.pow(K.abs(x), 1.5), lambda x: K.clip(x, -1.0, 1.0),
                                lambda x: K.sqrt(K.abs(x)), lambda x: K.log(K.abs(x)),
                                lambda x: K.permute_dimensions(K.reshape(x, (2, 2, 3)), (2, 0, 1)),
                                lambda x: K.squeeze(K.expand_dims(x, 0), 0), K.transpose,
                                lambda x: K.stack([x, x * 2], axis=-1), lambda x: K.maximum(x, 0.3 * x),
                                lambda x: K.minimum(x, 0.3 * x), lambda x: K.dot(x, K.transpose(x)),
                                lambda x: K.batch_dot(x, x, axes=1)])
def test_backend_functions_gradient(fn):
    (x,) = _inputs([(4, 3)])
    assert assert_gradients_close(fn, [x]) < 1e-6


def test_stable_for_large_inputs():
    x = np.array([-100.0, -30.0, 0.0, 30.0, 100.0], dtype=np.float32)
    for fn in (ops.sigmoid, ops.softplus, ops.log_softmax, ops.softmax, ops.tanh, ops.elu):
        from minikeras import GradientTape

        t = Tensor(x)
        with GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        grad = tape.gradient(y, t, output_gradients=Tensor(np.linspace(-1, 1, 5).astype(np.float32)))
        assert np.all(np.isfinite(y.numpy())), fn.__name__
        assert np.all(np.isfinite(grad.numpy())), fn.__name__
    ce = K.categorical_crossentropy(np.eye(5, dtype=np.float32)[:1], Tensor(x[None]), from_logits=True)
    assert np.isfinite(ce.numpy()).all() and abs(float(ce.numpy()[0]) - 200.0) < 1e-3
    bce = K.binary_crossentropy(np.array([1.0, 0.0, 1.0, 0.0, 1.0]), Tensor(x), from_logits=True)
    np.testing.assert_allclose(bce.numpy(), [100.0, 0.0, np.log(2), 30.0, 0.0], atol=1e-4)


def test_max_splits_gradient_between_ties():
    from minikeras import GradientTape

    x = Tensor(np.array([1.0, 3.0, 3.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.max(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.5, 0.5, 0.0])
