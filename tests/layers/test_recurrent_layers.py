"""SimpleRNN, GRU, LSTM, their cells, RNN(cell) and StackedRNNCells: the layer-test harness on
every argument, float64 gradients through time (masks, initial states), the step loop against
the fused sequence ops, dropout, stateful batches, the Masking + LSTM example, and errors.
(Keras numbers: test_recurrent_keras.py.)"""
import numpy as np
import pytest

from minikeras import GradientTape, Tensor, constraints, layers, ops, regularizers
from minikeras import backend as K
from minikeras.models import Model, Sequential
from minikeras.utils import assert_gradients_close
from minikeras.utils.layer_test import layer_test

F64 = {"dtype": "float64"}
SIGMOID = {"recurrent_activation": "sigmoid"}  # smooth gates for the gradient checks


def shapes(layer_name, units, features, gates, reset_after=False, use_bias=True):
    bias = (2, gates * units) if reset_after else (gates * units,)
    return [(features, gates * units), (units, gates * units)] + ([bias] if use_bias else [])


GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}
HARNESS = [
    ("SimpleRNN", {}),
    ("SimpleRNN", {"return_sequences": True, "activation": "relu"}),
    ("SimpleRNN", {"go_backwards": True, "use_bias": False}),
    ("LSTM", {}),
    ("LSTM", {**SIGMOID, "return_sequences": True, "implementation": 2}),
    ("LSTM", {**SIGMOID, "go_backwards": True, "unit_forget_bias": False, "unroll": True}),
    ("LSTM", {**SIGMOID, "use_bias": False, "activation": "sigmoid"}),
    ("GRU", {}),
    ("GRU", {**SIGMOID, "reset_after": True, "return_sequences": True}),
    ("GRU", {**SIGMOID, "reset_after": True, "use_bias": False, "implementation": 2}),
    ("GRU", {**SIGMOID, "go_backwards": True, "dropout": 0.3, "recurrent_dropout": 0.4}),
    ("LSTM", {**SIGMOID, "dropout": 0.5, "recurrent_dropout": 0.5, "implementation": 2}),
]


@pytest.mark.parametrize("name,kwargs", HARNESS)
def test_harness(name, kwargs):
    units, features = 2, 3
    reset_after = kwargs.get("reset_after", False)
    steps = 4 if kwargs.get("return_sequences") else None
    layer_test(getattr(layers, name), {"units": units, **kwargs}, input_shape=(2, 4, features),
               expected_output_shape=(None, steps, units) if steps else (None, units),
               expected_weight_shapes=shapes(name, units, features, GATES[name], reset_after,
                                                    kwargs.get("use_bias", True)),
               supports_masking=True)


@pytest.mark.parametrize("name", ["SimpleRNN", "GRU", "LSTM"])
def test_harness_return_state_and_mask(name):
    mask = np.array([[True, True, False, True], [True, False, False, False]])
    n_states = 2 if name == "LSTM" else 1
    layer_test(getattr(layers, name), {"units": 2, "return_state": True, "return_sequences": True,
                                       **({} if name == "SimpleRNN" else SIGMOID)},
               input_shape=(2, 4, 3), call_kwargs={"mask": mask},
               expected_output_shape=[(None, 4, 2)] + [(None, 2)] * n_states)


@pytest.mark.parametrize("name", ["SimpleRNN", "GRU", "LSTM"])
def test_harness_regularizers_and_constraints(name):
    kwargs = {"units": 2, "kernel_regularizer": "l2", "recurrent_regularizer": "l1",
              "bias_regularizer": "l1_l2", "activity_regularizer": "l2",
              "kernel_constraint": "max_norm", "recurrent_constraint": "unit_norm",
              "bias_constraint": "non_neg"}
    layer_test(getattr(layers, name), kwargs, input_shape=(2, 3, 2), expected_num_losses=4)


@pytest.mark.parametrize("cell,kwargs", [("SimpleRNNCell", {}), ("GRUCell", SIGMOID),
                                         ("GRUCell", {**SIGMOID, "reset_after": True}),
                                         ("LSTMCell", SIGMOID)])
def test_harness_rnn_of_a_cell(cell, kwargs):
    layer_test(layers.RNN, {"cell": getattr(layers, cell)(2, dtype="float64", **kwargs),
                            "return_sequences": True}, input_shape=(2, 3, 2),
               expected_output_shape=(None, 3, 2))


