"""The tutorials run end to end (in --quick mode, in a subprocess, as a user would run them)."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from minikeras.datasets import mnist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(not os.environ.get("MINIKERAS_DATASETS_ORIGIN"), reason="tests never download: set MINIKERAS_DATASETS_ORIGIN to a local MNIST copy")
def test_mnist_cnn_quick(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tutorials", "01_mnist_cnn.py"), "--quick",
         "--figures-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=env, cwd=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "2000 train samples, 1000 test samples" in out
    assert re.search(r" - \d+s - loss: \d\.\d{4} - acc: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc: \d\.\d{4}", out), out
    accuracy = float(re.search(r"Test accuracy: (\d\.\d+)", out).group(1))
    # Chance is 0.1; one epoch on 2000 images reaches about 0.69 (see the tutorial's docstring).
    assert accuracy > 0.5, out
    if importlib.util.find_spec("matplotlib") is not None:
        for name in ("01_mnist_cnn_curves.png", "01_mnist_cnn_mistakes.png"):
            assert (tmp_path / name).stat().st_size > 10_000, name
