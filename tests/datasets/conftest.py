"""Fixtures for the dataset tests: a private cache, the real MNIST folder, a local server."""
import os

import pytest

from dataset_helpers import Server


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty MINIKERAS_HOME for this test; returns its ``datasets`` cache folder."""
    monkeypatch.setenv("MINIKERAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "datasets"


@pytest.fixture
def real_mnist():
    """The folder of the real MNIST files (the tests' MINIKERAS_DATASETS_ORIGIN)."""
    folder = os.environ.get("MINIKERAS_DATASETS_ORIGIN", "")
    if not os.path.isfile(os.path.join(folder, "mnist.npz")):
        pytest.skip("no local MNIST copy: set MINIKERAS_DATASETS_ORIGIN to a folder holding it")
    return folder


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()