def test_harness_stacked_cells():
    cells = [layers.LSTMCell(3, dtype="float64", **SIGMOID), layers.GRUCell(2, dtype="float64", **SIGMOID)]
    out = layer_test(layers.RNN, {"cell": layers.StackedRNNCells(cells), "return_state": True},
                     input_shape=(2, 3, 2), expected_output_shape=[(None, 2), (None, 2), (None, 3), (None, 3)],
                     expected_weight_shapes=[(2, 12), (3, 12), (12,), (3, 6), (2, 6), (6,)])
    np.testing.assert_array_equal(out[0], out[1])  # states in Keras 2's reverse order: [h2, h1, c1]


def test_rnn_of_a_list_of_cells_is_a_stack():
    layer = layers.RNN([layers.SimpleRNNCell(3), layers.SimpleRNNCell(2)])
    assert isinstance(layer.cell, layers.StackedRNNCells)
    assert layer(np.zeros((1, 4, 5))).shape == (1, 2)


# --- gradients through time: input, every weight, the initial states, with masks ----------------

CASES = [("SimpleRNN", {}), ("GRU", SIGMOID), ("GRU", {**SIGMOID, "reset_after": True}),
         ("LSTM", SIGMOID), ("LSTM", {**SIGMOID, "implementation": 2, "go_backwards": True})]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_gradients_through_time_with_mask_and_initial_states(name, kwargs):
    rng = np.random.default_rng(5)
    layer = getattr(layers, name)(3, return_sequences=True, return_state=True, **F64, **kwargs)
    n_states = 2 if name == "LSTM" else 1
    x = rng.standard_normal((2, 5, 2))
    states = [rng.standard_normal((2, 3)) for _ in range(n_states)]
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    layer(x, initial_state=states)

    def run(x, *rest):
        outputs = layer(x, initial_state=list(rest[:n_states]), mask=mask)
        return ops.concatenate([ops.reshape(o, (-1,)) for o in outputs], axis=0)

    assert_gradients_close(run, [x] + states + layer.weights, tol=1e-6)


def test_stacked_cells_gradients_with_mask():
    rng = np.random.default_rng(6)
    layer = layers.RNN([layers.GRUCell(2, **F64, **SIGMOID), layers.SimpleRNNCell(2, **F64)],
                       return_sequences=True, **F64)
    x = rng.standard_normal((2, 4, 2))
    mask = np.array([[True, False, True, True], [True, True, True, False]])
    layer(x)
    assert_gradients_close(lambda t, *w: layer(t, mask=mask), [x] + layer.weights)


# --- the step loop and the sequence ops compute the same numbers ---------------------------------

def my_tanh(x):
    return ops.tanh(x)


def my_hard_sigmoid(x):
    return ops.hard_sigmoid(x)


@pytest.mark.parametrize("name,kwargs", [("SimpleRNN", {}), ("GRU", {}), ("GRU", {"reset_after": True}),
                                         ("LSTM", {}), ("LSTM", {"implementation": 2})])
