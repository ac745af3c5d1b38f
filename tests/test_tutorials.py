"""Every lesson runs end to end in its quick mode, as a student would run it, and teaches what it says.

Each lesson runs in a subprocess from a temporary folder, with ``--quick`` and
``--figures-dir`` pointing at another temporary folder, and the repository on PYTHONPATH.
MNIST comes from ``MINIKERAS_DATASETS_ORIGIN`` (tests/conftest.py sets it; the subprocess
inherits it), never from the internet.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS = os.path.join(ROOT, "tutorials")
PNG = b"\x89PNG\r\n\x1a\n"

needs_mnist = pytest.mark.skipif(
    not os.environ.get("MINIKERAS_DATASETS_ORIGIN"),
    reason="MINIKERAS_DATASETS_ORIGIN is not set: no local MNIST, and the tests never download",
)


def run_lesson(file_name, tmp_path, *extra, env=None):
    """Run one lesson's quick mode; return its standard output and its figures folder."""
    figures, work = tmp_path / "figures", tmp_path / "cwd"
    work.mkdir()
    environment = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                       MPLBACKEND="Agg", **(env or {}))
    command = [sys.executable, os.path.join(TUTORIALS, file_name), "--figures-dir", str(figures), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=environment,
                            cwd=str(work))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout, figures


