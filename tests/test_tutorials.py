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
