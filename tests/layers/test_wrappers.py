"""TimeDistributed and Bidirectional: Keras numbers, the layer-test harness, gradients, errors.

Keras fixtures: ``tests/fixtures/recurrent_wrappers.npz`` from
``tests/fixtures/make_recurrent_fixtures.py`` (Keras 3 + JAX, float64, corrected to Keras 2.2.4).
"""
import json
import os

import numpy as np
import pytest

from minikeras import GradientTape, layers
from minikeras.models import Model, Sequential
from minikeras.utils.layer_test import layer_test

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "recurrent_wrappers.npz")
DATA = np.load(FIXTURES)
BIDIRECTIONAL = sorted(k[:-len("_config")] for k in DATA.files if k.endswith("_config"))
TOLERANCE = dict(rtol=1e-9, atol=1e-11)


def stored(name, prefix):
    return [DATA[f"{name}_{prefix}{i}"] for i in range(12) if f"{name}_{prefix}{i}" in DATA.files]


def run_bidirectional(name):
    config = json.loads(str(DATA[f"{name}_config"]))
    inner = getattr(layers, config["inner"])(dtype="float64", **config["kwargs"])
    wrapper = layers.Bidirectional(inner, merge_mode=config["merge_mode"])
    x = DATA[f"{name}_x"]
    mask = DATA[f"{name}_mask"] if f"{name}_mask" in DATA.files else None
    wrapper(x)
    wrapper.set_weights(stored(name, "w"))
    outputs = wrapper(x, mask=mask)
    return [np.asarray(o.numpy()) for o in (outputs if isinstance(outputs, list) else [outputs])]


def worst_difference(name):
    if name.startswith("time_distributed"):
        return float(np.abs(run_time_distributed(name) - DATA[f"{name}_y0"]).max())
    return max(float(np.abs(a - b).max()) for a, b in zip(run_bidirectional(name), stored(name, "y")))


@pytest.mark.parametrize("name", BIDIRECTIONAL)
def test_bidirectional_agrees_with_keras(name):
    expected = stored(name, "y")
    ours = run_bidirectional(name)
    assert len(ours) == len(expected)
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(a, b, **TOLERANCE, err_msg=name)


def run_time_distributed(name):
    x = DATA[f"{name}_x"]
    inner = (layers.Dense(5, dtype="float64") if name.endswith("dense") else
             layers.Conv2D(3, (3, 2), strides=(1, 2), padding="same", dtype="float64"))
    wrapper = layers.TimeDistributed(inner)
    wrapper(x)
    wrapper.set_weights(stored(name, "w"))
    return wrapper(x).numpy()


@pytest.mark.parametrize("name", ["time_distributed_dense", "time_distributed_conv2d"])
def test_time_distributed_agrees_with_keras(name):
    np.testing.assert_allclose(run_time_distributed(name), DATA[f"{name}_y0"], **TOLERANCE)


# --- the layer-test harness (build, weights, shapes, config, set_weights, gradients, training) --

def test_harness_time_distributed_dense():
    layer_test(layers.TimeDistributed, {"layer": layers.Dense(3, dtype="float64")},
               input_shape=(2, 3, 4), expected_output_shape=(None, 3, 3),
               expected_weight_shapes=[(4, 3), (3,)])


def test_harness_time_distributed_conv2d():
    layer_test(layers.TimeDistributed, {"layer": layers.Conv2D(2, 3, dtype="float64")},
               input_shape=(2, 2, 4, 4, 1), expected_output_shape=(None, 2, 2, 2, 2),
               expected_weight_shapes=[(3, 3, 1, 2), (2,)])


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_harness_bidirectional(merge_mode):
    inner = layers.SimpleRNN(2, return_sequences=True, dtype="float64")
    width = 4 if merge_mode == "concat" else 2
    layer_test(layers.Bidirectional, {"layer": inner, "merge_mode": merge_mode},
               input_shape=(2, 3, 2),
               expected_output_shape=(None, 3, width) if merge_mode else [(None, 3, 2)] * 2,
               expected_weight_shapes=[(2, 2), (2, 2), (2,)] * 2)


