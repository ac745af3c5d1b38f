"""The tape listing (str(tape), tape.summary()) and the stepped backward pass."""
import numpy as np
import pytest

from minikeras import GradientTape, Tensor, Variable, layers, losses, models, ops


def small_cnn(seed=0):
    model = models.Sequential([
        layers.Conv2D(3, 3, padding="same", activation="relu", input_shape=(6, 6, 1)),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(4, activation="softmax"),
    ])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape) * 0.5 for w in model.get_weights()])
    return model


def cnn_step(persistent):
    """One forward pass of a small CNN and its loss, recorded on a tape."""
    model = small_cnn()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6, 6, 1)).astype("float32")
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 5)]
    with GradientTape(persistent=persistent) as tape:
        loss = ops.mean(losses.categorical_crossentropy(y, model(x)))
    return model, tape, loss


def accumulate(steps, target, upstream=None):
    """Add up what the steps send to each tensor, as the chain rule does."""
    grads = {id(target): upstream if upstream is not None else np.ones(target.shape)}
    for step in steps:
        for x, g in zip(step.op.inputs, step.input_grads):
            if g is not None:
                grads[id(x)] = grads.get(id(x), 0) + g.numpy()
    return grads


def test_listing_names_every_recorded_op_with_shapes_dtypes_and_watched_variables():
    model, tape, loss = cnn_step(persistent=True)
    text = str(tape)
    lines = text.splitlines()
    ops_recorded = tape.operations
    assert lines[0] == (f"GradientTape (persistent): {len(ops_recorded)} operations, "
                        "4 watched variables")
    body = lines[2:2 + len(ops_recorded)]
    for index, (op, line) in enumerate(zip(ops_recorded, body)):
        fields = line.split()
        assert fields[0] == str(index) and fields[1] == type(op).__name__, line
        assert f"t{index} {op.output.shape} {op.output.dtype}".replace(" ", "") in line.replace(" ", "")
    # The kernel of the convolution is watched and named, with its shape and dtype.
    conv_line = next(line for line in body if line.split()[1] == "Conv")
    assert "kernel* (3, 3, 1, 3) float32" in conv_line
    assert "bias_1* (4,) float32" in text and "kernel_1* (27, 4) float32" in text
    printed = []
    tape.summary(print_fn=printed.append)
    assert printed == lines


def test_listing_of_a_watched_tensor_and_of_an_emptied_tape():
    x = Tensor(np.ones((2, 3)))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.tanh(x))
    assert "x0\u00b0 (2, 3) float64" in str(tape)
    tape.gradient(y, x)
    assert "0 operations" in str(tape) and "released" in str(tape)
    assert "nothing recorded yet" in str(GradientTape())


def test_steps_accumulate_to_tape_gradient_on_a_small_cnn():
    model, tape, loss = cnn_step(persistent=True)
    variables = model.trainable_weights
    expected = tape.gradient(loss, variables)
    steps = list(tape.backward_steps(loss))
    assert [s.index for s in steps] == sorted((s.index for s in steps), reverse=True)
    grads = accumulate(steps, loss)
    for v, g in zip(variables, expected):
        np.testing.assert_allclose(grads[id(v)], g.numpy(), rtol=1e-6, atol=1e-7)
    # Each step's upstream is the gradient of that op's output, with its shape.
    for step in steps:
        assert step.upstream.shape == step.op.output.shape
        np.testing.assert_allclose(step.upstream.numpy(), grads[id(step.op.output)], rtol=1e-6)
    assert "Conv" in str(steps[-1]) or any("Conv" in str(s) for s in steps)


@pytest.mark.parametrize("graph", ["reuse", "branches", "broadcast", "unconnected"])
def test_steps_accumulate_to_tape_gradient_on_several_graphs(graph):
    rng = np.random.default_rng(3)
    a = Variable(rng.standard_normal((3, 4)), name="a")
    b = Variable(rng.standard_normal((4,)), name="b")
    c = Variable(rng.standard_normal((4, 2)), name="c")
    x = Tensor(rng.standard_normal((3, 4)))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        if graph == "reuse":           # a is used three times
            y = ops.sum(a * a * ops.tanh(a) + x)
        elif graph == "branches":      # two paths from x meet again
            h = ops.sigmoid(x @ c)
            y = ops.sum(h * ops.exp(x @ c)) + ops.sum(a)
        elif graph == "broadcast":     # b is broadcast over the rows
            y = ops.mean(ops.square(a + b) * x)
        else:                          # c never reaches the target
            y = ops.sum(a * x)
            unused = c * 2.0  # noqa: F841 (recorded, but not on the path to y)
    upstream = rng.standard_normal(y.shape)
    sources = [a, b, c, x]
    expected = tape.gradient(y, sources, output_gradients=upstream)
    for given in (None, sources):
        grads = accumulate(tape.backward_steps(y, given, output_gradients=upstream), y, upstream)
        for s, g in zip(sources, expected):
            if g is None:
                assert id(s) not in grads
            else:
                np.testing.assert_allclose(grads[id(s)], g.numpy(), rtol=1e-12)


def test_non_persistent_tape_is_consumed_by_backward_steps():
    a = Variable(2.0)
    with GradientTape() as tape:
        y = a * a * a
    steps = tape.backward_steps(y)  # marks the tape as used at once
    with pytest.raises(RuntimeError, match="only once"):
        tape.gradient(y, a)
    assert len(list(steps)) == 2
    assert tape.operations == ()  # released when the walk ended
    with GradientTape() as tape:
        y = a * a
    tape.gradient(y, a)
    with pytest.raises(RuntimeError, match="only once"):
        tape.backward_steps(y)


def test_backward_steps_rejects_non_tensor_sources():
    a = Variable(2.0)
    with GradientTape() as tape:
        y = a * a
    with pytest.raises(TypeError, match="backward_steps\\(\\) sources must be minikeras Tensors"):
        tape.backward_steps(y, [np.ones(2)])
