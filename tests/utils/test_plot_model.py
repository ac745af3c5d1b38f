"""plot_model: what it drew (boxes, their texts, arrows) for three kinds of model, and its errors."""
import os
from collections import Counter

import pytest

pytest.importorskip("matplotlib")
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

from minikeras import layers  # noqa: E402
from minikeras.layers import Dense, Input  # noqa: E402
from minikeras.models import Model, Sequential  # noqa: E402
from minikeras.utils import plot_model  # noqa: E402
from minikeras.utils.vis_utils import plot_model as vis_plot_model  # noqa: E402


def drawn(figure):
    """{'boxes': {gid: text}, 'arrows': Counter of gids, 'frames': [gids]} of a drawing."""
    axes = figure.axes[0]
    texts = {t.get_gid(): t.get_text() for t in axes.texts}
    boxes = {p.get_gid()[6:]: texts[p.get_gid() + ":text"] for p in axes.patches if isinstance(p, FancyBboxPatch)}
    arrows = Counter(p.get_gid()[5:] for p in axes.patches if isinstance(p, FancyArrowPatch))
    frames = [p.get_gid() for p in axes.patches if isinstance(p, Rectangle)]
    return boxes, arrows, frames


def branched_model():
    left, right = Input(shape=(8,), name="left"), Input(shape=(8,), name="right")
    shared = Dense(4, name="shared")
    a, b = shared(left), shared(right)
    difference = layers.Lambda(lambda t: t[0] - t[1], name="difference")([a, b])
    score = Dense(1, name="score")(difference)
    classes = Dense(3, name="classes")(a)
    return Model([left, right], [score, classes])


def test_sequential_boxes_texts_and_arrows(tmp_path):
    model = Sequential([Dense(16, activation="relu", input_shape=(784,), name="hidden"),
                        layers.Dropout(0.2, name="drop"), Dense(10, name="out")])
    path = tmp_path / "sequential.png"
    figure = plot_model(model, to_file=str(path), show_shapes=True)
    boxes, arrows, frames = drawn(figure)
    assert set(boxes) == {"hidden_input", "hidden", "drop", "out"}
    assert boxes["hidden"].splitlines()[0] == "hidden: Dense"
    assert "input: (None, 784)" in boxes["hidden"] and "output: (None, 16)" in boxes["hidden"]
    assert boxes["hidden_input"].splitlines()[0] == "hidden_input: InputLayer"
    assert arrows == Counter({"hidden_input->hidden": 1, "hidden->drop": 1, "drop->out": 1})
    assert frames == []
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Top to bottom: each layer below the one before it.
    centres = {p.get_gid()[6:]: p.get_y() for p in figure.axes[0].patches if isinstance(p, FancyBboxPatch)}
    assert centres["hidden_input"] > centres["hidden"] > centres["drop"] > centres["out"]


def test_branched_model_with_shared_layer_two_inputs_two_outputs(tmp_path):
    model = branched_model()
    figure = plot_model(model, to_file=str(tmp_path / "branched.svg"), show_shapes=True, rankdir="LR")
    boxes, arrows, _ = drawn(figure)
    assert set(boxes) == {"left", "right", "shared", "difference", "score", "classes"}  # shared drawn once
    assert arrows == Counter({"left->shared": 1, "right->shared": 1, "shared->difference": 2,
                              "difference->score": 1, "shared->classes": 1})
    assert "input: [(None, 4), (None, 4)]" in boxes["difference"]
    assert "input: (None, 8)" in boxes["shared"] and "output: (None, 4)" in boxes["shared"]
    assert (tmp_path / "branched.svg").read_text().lstrip().startswith("<?xml")
    # Left to right: the inputs left of the shared layer, the outputs right of it.
    x = {p.get_gid()[6:]: p.get_x() for p in figure.axes[0].patches if isinstance(p, FancyBboxPatch)}
    assert x["left"] < x["shared"] < x["difference"] < x["score"] and x["shared"] < x["classes"]