def test_harness_bidirectional_lstm_with_states():
    inner = layers.LSTM(2, return_state=True, dtype="float64", recurrent_activation="sigmoid")
    layer_test(layers.Bidirectional, {"layer": inner}, input_shape=(2, 3, 2),
               expected_output_shape=[(None, 4)] + [(None, 2)] * 4)


def test_bidirectional_masked_gradients():
    from minikeras.utils import assert_gradients_close

    rng = np.random.default_rng(1)
    wrapper = layers.Bidirectional(layers.GRU(2, return_sequences=True, dtype="float64",
                                              recurrent_activation="sigmoid"))
    x = rng.standard_normal((2, 4, 3))
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    wrapper(x)
    assert_gradients_close(lambda t, *weights: wrapper(t, mask=mask), [x] + wrapper.weights)


# --- masks, states, Keras behaviour -------------------------------------------------------------

def test_bidirectional_masked_batch_equals_unpadded_sequences():
    rng = np.random.default_rng(2)
    wrapper = layers.Bidirectional(layers.LSTM(3, dtype="float64"), merge_mode="concat")
    x = rng.standard_normal((2, 5, 2))
    x[0, 3:] = 0.0
    padded = layers.Masking(dtype="float64")(x)
    y = wrapper(padded).numpy()
    np.testing.assert_allclose(y[0], wrapper(x[:1, :3]).numpy()[0], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(y[1], wrapper(x[1:]).numpy()[0], rtol=1e-12, atol=1e-13)


def test_bidirectional_initial_state_and_functional_api():
    rng = np.random.default_rng(3)
    x = layers.Input((4, 2))
    states = [layers.Input((3,)) for _ in range(4)]
    wrapper = layers.Bidirectional(layers.LSTM(3))
    y = wrapper(x, initial_state=states)
    model = Model([x] + states, y)
    data = [rng.standard_normal((2, 4, 2))] + [rng.standard_normal((2, 3)) for _ in range(4)]
    eager = wrapper(data[0], initial_state=data[1:]).numpy()
    np.testing.assert_allclose(model.predict(data), eager, rtol=1e-6)
    assert not np.allclose(eager, wrapper(data[0]).numpy())


def test_bidirectional_weights_order_forward_then_backward():
    wrapper = layers.Bidirectional(layers.GRU(2, reset_after=True))
    wrapper(np.zeros((1, 3, 4)))
    assert wrapper.weights == wrapper.forward_layer.weights + wrapper.backward_layer.weights
    assert wrapper.backward_layer.go_backwards and not wrapper.forward_layer.go_backwards
    assert [w.shape for w in wrapper.weights] == [(4, 6), (2, 6), (2, 6)] * 2


def test_wrappers_in_sequential_models_train():
    rng = np.random.default_rng(4)
    model = Sequential([
        layers.Masking(input_shape=(5, 3)),
        layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2, activation="softmax")),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = rng.standard_normal((6, 5, 3)).astype("float32")
    history = model.fit(x, rng.integers(0, 2, (6, 5, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    clone = Sequential.from_config(model.get_config())
    assert [type(l).__name__ for l in clone.layers] == ["Masking", "Bidirectional", "TimeDistributed"]


def test_wrapper_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Bidirectional: invalid merge mode 'max'. Merge mode should be one of"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match=r"Bidirectional: expected a recurrent layer .* received <Dense"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match=r"TimeDistributed: expected a Layer to wrap, received 3"):
        layers.TimeDistributed(3)
    with pytest.raises(ValueError, match=r"Layer 'td' is incompatible with the layer: expected min_ndim=3, found ndim=2. Full shape received: \(2, 3\)"):
        layers.TimeDistributed(layers.Dense(2), name="td")(np.zeros((2, 3)))
    wrapper = layers.Bidirectional(layers.LSTM(2), name="bi")
    with pytest.raises(ValueError, match=r"Bidirectional 'bi': initial_state must hold .* received 1"):
        wrapper(np.zeros((1, 3, 2)), initial_state=[np.zeros((1, 2))])
