"""Whole Keras-2-style programs, each trained end to end on 2,000 MNIST images for one epoch.

Every test checks what the program learnt, not only that it ran. The programs live beside
this file (``program_*.py``) and run alone as scripts too.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import program_custom_layer
import program_siamese
import program_transfer
import program_vae

from minikeras.models import load_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def test_siamese_network_with_a_contrastive_loss_and_a_custom_metric():
    result = program_siamese.run()
    assert result["base_layers_in_model"] == 1 and result["base_calls"] == 2   # one shared base
    loss_before, accuracy_before = result["before"]
    history = result["history"]
    assert set(history) == {"loss", "pair_accuracy", "val_loss", "val_pair_accuracy"}
    assert history["val_loss"][0] < 0.5 * loss_before
    assert result["test_accuracy"] > 0.68 and result["test_accuracy"] > accuracy_before + 0.1
    assert history["val_pair_accuracy"][0] == pytest.approx(result["test_accuracy"])
    assert result["mean_distance_same"] < 0.8 * result["mean_distance_different"]


def test_variational_autoencoder_with_a_k_loss_given_to_add_loss():
    result = program_vae.run()
    history = result["history"]
    assert set(history) == {"loss", "kl", "val_loss", "val_kl"}
    assert history["val_loss"][0] < 0.4 * result["loss_before"]       # 544 (784 ln 2) -> ~195
    assert result["reconstruction_error"] < result["mean_image_error"]  # better than the mean digit
    assert result["separation"] > 1.2                                   # digits apart in the code
    assert "code" in result["layers"] and "square_1" in result["layers"]


def test_custom_layer_with_its_own_weights_saved_and_reloaded(tmp_path):
    path = str(tmp_path / "cosine.npz")
    result = program_custom_layer.run(path)
    assert result["test_accuracy"] > 0.6
    assert result["scale_after"] != result["scale_before"]             # its own weight learnt
    with pytest.raises(ValueError, match="Unknown layer: 'CosineClassifier'"):
        load_model(path)
    model, predictions = program_custom_layer.reload(path)             # a fresh model
    assert isinstance(model.layers[4], program_custom_layer.CosineClassifier)
    np.testing.assert_allclose(predictions, result["predictions"], rtol=1e-6, atol=1e-7)
    saved = str(tmp_path / "fresh_process.npy")                        # and a fresh process
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    completed = subprocess.run(
        [sys.executable, os.path.join(HERE, "program_custom_layer.py"), "--check", path, saved],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr
    np.testing.assert_allclose(np.load(saved), result["predictions"], rtol=1e-6, atol=1e-7)


def test_transfer_learning_with_frozen_convolutional_layers():
    result = program_transfer.run()
    assert result["low_digits_accuracy"] > 0.6
    assert result["frozen_unchanged"] and result["head_changed"]
    assert result["high_digits_accuracy"] > 0.4                        # chance is 0.2
    assert result["summary_counts"] == ["Total params: 27,237", "Trainable params: 25,989",
                                        "Non-trainable params: 1,248"]
