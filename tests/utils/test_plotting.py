"""The plotting helpers draw what they say: panels, titles, labels, the pictures' data, the cell counts."""
import os
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minikeras import layers  # noqa: E402
from minikeras.callbacks import History  # noqa: E402
from minikeras.models import Sequential  # noqa: E402
from minikeras.utils import plotting  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def image_panels(figure):
    return [ax for ax in figure.axes if ax.images]


# --- plot_history ----------------------------------------------------------------------

def test_history_draws_loss_then_each_metric_with_its_validation_curve(tmp_path):
    history = History()
    history.history = {"val_loss": [0.8, 0.6, 0.5], "val_acc": [0.7, 0.8, 0.85],
                       "loss": [1.0, 0.5, 0.3], "acc": [0.6, 0.8, 0.9]}
    figure = plotting.plot_history(history, to_file=tmp_path / "curves.png")
    assert isinstance(figure, matplotlib.figure.Figure)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "acc"]
    loss_axes, acc_axes = figure.axes
    assert [line.get_label() for line in loss_axes.lines] == ["training", "validation"]
    np.testing.assert_allclose(loss_axes.lines[0].get_ydata(), [1.0, 0.5, 0.3])
    np.testing.assert_allclose(loss_axes.lines[1].get_ydata(), [0.8, 0.6, 0.5])
    np.testing.assert_allclose(acc_axes.lines[1].get_xdata(), [1, 2, 3])
    assert acc_axes.get_xlabel() == "epoch"
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_history_takes_a_dict_a_metric_selection_and_a_curve_without_validation():
    figure = plotting.plot_history({"loss": [2.0, 1.0], "mae": [0.5, 0.4], "val_loss": [2.5, 1.5]},
                                   metrics=["mae"], title="run 1")
    assert [ax.get_title() for ax in figure.axes] == ["mae"]
    assert [line.get_label() for line in figure.axes[0].lines] == ["training"]
    assert figure._suptitle.get_text() == "run 1"


def test_history_from_a_real_fit():
    model = Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(np.random.rand(16, 4), np.arange(16) % 3, epochs=2, verbose=0,
                        validation_split=0.25)
    figure = plotting.plot_history(history)
    assert len(figure.axes) == 2 and figure.axes[0].get_title() == "loss"
    assert all(len(ax.lines) == 2 for ax in figure.axes)


def test_history_errors_name_what_is_there():
    with pytest.raises(ValueError, match=r"no \['acc'\].*it holds \['loss'\]"):
        plotting.plot_history({"loss": [1.0]}, metrics=["acc"])
    with pytest.raises(ValueError, match="History .* or a non-empty dict"):
        plotting.plot_history({})


# --- plot_filters ----------------------------------------------------------------------

def test_filters_draws_each_kernel_of_a_layer_on_one_symmetric_scale():
    layer = layers.Conv2D(6, (3, 3), input_shape=(8, 8, 1), name="edges")
    layer.build((None, 8, 8, 1))
    kernel = np.random.default_rng(0).standard_normal((3, 3, 1, 6)).astype("float32")
    layer.set_weights([kernel, np.zeros(6, "float32")])
    figure = plotting.plot_filters(layer, ncols=4)
    panels = image_panels(figure)
    assert [ax.get_title() for ax in panels] == ["0", "1", "2", "3", "4", "5"]
    for f, ax in enumerate(panels):
        np.testing.assert_array_equal(ax.images[0].get_array(), kernel[:, :, 0, f])
        assert ax.images[0].get_clim() == pytest.approx((-np.abs(kernel).max(), np.abs(kernel).max()))
    assert len(figure.axes) == 7  # six filters and the colour bar
    assert figure._suptitle.get_text() == "edges: 6 of 6 filters, 3x3 (input channel 0 of 1)"


def test_filters_of_an_array_limits_the_count_and_picks_a_channel():
    kernel = np.arange(5 * 5 * 2 * 40, dtype=float).reshape(5, 5, 2, 40)
    figure = plotting.plot_filters(kernel, channel=1, max_filters=10, ncols=5)
    panels = image_panels(figure)
    assert len(panels) == 10
    np.testing.assert_array_equal(panels[9].images[0].get_array(), kernel[:, :, 1, 9])
    assert "10 of 40 filters, 5x5 (input channel 1 of 2)" in figure._suptitle.get_text()


