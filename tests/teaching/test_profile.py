"""minikeras.utils.profile and fit(..., profile=True)."""
import numpy as np
import pytest

from minikeras import layers, models, utils
from minikeras.inspect import profile as profile_module


def small_cnn():
    model = models.Sequential([
        layers.Conv2D(4, 3, activation="relu", input_shape=(28, 28, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def covered(report):
    """The share of a typical step that the rows account for.

    The model reads MNIST-sized images: on a toy input (10x10) a step takes 2-3 ms and the
    tape's own bookkeeping between the timed rows (about 0.4 ms) is already over 10 % of it.
    On MNIST-sized images a step of this model takes about 15 ms since the convolutions run
    as compiled pipelines, so the rows must account for 80 % of it.

    Rows and steps are timed in the same steps, so only the bookkeeping between rows is
    left out; the median over the steps ignores one step that the machine interrupted
    in between (a busy machine can stop this process for tens of milliseconds anywhere).
    """
    return float(np.median([rows / step for step, rows in report.per_step]))


def data(n=32):
    rng = np.random.default_rng(0)
    return rng.random((n, 28, 28, 1)).astype("float32"), rng.integers(0, 3, n)


def test_per_layer_times_add_up_to_the_measured_steps():
    model = small_cnn()
    x, y = data()
    report = utils.profile(model, x, y, batch_size=32, steps=5, print_fn=None)
    assert report.steps == 5 and len(report.per_step) == 5
    assert [row.name for row in report.rows] == [l.name for l in model.layers] + ["loss", "metrics", "optimizer"]
    assert report.accounted <= report.step_time
    assert abs(sum(rows for _, rows in report.per_step) - report.accounted) < 1e-9
    assert covered(report) >= 0.8, str(report)
    conv, dense = report.rows[0], report.rows[5]
    assert conv.forward > 0 and conv.backward > 0 and dense.backward > 0
    assert conv.flops == 2 * 32 * 26 * 26 * 9 * 1 * 4
    assert report.rows[1].flops == 2 * 32 * 26 * 26 * 9 * 4 * 16
    assert dense.flops == 2 * 32 * 13 * 13 * 16 * 3
    text = str(report)
    assert text.startswith("Profile of 5 training steps:") and "GFLOP/s" in text
    assert "conv2d" in text and "unaccounted" in text and "matmul" in text


def test_fit_with_profile_reports_the_first_epoch(capsys):
    model = small_cnn()
    x, y = data(80)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, profile=True)
    report = model.profile_report
    assert report.steps == 5  # the first epoch's batches only
    assert covered(report) >= 0.8, str(report)
    assert "Profile of 5 training steps" in capsys.readouterr().out
    # The instrumentation is gone afterwards.
    assert type(model.layers[0]) is layers.Conv2D and "_train_step" not in vars(model)


def test_flops_of_the_convolution_families():
    shape = (2, 8, 8, 3)
    assert profile_module.layer_flops(layers.Conv2D(5, 3, padding="same"), shape, (2, 8, 8, 5)) == 2 * 2 * 64 * 9 * 3 * 5
    assert profile_module.layer_flops(layers.DepthwiseConv2D(3, depth_multiplier=2), shape,
                                      (2, 6, 6, 6)) == 2 * 2 * 36 * 9 * 3 * 2
    assert profile_module.layer_flops(layers.SeparableConv2D(4, 3), shape, (2, 6, 6, 4)) == \
        2 * 2 * 36 * 9 * 3 + 2 * 2 * 36 * 3 * 4
    assert profile_module.layer_flops(layers.Conv2DTranspose(4, 3, strides=2), shape,
                                      (2, 17, 17, 4)) == 2 * 2 * 64 * 9 * 3 * 4
    assert profile_module.layer_flops(layers.Flatten(), shape, (2, 192)) is None
    assert profile_module.matmul_gflops() > 0


def test_profile_needs_a_compiled_model_and_positive_steps():
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(RuntimeError, match="must be compiled first"):
        utils.profile(model, np.ones((4, 3)), np.ones((4, 2)))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="`steps` must be a positive int, received 0"):
        utils.profile(model, np.ones((4, 3)), np.ones((4, 2)), steps=0)