def test_step_loop_equals_sequence_op(name, kwargs):
    """A user's own activation function takes the step loop; the built-in one the kernels."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 6, 2))
    mask = rng.random((3, 6)) > 0.3
    fused = getattr(layers, name)(4, return_sequences=True, **F64, **kwargs)
    own = {"activation": my_tanh, **({} if name == "SimpleRNN" else {"recurrent_activation": my_hard_sigmoid})}
    looped = getattr(layers, name)(4, return_sequences=True, **F64, **kwargs, **own)
    fused(x)
    looped(x)
    looped.set_weights(fused.get_weights())
    np.testing.assert_allclose(looped(x, mask=mask).numpy(), fused(x, mask=mask).numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["SimpleRNN", "GRU", "LSTM"])
@pytest.mark.parametrize("implementation", [1, 2])
def test_dropout_masks_same_numbers_in_both_paths(name, implementation):
    """With one seed, the step loop and the sequence op use the same dropout masks."""
    x = np.random.default_rng(8).standard_normal((3, 5, 2))
    extra = {} if name == "SimpleRNN" else {"implementation": implementation}
    fused = getattr(layers, name)(4, dropout=0.4, recurrent_dropout=0.3, **F64, **extra)
    own = {"activation": my_tanh, **({} if name == "SimpleRNN" else {"recurrent_activation": my_hard_sigmoid})}
    looped = getattr(layers, name)(4, dropout=0.4, recurrent_dropout=0.3, **F64, **extra, **own)
    fused(x)
    looped(x)
    looped.set_weights(fused.get_weights())
    np.random.seed(3)
    a = fused(x, training=True).numpy()
    np.random.seed(3)
    b = looped(x, training=True).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.allclose(a, fused(x).numpy())            # dropout acted in training
    np.testing.assert_array_equal(fused(x).numpy(), fused(x, training=False).numpy())


def test_implementations_1_and_2_same_numbers_without_dropout():
    x = np.random.default_rng(9).standard_normal((2, 4, 3))
    for name in ("GRU", "LSTM"):
        one = getattr(layers, name)(3, implementation=1)
        two = getattr(layers, name)(3, implementation=2)
        one(x)
        two(x)
        two.set_weights(one.get_weights())
        np.testing.assert_allclose(one(x).numpy(), two(x).numpy(), rtol=1e-6)


# --- masks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["SimpleRNN", "GRU", "LSTM"])
def test_a_masked_batch_gives_the_numbers_of_the_unpadded_sequences(name):
    rng = np.random.default_rng(10)
    layer = getattr(layers, name)(3, return_state=True, **F64)
    lengths = [5, 2, 4]
    x = np.zeros((3, 5, 2))
    for i, n in enumerate(lengths):
        x[i, :n] = rng.standard_normal((n, 2))
    batch = layer(layers.Masking(**F64)(x))
    for i, n in enumerate(lengths):
        alone = layer(x[i:i + 1, :n])
        for a, b in zip(batch, alone):
            np.testing.assert_allclose(a.numpy()[i], b.numpy()[0], rtol=1e-12, atol=1e-14)


def test_masked_steps_repeat_the_previous_output():
    layer = layers.SimpleRNN(2, return_sequences=True, **F64)
    x = np.random.default_rng(11).standard_normal((1, 4, 2))
    mask = np.array([[True, False, True, False]])
    y = layer(x, mask=mask).numpy()[0]
    np.testing.assert_array_equal(y[1], y[0])
    np.testing.assert_array_equal(y[3], y[2])
    assert layer(x, mask=mask)._keras_mask is mask or np.array_equal(layer(x, mask=mask)._keras_mask, mask)
    assert layers.SimpleRNN(2)(x, mask=mask)._keras_mask is None


def page_example_data():
    """Keras 2's Masking page: timesteps 3 and 5 of every sample are padding."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 7, 3)).astype("float32")
    x[:, 3, :] = 0.0
    x[:, 5, :] = 0.0
    return x


def test_masking_lstm_page_example_sequential_and_functional():
    x = page_example_data()
    model = Sequential()
    model.add(layers.Masking(mask_value=0.0, input_shape=(7, 3)))
    model.add(layers.LSTM(32))
    y = model.predict(x)
    lstm = model.layers[-1]
    unpadded = lstm(np.delete(x, [3, 5], axis=1)).numpy()
    np.testing.assert_allclose(y, unpadded, rtol=1e-5, atol=1e-6)   # the mask reached the LSTM
    assert not np.allclose(y, lstm(x).numpy(), atol=1e-3)           # it matters

    inputs = layers.Input((7, 3))
    outputs = layers.LSTM(32)(layers.Masking(mask_value=0.0)(inputs))
    functional = Model(inputs, outputs)
    functional.layers[-1].set_weights(lstm.get_weights())
    np.testing.assert_allclose(functional.predict(x), unpadded, rtol=1e-5, atol=1e-6)

    model.add(layers.Dense(1))
    model.compile("rmsprop", "mse")
    model.fit(x, np.ones((4, 1)), epochs=1, verbose=0)


# --- initial_state, stateful, functional ------------------------------------------------------------

def test_initial_state_through_the_functional_api():
    rng = np.random.default_rng(13)
    x, h, c = layers.Input((4, 2)), layers.Input((3,)), layers.Input((3,))
    lstm = layers.LSTM(3, return_state=True)
    output, h1, c1 = lstm(x, initial_state=[h, c])
    model = Model([x, h, c], [output, c1])
    data = [rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))]
    got = model.predict(data)
    eager = lstm(data[0], initial_state=data[1:])
    np.testing.assert_allclose(got[0], eager[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[1], eager[2].numpy(), rtol=1e-6)
    assert model.get_config()  # the node with the states is part of the graph


def test_stateful_batches_continue_and_reset():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, 6, 3))
    stateful = layers.GRU(4, stateful=True, batch_input_shape=(2, 3, 3), **F64)
    whole = layers.GRU(4, **F64)
    first = stateful(x[:, :3])
    whole(x)
    whole.set_weights(stateful.get_weights())
    second = stateful(x[:, 3:])
    np.testing.assert_allclose(second.numpy(), whole(x).numpy(), rtol=1e-12)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, :3]).numpy(), first.numpy(), rtol=1e-12)
    stateful.reset_states([np.ones((2, 4))])
    np.testing.assert_array_equal(stateful.states[0], np.ones((2, 4)))


