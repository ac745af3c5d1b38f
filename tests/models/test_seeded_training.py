"""The training step computes the same numbers as before it was optimised (issue 10).

``tests/fixtures/seeded_training_losses.npz`` holds the losses and final weights of seeded
float32 runs recorded with the unoptimised step (``make_seeded_training_losses.py``, which
also defines the runs). Fused kernels, in-place optimizer updates and removed copies may
change the order of float32 roundings, never the arithmetic: the losses agree to float32
precision.
"""
import importlib.util
import os

import numpy as np
import pytest

from minikeras import kernels

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")


def _fixture_module():
    spec = importlib.util.spec_from_file_location(
        "make_seeded_training_losses", os.path.join(FIXTURES, "make_seeded_training_losses.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORDED = _fixture_module()
EXPECTED = np.load(RECORDED.PATH)


@pytest.mark.parametrize("name", sorted(RECORDED.RUNS))
def test_seeded_run_gives_the_recorded_losses_and_weights(name):
    losses, weights = RECORDED.run(name)
    np.testing.assert_allclose(losses, EXPECTED[f"{name}/losses"], rtol=1e-5,
                               err_msg=f"{name}: losses differ from the recorded run")
    for i, w in enumerate(weights):
        np.testing.assert_allclose(w, EXPECTED[f"{name}/weight{i}"], rtol=1e-4, atol=1e-5,
                                   err_msg=f"{name}: weight {i} differs from the recorded run")


def test_reference_kernels_give_the_recorded_losses():
    with kernels.use("reference"):
        losses, _ = RECORDED.run("a_adam")
    np.testing.assert_allclose(losses, EXPECTED["a_adam/losses"], rtol=1e-5)