def test_filters_of_three_channels_are_drawn_in_colour():
    kernel = np.random.default_rng(1).standard_normal((3, 3, 3, 2))
    panels = image_panels(plotting.plot_filters(kernel))
    rgb = panels[1].images[0].get_array()
    assert rgb.shape == (3, 3, 3) and rgb.min() == 0.0 and rgb.max() == pytest.approx(1.0)


def test_filters_reject_what_is_not_a_2d_kernel():
    with pytest.raises(ValueError, match=r"shape \(KH, KW, C_in, filters\); received shape \(4, 3\)"):
        plotting.plot_filters(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"channel must be in \[0, 1\); received 2"):
        plotting.plot_filters(np.zeros((3, 3, 1, 2)), channel=2)
    with pytest.raises(ValueError, match="has no weights yet"):
        plotting.plot_filters(layers.Conv2D(2, 3))


# --- plot_feature_maps -----------------------------------------------------------------

def small_cnn():
    model = Sequential([
        layers.Conv2D(3, (3, 3), activation="relu", input_shape=(8, 8, 1), name="conv"),
        layers.MaxPooling2D((2, 2), name="pool"),
        layers.Flatten(name="flat"),
        layers.Dense(2, name="out"),
    ])
    return model


def test_feature_maps_of_a_model_run_its_4d_layers_on_the_image():
    model = small_cnn()
    image = np.random.default_rng(2).random((8, 8, 1)).astype("float32")
    figure = plotting.plot_feature_maps(model, image)
    panels = image_panels(figure)
    assert len(panels) == 1 + 3 + 3  # the input, then conv's and pool's three maps
    np.testing.assert_allclose(panels[0].images[0].get_array(), image[:, :, 0])
    conv = np.asarray(model.layers[0](image[None]))
    pooled = np.asarray(model.layers[1](conv))
    for c in range(3):
        np.testing.assert_allclose(panels[1 + c].images[0].get_array(), conv[0, :, :, c], rtol=1e-5)
        np.testing.assert_allclose(panels[4 + c].images[0].get_array(), pooled[0, :, :, c], rtol=1e-5)
    assert panels[1].get_ylabel() == "conv\n6x6x3" and panels[4].get_ylabel() == "pool\n3x3x3"
    assert [ax.get_title() for ax in panels[1:4]] == ["0", "1", "2"]


def test_feature_maps_of_named_layers_and_of_given_outputs():
    model = small_cnn()
    figure = plotting.plot_feature_maps(model, np.ones((1, 8, 8, 1)), layer_names=["pool"])
    assert [ax.get_ylabel() for ax in image_panels(figure)] == ["input\n8x8x1", "pool\n3x3x3", "", ""]
    maps = np.random.default_rng(3).random((1, 4, 5, 20))
    figure = plotting.plot_feature_maps({"a": maps}, max_maps=12, ncols=6)
    panels = image_panels(figure)
    assert len(panels) == 12
    assert panels[0].get_ylabel() == "a\n4x5x20\n(first 12)"
    np.testing.assert_array_equal(panels[11].images[0].get_array(), maps[0, :, :, 11])
    first = plotting.plot_feature_maps([np.moveaxis(maps, -1, 1)], data_format="channels_first")
    np.testing.assert_array_equal(image_panels(first)[5].images[0].get_array(), maps[0, :, :, 5])


def test_feature_maps_errors():
    model = small_cnn()
    with pytest.raises(ValueError, match=r"ONE image.*received shape \(2, 8, 8, 1\)"):
        plotting.plot_feature_maps(model, np.ones((2, 8, 8, 1)))
    with pytest.raises(ValueError, match="x \\(the image to run it on\\) is required"):
        plotting.plot_feature_maps(model)
    with pytest.raises(ValueError, match=r"no outputs named \['b'\]"):
        plotting.plot_feature_maps({"a": np.ones((2, 2, 1))}, layer_names=["b"])
    with pytest.raises(ValueError, match=r"output of 'output 0' must have shape .*received shape \(3, 4\)"):
        plotting.plot_feature_maps([np.ones((3, 4))])
    with pytest.raises(TypeError, match="expects a model, a dict"):
        plotting.plot_feature_maps("conv", np.ones((8, 8, 1)))


# --- plot_confusion_matrix -------------------------------------------------------------

