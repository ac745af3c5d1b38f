"""The MNIST images the whole programs train on: 2,000 training and 500 test images."""
import numpy as np
import pytest


@pytest.fixture(scope="session")
def mnist_small():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28) and labels, the first
    2,000 training and 500 test images of MNIST (skipped when MNIST cannot be found)."""
    from minikeras.datasets import mnist

    try:
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    except Exception as error:  # no copy of MNIST and no network: nothing to train on
        pytest.skip(f"MNIST is not available here: {error}")
    return (x_train[:2000], y_train[:2000]), (x_test[:500], y_test[:500])


@pytest.fixture
def fresh_seed():
    from minikeras.utils import set_random_seed

    set_random_seed(1234)
    return np.random.default_rng(1234)