def test_stateful_sequential_with_batch_size():
    model = Sequential([layers.LSTM(2, stateful=True, batch_size=3, input_shape=(4, 1))])
    y1 = model.predict(np.ones((3, 4, 1)), batch_size=3)
    y2 = model.predict(np.ones((3, 4, 1)), batch_size=3)
    assert not np.allclose(y1, y2)
    model.layers[0].reset_states()
    np.testing.assert_allclose(model.predict(np.ones((3, 4, 1)), batch_size=3), y1, rtol=1e-6)


def test_unit_forget_bias_and_default_initializers():
    layer = layers.LSTM(3)
    layer(np.zeros((1, 2, 2)))
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0, 0, 0, 1, 1, 1] + [0] * 6)
    recurrent = layer.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal
    assert layer.units == 3 and layer.recurrent_activation.__name__ == "hard_sigmoid"


def test_cells_take_one_step():
    cell = layers.GRUCell(3, **F64)
    cell.build((2, 4))
    h, states = cell.call(Tensor(np.ones((2, 4))), [Tensor(np.zeros((2, 3)))])
    assert h.shape == (2, 3) and states[0] is h
    assert cell.get_config()["reset_after"] is False


def test_config_round_trip_keeps_every_argument():
    layer = layers.LSTM(3, activation="relu", recurrent_activation="sigmoid", use_bias=False,
                        unit_forget_bias=False, dropout=0.25, recurrent_dropout=0.5, implementation=2,
                        return_sequences=True, return_state=True, go_backwards=True, stateful=True,
                        unroll=True, kernel_regularizer=regularizers.l2(0.1),
                        recurrent_constraint=constraints.max_norm(2.0), batch_input_shape=(2, 3, 4))
    config = layer.get_config()
    clone = layers.LSTM.from_config(config)
    assert clone.get_config() == config
    assert config["recurrent_activation"] == "sigmoid" and config["implementation"] == 2
    assert "cell" not in config


# --- errors: the layer, what it expected, what it received --------------------------------------------

def test_bad_arguments():
    with pytest.raises(ValueError, match=r"LSTM 'l1': `units` must be a positive integer, received 0"):
        layers.LSTM(0, name="l1")
    with pytest.raises(ValueError, match=r"GRU 'g': `dropout` must be a number in \[0, 1\], received 1.5"):
        layers.GRU(2, dropout=1.5, name="g")
    with pytest.raises(ValueError, match=r"LSTM 'l2': `implementation` must be 1 or 2, received 3"):
        layers.LSTM(2, implementation=3, name="l2")
    with pytest.raises(ValueError, match=r"SimpleRNN 's': Unknown activation function: 'tanhh'"):
        layers.SimpleRNN(2, activation="tanhh", name="s")
    with pytest.raises(TypeError, match=r"not understood by SimpleRNN.*implementation"):
        layers.SimpleRNN(2, implementation=2)
    with pytest.raises(ValueError, match=r"RNN 'r': `cell` should have a `call` method and a `state_size`"):
        layers.RNN(layers.Dense(2), name="r")
    with pytest.raises(ValueError, match=r"StackedRNNCells .*: expected a non-empty list of cells"):
        layers.StackedRNNCells([])