def cell_texts(figure):
    ax = figure.axes[0]
    return {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    y_true = [0, 0, 1, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 2, 2, 2, 0]
    figure = plotting.plot_confusion_matrix(y_true, y_pred, class_names=["cat", "dog", "bird"])
    cells = cell_texts(figure)
    expected = [[1, 1, 0], [0, 2, 1], [1, 0, 3]]
    assert cells == {(i, j): str(expected[i][j]) for i in range(3) for j in range(3)}
    ax = figure.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "bird"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert ax.get_title() == "accuracy 66.7 % (6 of 9)"
    assert len(figure.axes) == 2  # the matrix and its colour bar


def test_confusion_matrix_normalized_rows_and_probability_inputs():
    y_true = np.eye(4)[[0, 1, 1, 3]]                               # one-hot
    y_pred = np.array([[.9, .1, 0, 0], [.2, .7, .1, 0], [0, .1, .8, .1], [0, 0, .4, .6]])
    figure = plotting.plot_confusion_matrix(y_true, y_pred, normalize=True)
    cells = cell_texts(figure)
    assert cells[(0, 0)] == "1.00" and cells[(1, 1)] == "0.50" and cells[(1, 2)] == "0.50"
    assert cells[(2, 2)] == "0.00"  # no true 2 at all: an empty row stays 0
    assert len(cells) == 16


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="y_true has 2 labels, y_pred has 3"):
        plotting.plot_confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="labels go up to 4 but class_names has only 2"):
        plotting.plot_confusion_matrix([0, 4], [0, 1], class_names=["a", "b"])
    with pytest.raises(ValueError, match=r"y_pred must be class labels of shape \(n,\)"):
        plotting.plot_confusion_matrix([0, 1], np.zeros((2, 2, 2)))


# --- plot_samples ----------------------------------------------------------------------

def test_samples_titles_give_prediction_and_truth_and_mark_the_wrong_ones(tmp_path):
    images = np.random.default_rng(4).random((5, 28, 28, 1))
    labels = [7, 2, 1, 0, 4]
    probabilities = np.full((5, 10), 0.02)
    probabilities[np.arange(5), [7, 2, 8, 0, 9]] = 0.82
    figure = plotting.plot_samples(images, labels, probabilities, ncols=3, to_file=tmp_path / "s.png")
    panels = image_panels(figure)
    assert len(panels) == 5
    titles = [ax.get_title() for ax in panels]
    assert titles[0] == "pred 7 (82%)\ntrue 7"
    assert titles[2] == "\u2717 pred 8 (82%)\ntrue 1"
    wrong = [ax.title.get_color() == "red" for ax in panels]
    assert wrong == [False, False, True, False, True]
    assert panels[4].spines["left"].get_edgecolor()[:3] == matplotlib.colors.to_rgb("red")
    np.testing.assert_array_equal(panels[3].images[0].get_array(), images[3, :, :, 0])
    assert figure._suptitle.get_text() == "2 of 5 wrong (in red)"
    assert os.path.getsize(tmp_path / "s.png") > 5000


def test_samples_with_labels_only_class_names_and_channels_first():
    images = np.zeros((3, 1, 6, 6))
    images[1, 0, 2, 3] = 1.0
    figure = plotting.plot_samples(images, labels=[0, 1, 1], class_names=["no", "yes"], max_images=2)
    panels = image_panels(figure)
    assert [ax.get_title() for ax in panels] == ["true no", "true yes"]
    np.testing.assert_array_equal(panels[1].images[0].get_array(), images[1, 0])
    assert figure._suptitle is None


def test_samples_errors():
    with pytest.raises(ValueError, match=r"\(n, H, W\).*received shape \(28, 28\)"):
        plotting.plot_samples(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        plotting.plot_samples(np.zeros((3, 4, 4)), labels=[1, 2])


# --- saving and importing --------------------------------------------------------------

def test_saving_is_atomic_and_needs_an_image_extension(tmp_path):
    target = tmp_path / "new" / "curves.svg"
    plotting.plot_history({"loss": [1.0, 0.5]}, to_file=target)
    assert target.read_text().lstrip().startswith("<?xml")
    assert os.listdir(tmp_path / "new") == ["curves.svg"]  # no temporary file left behind
    with pytest.raises(ValueError, match=r"image extension .*received '.*curves'"):
        plotting.plot_history({"loss": [1.0]}, to_file=tmp_path / "curves")


def test_minikeras_imports_without_matplotlib_and_the_helpers_say_how_to_get_it():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import minikeras\n"
        "from minikeras.utils import plotting\n"
        "try:\n"
        "    plotting.plot_samples([[[0.0]]])\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'pip install "minikeras[tutorials]"' in result.stdout
