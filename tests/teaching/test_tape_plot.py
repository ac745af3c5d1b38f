"""plot_tape renders headless, draws what the tape recorded and says what it left out."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from minikeras import GradientTape, Tensor, Variable, ops  # noqa: E402
from minikeras.inspect import plot_tape  # noqa: E402

from test_tape_view import cnn_step  # noqa: E402


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_small_cnn_step_is_drawn_with_ops_shapes_and_watched_variables(tmp_path):
    model, tape, loss = cnn_step(persistent=True)
    path = tmp_path / "tape.png"
    fig = plot_tape(tape, loss, to_file=path)
    assert path.stat().st_size > 10_000
    drawn = texts(fig)
    for index, op in enumerate(tape.operations[:-1]):
        assert f"{type(op).__name__}  #{index}" in drawn
        assert str(op.output.shape) in drawn  # on the arrow that carries it
    last = len(tape.operations) - 1  # the loss' mean is the last recorded operation
    assert f"Mean  #{last}\ntarget () float32" in drawn
    assert "kernel*\n(3, 3, 1, 3) float32" in drawn and "bias_1*\n(4,) float32" in drawn
    assert not any("left out" in t for t in drawn)
    plt.close(fig)


def test_figure_says_when_it_left_operations_out():
    model, tape, loss = cnn_step(persistent=True)
    fig = plot_tape(tape, loss, max_ops=6)
    drawn = texts(fig)
    ops_drawn = [t for t in drawn if "  #" in t]
    last = len(tape.operations) - 1
    assert len(ops_drawn) == 6 and f"Mean  #{last}\ntarget () float32" in ops_drawn
    assert any(f"{last + 1 - 6} earlier operations left out (max_ops=6)" in t for t in drawn)
    assert any(t.startswith("(left out) t") for t in drawn)
    plt.close(fig)


def test_only_what_leads_to_the_target_is_drawn():
    a = Variable(np.ones(3), name="a")
    x = Tensor(np.arange(3.0))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(a * x)
        ops.exp(a)  # recorded, but y does not depend on it
    fig = plot_tape(tape, y)
    drawn = texts(fig)
    assert "Exp  #2" not in drawn and "Multiply  #0" in drawn
    assert any("1 recorded operation does not lead to the target" in t for t in drawn)
    assert "x0\n(3,) float64" in drawn
    plt.close(fig)
    tape.gradient(y, a)
    with pytest.raises(ValueError, match="plot_tape: the tape holds no operation that leads to the target"):
        plot_tape(tape, y)