def test_shared_layer_with_different_shapes_says_multiple_and_names_can_be_hidden():
    layer = layers.Flatten(name="flat")
    a, b = Input(shape=(2, 3)), Input(shape=(4, 5))
    model = Model([a, b], [layer(a), layer(b)])
    boxes, _, _ = drawn(plot_model(model, to_file=None, show_shapes=True, show_layer_names=False))
    assert "Flatten\n" in boxes["flat"] and "input: multiple" in boxes["flat"]
    assert "output: multiple" in boxes["flat"] and "flat" not in boxes["flat"]


def nested_model():
    inner_input = Input(shape=(8,), name="inner_input")
    hidden = Dense(6, name="inner_hidden")(inner_input)
    encoder = Model(inner_input, Dense(4, name="inner_out")(hidden), name="encoder")
    x = Input(shape=(8,), name="x")
    return Model(x, Dense(2, name="head")(encoder(x)))


def test_nested_model_as_one_box_or_expanded(tmp_path):
    model = nested_model()
    boxes, arrows, frames = drawn(plot_model(model, to_file=None, show_shapes=True))
    assert set(boxes) == {"x", "encoder", "head"} and frames == []
    assert boxes["encoder"].splitlines()[0] == "encoder: Model"
    assert arrows == Counter({"x->encoder": 1, "encoder->head": 1})

    figure = plot_model(model, to_file=str(tmp_path / "nested.pdf"), expand_nested=True)
    boxes, arrows, frames = drawn(figure)
    assert set(boxes) == {"x", "encoder/inner_input", "encoder/inner_hidden", "encoder/inner_out", "head"}
    assert arrows == Counter({"x->encoder/inner_input": 1, "encoder/inner_input->encoder/inner_hidden": 1,
                              "encoder/inner_hidden->encoder/inner_out": 1, "encoder/inner_out->head": 1})
    assert frames == ["model:encoder"]
    frame = next(p for p in figure.axes[0].patches if isinstance(p, Rectangle))
    inner = [p for p in figure.axes[0].patches if isinstance(p, FancyBboxPatch) and "encoder/" in p.get_gid()]
    for box in inner:  # the frame surrounds the nested layers
        assert frame.get_x() <= box.get_x() and box.get_x() + box.get_width() <= frame.get_x() + frame.get_width()
    assert (tmp_path / "nested.pdf").read_bytes()[:4] == b"%PDF"


def test_crossings_are_reduced():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    # Listed so that the naive order would cross: b's branch first in the model's list.
    from_b, from_a = Dense(1, name="from_b")(b), Dense(1, name="from_a")(a)
    model = Model([a, b], [from_b, from_a])
    figure = plot_model(model, to_file=None)
    x = {p.get_gid()[6:]: p.get_x() for p in figure.axes[0].patches if isinstance(p, FancyBboxPatch)}
    assert (x["a"] < x["b"]) == (x["from_a"] < x["from_b"])


def test_errors_before_drawing(tmp_path):
    model = nested_model()
    missing = tmp_path / "no_such_folder" / "model.png"
    with pytest.raises(ValueError, match="plot_model: cannot write .*the folder .*no_such_folder' does not exist"):
        plot_model(model, to_file=str(missing))
    assert not missing.parent.exists()
    with pytest.raises(ValueError, match=r"plot_model: cannot tell the picture format .*received \.txt"):
        plot_model(model, to_file=str(tmp_path / "model.txt"))
    with pytest.raises(ValueError, match="rankdir must be 'TB' or 'LR'; received 'BT'"):
        plot_model(model, to_file=None, rankdir="BT")
    with pytest.raises(ValueError, match="is not built yet"):
        plot_model(Sequential([Dense(2)]), to_file=None)
    assert os.listdir(tmp_path) == []


def test_written_atomically_and_same_function_at_keras_path(tmp_path):
    path = tmp_path / "model.png"
    path.write_bytes(b"old")
    vis_plot_model(branched_model(), to_file=str(path), dpi=50)
    assert path.read_bytes()[:4] == b"\x89PNG" and sorted(os.listdir(tmp_path)) == ["model.png"]
    assert vis_plot_model is plot_model and path.stat().st_size > 1000