def assert_figures(out, figures, names):
    """The lesson saved exactly these PNG files and ended by printing their folder."""
    assert sorted(os.listdir(figures)) == sorted(names), out
    for name in names:
        data = (figures / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000, name
    assert out.rstrip().splitlines()[-1] == f"Figures ({len(names)}): {figures}", out[-500:]


def test_every_lesson_is_tested_here():
    lessons = sorted(f for f in os.listdir(TUTORIALS) if re.match(r"\d\d_.*\.py$", f))
    with open(__file__, encoding="utf-8") as f:
        source = f.read()
    assert lessons, "no lesson found"
    assert [name for name in lessons if f'"{name}"' not in source] == []


def test_every_lesson_is_a_percent_format_notebook():
    for name in sorted(f for f in os.listdir(TUTORIALS) if re.match(r"\d\d_.*\.py$", f)):
        with open(os.path.join(TUTORIALS, name), encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert lines[0] == "# %% [markdown]", name
        assert lines.count("# %%") >= 3 and lines.count("# %% [markdown]") >= 3, name


@needs_mnist
def test_lesson_3_mnist_cnn_quick(tmp_path):
    out, figures = run_lesson("03_mnist_cnn.py", tmp_path, "--quick")
    assert "2000 train samples, 1000 test samples" in out
    # The progress of the epoch (one line per epoch when the output is not a terminal).
    assert re.search(r" - \d+s - loss: \d\.\d{4} - acc(uracy)?: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc(uracy)?: \d\.\d{4}", out), out
    accuracy = float(re.search(r"Test accuracy: (\d\.\d+)", out).group(1))
    # Chance is 0.1; one epoch on 2000 images reaches about 0.78 with Adam.
    assert accuracy > 0.6, out
    lines = out.rstrip().splitlines()
    assert lines[-2].startswith(f"Test accuracy: {accuracy:.4f} ("), lines[-2]
    misread = int(re.search(r"(\d+) of 1000 test digits misread", out).group(1))
    assert misread == round(1000 * (1 - accuracy))
    assert_figures(out, figures, ["training_digits.png", "learning_curves.png", "filters.png",
                                  "feature_maps.png", "confusion_matrix.png", "misclassified.png"])


def test_lesson_1_tensors_and_the_tape_quick_through_the_environment(tmp_path):
    # MINIKERAS_QUICK=1 is the other way to ask for the quick mode (for notebooks).
    out, figures = run_lesson("01_tensors_and_the_tape.py", tmp_path, env={"MINIKERAS_QUICK": "1"})
    assert "The tape holds 5 operations:" in out
    assert "  2: v2 = Tanh(v1=1) = 0.761594" in out
    by_hand = re.search(r"dloss/dw: by hand (-?\d\.\d+), from the tape (-?\d\.\d+)", out)
    assert by_hand and by_hand.group(1) == by_hand.group(2), out
    assert "dloss/dx without watching x: None" in out
    assert float(re.search(r"worst relative error (\S+)", out).group(1)) < 1e-6
    assert float(re.search(r"WrongCube: relative error (\S+)", out).group(1)) > 0.1
    # The teaching tools: print(tape) names every op and marks the watched variables,
    # backward_steps' sum equals tape.gradient, plot_tape writes the graph.
    assert "GradientTape (persistent): 5 operations, 2 watched variables" in out
    for op in ["Multiply   w* () float64", "Add", "Tanh", "Subtract", "Power"]:
        assert op in out, op
    sent = re.search(r"backward_steps send (-?\d\.\d+) to w; tape.gradient says (-?\d\.\d+)", out)
    assert sent and sent.group(1) == sent.group(2) == by_hand.group(2), out
    assert "step for op 0: t0 = Multiply(w, const)" in out
    step_tape = out[out.index("GradientTape (persistent): 13 operations, 4 watched variables"):]
    for op in ["MatMul", "BiasActivation", "Softmax", "Log", "Mean", "kernel*", "bias_1*"]:
        assert op in step_tape, op
    assert float(re.search(r"4 weights: backward_steps and tape.gradient differ by at most (\S+)", out).group(1)) < 1e-6
    assert "weights: kernel (4, 5) + bias (5,) = 25 parameters" in out  # summary(explain=True)
    assert_figures(out, figures, ["derivative.png", "finite_differences.png", "neuron_tape.png",
                                  "training_step_tape.png"])


@needs_mnist
def test_lesson_2_dense_mnist_quick(tmp_path):
    out, figures = run_lesson("02_dense_mnist.py", tmp_path, "--quick")
    assert "2000 training images of shape (28, 28), 1000 test images" in out
    assert out.count(" - val_loss: ") == 3  # three epochs, one line each
    losses = [float(v) for v in re.search(r"\n +loss: ([\d. ]+)\n", out).group(1).split()]
    assert len(losses) == 3 and losses[2] < losses[0], out
    accuracy = float(re.search(r"Test accuracy: (\d\.\d+)", out).group(1))
    assert accuracy > 0.6, out  # chance is 0.1; about 0.80 after 3 quick epochs
    assert_figures(out, figures, ["training_digits.png", "learning_curves.png", "dense_weights.png",
                                  "test_predictions.png"])


@needs_mnist
def test_lesson_4_reading_the_convolution_kernel_quick(tmp_path):
    out, figures = run_lesson("04_reading_the_convolution_kernel.py", tmp_path, "--quick")
    assert " [ 6.  7.  8. 10. 11. 12. 14. 15. 16.]]" in out  # the last row of the 4x9 im2col matrix
    assert "def im2col_2d(x, cols, SH, SW, DH, DW, PT, PL):" in out  # the twin's source
    assert "im2col of 4 digits, 28,224 values: equal: True" in out
    assert "inside the block: reference" in out and "after the block: cython" in out
    assert float(re.search(r"largest difference (\S+)", out).group(1)) < 1e-5
    speedup = float(re.search(r"Cython .* ms +\(([\d,]+) times faster\)", out).group(1).replace(",", ""))
    assert speedup > 1, out
    # kernels.check passes the twins, fails the student's im2col naming the case, passes the fix.
    assert "kernels.check(reference): all 2 kernels pass" in out
    failing = re.search(r"kernels.check\(student\): 1 of 1 kernel FAIL\n  im2col_2d  FAIL: case \d+ \(float\d\d, "
                        r"agreement with the twin\): x \([\d, ]+\), cols \([\d, ]+\), SH=\d, SW=\d, DH=\d, DW=\d, PT=[1-9]", out)
    assert failing, out
    assert "report.ok: False" in out
    assert "im2col_2d runs: module student | col2im_2d runs: cython" in out
    assert float(re.search(r"on the student's kernel: largest difference (\S+)", out).group(1)) > 0.01
    assert "kernels.check(student): all 1 kernel pass" in out
    assert float(re.search(r"after the fix: largest difference (\S+)", out).group(1)) < 1e-6
    assert_figures(out, figures, ["im2col.png", "timings.png"])


@needs_mnist
def test_lesson_5_padding_cropping_upsampling_quick(tmp_path):
    out, figures = run_lesson("05_padding_cropping_upsampling.py", tmp_path, "--quick")
    for line in ["ZeroPadding2D(4)                       (28, 28) -> (36, 36)",
                 "Cropping2D(4)                          (28, 28) -> (20, 20)",
                 "UpSampling2D(2)                        (28, 28) -> (56, 56)",
                 "Conv2DTranspose 3x3, stride 2, ones    (28, 28) -> (57, 57)"]:
        assert line in out
    assert "cropping2d" in out and "(None, 28, 28, 1)" in out  # the autoencoder's summary
    before, after = map(float, re.search(r"Reconstruction error: (\S+) before training, (\S+) after", out).groups())
    assert after < 0.5 * before, out  # one quick epoch already more than halves the error
    assert_figures(out, figures, ["layers_on_a_digit.png", "learning_curves.png", "reconstructions.png"])
