"""SimpleRNN, GRU (both reset_after conventions) and LSTM against Keras, in float64.

The fixtures (``tests/fixtures/recurrent_layers.npz``) were made with Keras 3 + JAX by
``tests/fixtures/make_recurrent_fixtures.py``, corrected to Keras 2.2.4 where the two differ
(the script's docstring lists how): last output, whole sequences, masked batches (previous
output repeated at a masked step), go_backwards, return_state, initial_state, stateful
batches, no bias, other activations, implementation 2, unit_forget_bias off; and RNN of an
LSTMCell and of a stack of cells (StackedRNNCells, states in Keras 2's reverse order).
"""
import json
import os

import numpy as np
import pytest

from minikeras import kernels, layers

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "recurrent_layers.npz")
DATA = np.load(FIXTURES)
CASES = sorted(key[:-len("_config")] for key in DATA.files if key.endswith("_config"))
TOLERANCE = dict(rtol=1e-9, atol=1e-11)


def fixture(name):
    config = json.loads(str(DATA[f"{name}_config"]))
    get = lambda prefix: [DATA[f"{name}_{prefix}{i}"] for i in range(10) if f"{name}_{prefix}{i}" in DATA.files]
    mask = DATA[f"{name}_mask"] if f"{name}_mask" in DATA.files else None
    return config, DATA[f"{name}_x"], mask, get("s"), get("w"), get("y")


def run_case(name):
    """minikeras' outputs for the fixture ``name`` (a list, as the fixture stores them)."""
    config, x, mask, states, weights, _ = fixture(name)
    if config["layer"] == "RNN":
        cells = [getattr(layers, c)(dtype="float64", **k) for c, k in config["cells"]]
        layer = layers.RNN(cells if len(cells) > 1 else cells[0], dtype="float64", **config["kwargs"])
    else:
        layer = getattr(layers, config["layer"])(dtype="float64", **config["kwargs"])
    arguments = {}
    if mask is not None:
        arguments["mask"] = mask
    if states:
        arguments["initial_state"] = [s for s in states]
    layer(x, **arguments)
    layer.set_weights(weights)
    if config["kwargs"].get("stateful"):
        layer.reset_states()
        outputs = [layer(x, **arguments), layer(x[:, ::-1], **arguments)]
    else:
        outputs = layer(x, **arguments)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [np.asarray(o.numpy()) for o in outputs]


def worst_difference(name):
    expected = fixture(name)[-1]
    return max(float(np.abs(a - b).max()) for a, b in zip(run_case(name), expected))


@pytest.mark.parametrize("name", CASES)
def test_recurrent_layers_agree_with_keras(name):
    expected = fixture(name)[-1]
    ours = run_case(name)
    assert len(ours) == len(expected)
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(a, b, **TOLERANCE, err_msg=name)


@pytest.mark.parametrize("name", ["lstm_masked", "gru_reset_after_backwards_masked", "simplernn_masked_last_state"])
def test_the_python_twins_agree_with_keras_too(name):
    with kernels.use("reference"):
        ours = run_case(name)
    for a, b in zip(ours, fixture(name)[-1]):
        np.testing.assert_allclose(a, b, **TOLERANCE, err_msg=name)


def test_every_layer_family_has_fixtures():
    families = {json.loads(str(DATA[f"{c}_config"]))["layer"] for c in CASES}
    assert families == {"SimpleRNN", "GRU", "LSTM", "RNN"}
    assert len(CASES) >= 36