def test_bad_shapes_and_states():
    layer = layers.LSTM(2, name="l")
    with pytest.raises(ValueError, match=r"Layer 'l' is incompatible with the layer: expected ndim=3, found ndim=2"):
        layer(np.zeros((2, 3)))
    layer(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"expected axis -1 of the input to have value 4"):
        layer(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"LSTM 'l': expects 2 initial state\(s\) \(state sizes \[2, 2\]\), but it received 1"):
        layer(np.zeros((2, 3, 4)), initial_state=[np.zeros((2, 2))])
    with pytest.raises(ValueError, match=r"LSTM 'l': initial state 1 expected shape \(2, 2\), received shape \(2, 3\)"):
        layer(np.zeros((2, 3, 4)), initial_state=[np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"LSTM 'l': expected a mask of shape \(2, 3\), received shape \(3, 2\)"):
        layer(np.zeros((2, 3, 4)), mask=np.ones((3, 2), bool))
    with pytest.raises(ValueError, match=r"LSTM 'l': the input has 0 timesteps"):
        layer(np.zeros((2, 0, 4)))
    with pytest.raises(AttributeError, match=r"reset_states\(\) is for stateful layers"):
        layer.reset_states()


def test_stateful_errors():
    with pytest.raises(ValueError, match=r"GRU 'g': a stateful RNN needs to know its batch size.*received input shape \(None, 3, 2\)"):
        layers.GRU(2, stateful=True, name="g")(layers.Input((3, 2)))
    layer = layers.GRU(2, stateful=True, name="h")
    layer(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match=r"GRU 'h': a stateful layer keeps the states of batch size 2; received a batch of 3"):
        layer(np.zeros((3, 3, 2)))
    with pytest.raises(ValueError, match=r"GRU 'h': state 0 is incompatible with the layer: expected shape \(2, 2\), received shape \(2, 3\)"):
        layer.reset_states([np.zeros((2, 3))])


# --- the Keras 2 RNN page: a cell written by the user, and constants ---------------------------

class MinimalRNNCell(layers.Layer):
    """The example cell of Keras 2's RNN page, unchanged but for the imports."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform", name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = K.dot(inputs, self.kernel)
        output = h + K.dot(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_the_rnn_page_example_with_a_users_cell():
    cell = MinimalRNNCell(32)
    x = layers.Input((None, 5))
    layer = layers.RNN(cell)
    y = layer(x)
    model = Model(x, y)
    data = np.random.default_rng(15).standard_normal((2, 4, 5)).astype("float32")
    W, U = (w.numpy() for w in cell.weights)
    h = np.zeros((2, 32), "float32")
    for t in range(4):
        h = data[:, t] @ W + h @ U
    np.testing.assert_allclose(model.predict(data), h, rtol=1e-5, atol=1e-6)

    cells = [MinimalRNNCell(32), MinimalRNNCell(64)]
    stacked = layers.RNN(cells)(x)
    assert stacked.shape == (None, 64)
    clone = layers.RNN.from_config(layer.get_config(), custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert clone.cell.units == 32

    rng = np.random.default_rng(16)
    layer64 = layers.RNN(MinimalRNNCell(3, dtype="float64"), return_sequences=True, dtype="float64")
    seq = rng.standard_normal((2, 4, 2))
    layer64(seq)
    assert_gradients_close(lambda t, *w: layer64(t, mask=np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)),
                           [seq] + layer64.weights)


class ConstantCell(MinimalRNNCell):
    """A cell that also reads a per-sequence constant at every step. As in Keras 2, its
    build receives [step input shape, constant shapes...]."""

    def build(self, input_shape):
        super().build(input_shape[0])

    def call(self, inputs, states, constants):
        output = K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel) + constants[0]
        return output, [output]


def test_constants_reach_every_step():
    layer = layers.RNN(ConstantCell(2), return_sequences=True)
    x, c = np.zeros((1, 3, 2), "float32"), np.ones((1, 2), "float32")
    y = layer(x, constants=[c]).numpy()
    assert layer._num_constants == 1
    np.testing.assert_allclose(y[0, 0], [1, 1])
    plain = layers.RNN(MinimalRNNCell(2))
    plain(x)
    with pytest.raises(ValueError, match=r"`constants` were given, but the cell's call\(\) does not accept"):
        plain(x, constants=[c])


@pytest.mark.parametrize("training", [False, True])
def test_stacked_cells_run_cell_by_cell_with_the_numbers_of_the_step_loop(training):
    """Built-in cells only: each runs its sequence op in turn. With a user's activation in one
    cell the whole stack takes the step loop; both give the same numbers, masks and dropout
    included (one seed)."""
    rng = np.random.default_rng(17)
    x = rng.standard_normal((3, 5, 2))
    mask = rng.random((3, 5)) > 0.3

    def stack(activation):
        return layers.RNN([layers.LSTMCell(3, dropout=0.3, recurrent_dropout=0.2, **F64),
                           layers.GRUCell(2, reset_after=True, recurrent_dropout=0.4, **F64),
                           layers.SimpleRNNCell(4, activation=activation, **F64)],
                          return_sequences=True, return_state=True, **F64)

    fused, looped = stack("tanh"), stack(my_tanh)
    assert fused.cell._fused_activations() is not None and looped.cell._fused_activations() is None
    fused(x)
    looped(x)
    looped.set_weights(fused.get_weights())
    np.random.seed(5)
    a = fused(x, mask=mask, training=training)
    np.random.seed(5)
    b = looped(x, mask=mask, training=training)
    assert len(a) == len(b) == 5
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-12, atol=1e-14)
    assert_gradients_close(lambda t, *w: fused(t, mask=mask)[0], [x] + fused.weights)
