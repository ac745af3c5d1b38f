"""Keras 3's ``keras.ops`` names: values and gradients against Keras 3 (JAX) fixtures made by
``tests/fixtures/make_ops_fixtures.py``, float64 finite-difference checks, symbolic tensors,
and errors."""
import json
import pathlib

import numpy as np
import pytest

import minikeras
from minikeras import GradientTape, ops
from minikeras.utils import check_gradients

FIXTURES = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "ops_keras3.npz")
CASES = sorted({key.split("/")[0] for key in FIXTURES.files})


def spec_of(label):
    spec = json.loads(str(FIXTURES[f"{label}/spec"]))
    spec["prefix"] = [tuple(p) if isinstance(p, list) else p for p in spec["prefix"]]
    return spec, [FIXTURES[f"{label}/input{i}"] for i in range(spec["inputs"])]


def call(spec, inputs):
    fn = getattr(ops, spec["name"])
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["kwargs"].items()}
    out = fn(*spec["prefix"], list(inputs), **kwargs) if spec["packed"] else fn(*spec["prefix"], *inputs, **kwargs)
    return out[spec["pick"]] if spec["pick"] is not None else out


@pytest.mark.parametrize("label", CASES)
def test_op_matches_keras3_value_and_gradient(label):
    spec, inputs = spec_of(label)
    expected = FIXTURES[f"{label}/output"]
    where = [i for i, g in enumerate(spec["grad"]) if g]
    has_grad = f"{label}/upstream" in FIXTURES.files
    variables = [minikeras.Variable(x) if i in where and has_grad else x for i, x in enumerate(inputs)]
    with GradientTape() as tape:
        out = call(spec, variables)
    actual = np.asarray(out.numpy() if hasattr(out, "numpy") else out)
    assert actual.shape == expected.shape, f"{label}: shape {actual.shape}, Keras {expected.shape}"
    if np.issubdtype(expected.dtype, np.floating):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6, err_msg=f"{label}: value")
    else:
        np.testing.assert_array_equal(actual.astype(expected.dtype), expected, err_msg=f"{label}: value")
    if has_grad:
        grads = tape.gradient(out, [variables[i] for i in where], output_gradients=FIXTURES[f"{label}/upstream"])
        for i, g in zip(where, grads):
            np.testing.assert_allclose(g.numpy(), FIXTURES[f"{label}/grad{i}"], rtol=1e-4, atol=1e-5,
                                       err_msg=f"{label}: gradient of input {i} (minikeras vs Keras 3)")


@pytest.mark.parametrize("label", [c for c in CASES if f"{c}/upstream" in FIXTURES.files])
def test_op_gradient_matches_finite_differences_in_float64(label):
    spec, inputs = spec_of(label)
    where = [i for i, g in enumerate(spec["grad"]) if g]

    def f(*diff):
        full = [x.astype(np.float64) if np.issubdtype(x.dtype, np.floating) else x for x in inputs]
        for i, d in zip(where, diff):
            full[i] = d
        return call(spec, full)

    # Keep inputs off kinks: |x| > 0.05 for abs/relu/clip edges (the fixtures' draws are).
    error = check_gradients(f, [inputs[i].astype(np.float64) for i in where])
    assert error < 1e-6, f"{label}: finite-difference error {error}"


def test_every_op_the_issue_names_exists_and_has_a_keras_fixture():
    named = ("array convert_to_tensor shape zeros ones eye arange full one_hot equal not_equal greater less "
             "logical_and logical_or logical_not sum mean max min prod std var argmax argsort top_k cumsum abs "
             "exp log sqrt square power matmul dot einsum reshape transpose expand_dims squeeze concatenate "
             "stack split take where clip cast relu sigmoid softmax log_softmax binary_crossentropy "
             "categorical_crossentropy sparse_categorical_crossentropy").split()
    covered = {spec_of(label)[0]["name"] for label in CASES}
    assert set(named) <= covered
    assert all(callable(getattr(ops, name)) for name in named)


def test_ops_on_symbolic_tensors_build_a_model():
    x = minikeras.Input(shape=(4,))
    probabilities = ops.softmax(ops.matmul(x, np.eye(4, 3, dtype=np.float32)))
    picked = ops.take(probabilities, [2, 0], axis=1)
    mask = ops.cast(ops.greater(x, 0.0), "float32")
    running = ops.cumsum(ops.where(ops.greater(x, 0.0), x, 0.0), axis=1)
    first, second = ops.split(x, 2, axis=1)
    pair = ops.einsum("bi,bi->b", first, second)
    assert ops.shape(x) == (None, 4) and ops.shape(running) == (None, 4)
    model = minikeras.Model(x, [picked, mask, running, pair])
    data = np.array([[1.0, -2.0, 3.0, 0.5]], dtype=np.float32)
    p, m, r, e = model.predict(data)
    z = data @ np.eye(4, 3)
    s = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(p, s[:, [2, 0]], rtol=1e-6)
    np.testing.assert_array_equal(m, [[1, 0, 1, 1]])
    np.testing.assert_allclose(r, [[1.0, 1.0, 4.0, 4.5]])
    np.testing.assert_allclose(e, [1.0 * 3.0 + -2.0 * 0.5])


def test_ops_errors_name_the_function_and_the_shapes():
    with pytest.raises(ValueError, match=r"greater: the shapes \(3, 4\) and \(3,\) do not broadcast together"):
        ops.greater(np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"add: the shapes \(3, 4\) and \(3,\) do not broadcast together"):
        ops.add(np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"multiply: the shapes \(2, 3\) and \(2,\) do not broadcast together"):
        minikeras.Tensor(np.zeros((2, 3))) * np.zeros(2)
    with pytest.raises(ValueError, match=r"einsum: operand 'ij' of 'ij,jk->ik' needs rank 2; received shape \(3,\)"):
        ops.einsum("ij,jk->ik", np.zeros(3), np.zeros((3, 2)))
    with pytest.raises(NotImplementedError, match="einsum: '...'"):
        ops.einsum("...i,i->...", np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"take: indices must be in \[-4, 4\)"):
        ops.take(np.zeros((2, 4)), [4], axis=1)
    with pytest.raises(ValueError, match=r"top_k: k must be in \[1, 3\]"):
        ops.top_k(np.zeros((2, 3)), 4)
    with pytest.raises(ValueError, match="split: an axis of length 5 cannot be cut into 2 equal sections"):
        ops.split(np.zeros((2, 5)), 2, axis=1)
    with pytest.raises(ValueError, match="one_hot: num_classes must be a positive integer; received 0"):
        ops.one_hot([1], 0)
    with pytest.raises(TypeError, match="reshape: received both newshape and shape"):
        ops.reshape(np.zeros(4), newshape=(2, 2), shape=(4,))


def test_keras2_names_keep_working():
    # Today's spellings beside Keras 3's.
    assert ops.transpose(np.zeros((2, 3)), perm=(1, 0)).shape == (3, 2)
    assert ops.clip(np.array([3.0]), min_value=0.0, max_value=1.0).numpy()[0] == 1.0
    assert ops.reshape(np.zeros(6), shape=(2, 3)).shape == (2, 3)
    assert ops.argmax(np.array([[0.0, 1.0], [1.0, 0.0]])).numpy().tolist() == [1, 0]  # last axis by default
    import importlib
    assert callable(importlib.import_module("minikeras.ops.shape").reshape)  # the module stays importable


def test_normalize_is_keras3s_norm_division_along_the_last_axis():
    # The example of Keras 3's ops.normalize docstring.
    x = np.array([[1, 2, 3], [4, 5, 6]], "float32")
    np.testing.assert_allclose(ops.normalize(x).numpy(),
                               [[0.26726124, 0.5345225, 0.8017837], [0.45584232, 0.5698029, 0.68376344]], rtol=1e-6)
    np.testing.assert_allclose(ops.normalize(x, axis=None).numpy(), x / np.linalg.norm(x), rtol=1e-6)
    np.testing.assert_allclose(ops.normalize(x, axis=0, order=1).numpy(), x / x.sum(axis=0), rtol=1e-6)
    assert np.all(ops.normalize(np.zeros((2, 3), "float32")).numpy() == 0)  # the epsilon floor
    rng = np.random.default_rng(0)
    assert check_gradients(lambda t: ops.normalize(t) * np.arange(4.0), [rng.standard_normal((3, 4))]) < 1e-6
    assert check_gradients(lambda t: ops.normalize(t, axis=(1, 2), order=3), [rng.standard_normal((2, 3, 2))]) < 1e-6
    with pytest.raises(ValueError, match="order"):
        ops.normalize(x, order=0)
