"""RNN: run a cell through time, with masks, initial states and stateful batches.

A *cell* computes one step: ``output, new_states = cell.call(x_t, states)``. The ``RNN``
layer applies it to every step of a ``(batch, timesteps, features)`` input:

    states = initial_state                       # zeros unless given (or kept: stateful)
    for t in range(timesteps):
        output_t, new_states = cell.call(x[:, t], states)
        where step t of a sample is masked:      # Keras 2: the state and the output
            output_t, new_states = states[0], states   # of the step before carry on
        states = new_states

and returns the last output (or all of them, ``return_sequences``), plus the final states
(``return_state``). The built-in cells (``SimpleRNNCell``, ``GRUCell``, ``LSTMCell``) also
offer ``_run_sequence``: the same loop as one operation over the whole sequence
(``minikeras/ops/recurrent.py``, compiled in ``_kernels/recurrent.pyx``). The layer uses
it whenever it can (built-in activations, no ``constants``) and the step loop otherwise;
the two give the same numbers. Several cells stacked in one loop: ``stacked_cells.py``.

Dropout in recurrent layers follows Keras 2 (Gal and Ghahramani): one mask per sequence,
drawn at the start of each call in training and used at every step, for the inputs
(``dropout``) and for the recurrent state (``recurrent_dropout``).
"""
import inspect

import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer, layer_label
from minikeras.tensor import Tensor

__all__ = ["RNN", "dropout_masks", "check_rate", "check_units", "state_sizes"]


def check_units(layer, units):
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"{layer_label(layer)}: `units` must be a positive integer, received {units!r}.")
    return int(units)


def check_rate(layer, name, rate):
    """A dropout rate in [0, 1]. As in Keras 2, a rate of 1 drops nothing (only 0 < rate < 1
    switches dropout on)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
            or not 0 <= rate <= 1:
        raise ValueError(f"{layer_label(layer)}: `{name}` must be a number in [0, 1], received {rate!r}.")
    return float(rate)


def dropout_masks(rate, shape, count, training, dtype, rng=None):
    """``count`` inverted-dropout masks of ``shape``, stacked: ``(count, *shape)``, or None.

    None outside training or when ``rate`` is not strictly between 0 and 1. A kept unit is
    ``1 / (1 - rate)``, a dropped one 0 (Keras 2's ``K.dropout`` of ones).
    """
    if not training or not 0 < rate < 1:
        return None
    rng = rng if rng is not None else np.random.default_rng(np.random.randint(2**31 - 1))
    keep = rng.random((count,) + tuple(shape)) >= rate
    return (keep / (1.0 - rate)).astype(dtype)


def state_sizes(cell):
    size = cell.state_size
    return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]


def _as_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


class RNN(Layer):
    """Base class for recurrent layers: a cell run through time.

    Args:
        cell: an RNN cell (a layer with ``call(inputs, states)`` returning ``(output,
            new_states)`` and a ``state_size``), or a list of cells (stacked with
            ``StackedRNNCells``).
        return_sequences: return the output of every step ``(batch, timesteps, units)``
            rather than the last one ``(batch, units)``.
        return_state: also return the final states (a list: output, then the states).
        go_backwards: process the sequence from its end; the returned sequence is then
            in reversed order too (as in Keras 2).
        stateful: the final states of a batch are the initial states of the next batch
            (sample i continues sample i). Needs a fixed batch size (``batch_input_shape``
            or ``batch_size``); ``reset_states()`` sets the states back to zeros.
        unroll: accepted for Keras compatibility; the eager loop computes the same numbers.
            (One corner differs in Keras 2.2.4 itself: its unrolled loop gives zeros, not the
            initial state, as the output of masked *first* steps. minikeras always follows
            Keras' default, symbolic loop.)
        **kwargs: base layer arguments.

    Call arguments: ``inputs`` ``(batch, timesteps, features)``; ``mask`` ``(batch,
    timesteps)`` booleans (from ``Masking`` or an ``Embedding``); ``training``;
    ``initial_state`` (a Tensor or list, one per state); ``constants`` (given to cells
    whose ``call`` accepts them at every step).

    Input shape:
        ``(batch, timesteps, features)``.

    Output shape:
        ``(batch, units)``, or ``(batch, timesteps, units)`` with ``return_sequences``; with
        ``return_state`` a list: that, then one ``(batch, state_size)`` per state.

    Raises:
        ValueError: for a cell without ``call``/``state_size``, an input that is not 3D, a
            stateful layer without a known batch size, initial states of the wrong number
            or shape.

    Example:
        >>> import numpy as np
        >>> from minikeras.layers.recurrent.lstm import LSTMCell
        >>> layer = RNN(LSTMCell(4), return_sequences=True)
        >>> layer(np.zeros((2, 5, 3))).shape
        (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            from minikeras.layers.recurrent.stacked_cells import StackedRNNCells

            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
            raise ValueError(
                f"{layer_label(self)}: `cell` should have a `call` method and a `state_size` "
                f"attribute; received {cell!r}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self.states = None
        self._num_constants = 0

    # --- the two ways in: a tensor, or a list [inputs, *initial_state, *constants] ----------
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        initial_state, constants = _as_list(initial_state), _as_list(constants)
        if not initial_state and not constants:
            return super().__call__(inputs, **kwargs)
        if isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{layer_label(self)}: pass the initial states either in the input list or as "
                "`initial_state`, not both."
            )
        self._num_constants = len(constants)
        return super().__call__([inputs] + initial_state + constants, **kwargs)

    def _split_inputs(self, inputs):
        """inputs, initial states, constants from what ``call`` received."""
        if not isinstance(inputs, (list, tuple)):
            return inputs, [], []
        inputs = list(inputs)
        k = len(inputs) - self._num_constants
        return inputs[0], inputs[1:k], inputs[k:]

    def _check_input_spec(self, flat_inputs):
        # Only the sequence has a spec; the states are checked against state_size in call.
        if self.input_spec is not None and flat_inputs:
            self.input_spec.check(self.name, tuple(flat_inputs[0].shape))

    # --- building ------------------------------------------------------------------------------
    def build(self, input_shape):
        shapes = input_shape if input_shape and isinstance(input_shape[0], (list, tuple)) else [input_shape]
        shape = tuple(shapes[0])
        if len(shape) != 3:
            raise ValueError(
                f"{layer_label(self)}: expected an input of shape (batch, timesteps, features), "
                f"received shape {shape}."
            )
        if shape[-1] is None:
            raise ValueError(f"{layer_label(self)}: the last axis of the input must be known, "
                             f"received shape {shape}.")
        batch = shape[0] if shape[0] is not None else (self._batch_input_shape or (None,))[0]
        if self.stateful and batch is None:
            raise ValueError(
                f"{layer_label(self)}: a stateful RNN needs to know its batch size. Give the first "
                "layer `batch_input_shape=(batch, timesteps, features)` (Sequential) or "
                "`batch_size=...`, or use Input(batch_shape=...) (functional); received "
                f"input shape {shape}."
            )
        step_shape = (shape[0], shape[-1])
        if self._num_constants:
            step_shape = [step_shape] + [tuple(s) for s in shapes[len(shapes) - self._num_constants:]]
        if not getattr(self.cell, "built", False):
            self.cell.build(step_shape)
            self.cell.built = True
        self._trainable_weights = list(self.cell.trainable_weights)
        self._non_trainable_weights = list(self.cell.non_trainable_weights)
        self.input_spec = InputSpec(ndim=3, axes={-1: shape[-1]})
        self._batch = batch
        self.built = True
        if self.stateful:
            self.reset_states()

    # --- stateful ------------------------------------------------------------------------------
    def reset_states(self, states=None):
        """Set the states of a stateful layer to zeros, or to ``states`` (arrays, one per state)."""
        if not self.stateful:
            raise AttributeError(f"{layer_label(self)}: reset_states() is for stateful layers; "
                                 "this layer was created with stateful=False.")
        if not self.built:
            raise ValueError(f"{layer_label(self)}: the layer must be built before reset_states().")
        sizes = state_sizes(self.cell)
        if states is None:
            self.states = [np.zeros((self._batch, s), dtype=self.dtype) for s in sizes]
            return
        states = _as_list(states)
        if len(states) != len(sizes):
            raise ValueError(f"{layer_label(self)}: reset_states expected {len(sizes)} state "
                             f"array(s), received {len(states)}.")
        values = []
        for i, (value, size) in enumerate(zip(states, sizes)):
            value = np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=self.dtype)
            if value.shape != (self._batch, size):
                raise ValueError(f"{layer_label(self)}: state {i} is incompatible with the layer: "
                                 f"expected shape {(self._batch, size)}, received shape {value.shape}.")
            values.append(value.copy())
        self.states = values

    # --- the loop through time ------------------------------------------------------------------
    def call(self, inputs, mask=None, training=None):
        inputs, initial_state, constants = self._split_inputs(inputs)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        N, T = inputs.shape[0], inputs.shape[1]
        if T == 0:
            raise ValueError(f"{layer_label(self)}: the input has 0 timesteps; expected at least 1.")
        states = self._initial_states(inputs, initial_state)
        keep = None if mask is None else np.asarray(mask.numpy() if isinstance(mask, Tensor) else mask, dtype=bool)
        if keep is not None and keep.shape != (N, T):
            raise ValueError(f"{layer_label(self)}: expected a mask of shape {(N, T)}, received "
                             f"shape {keep.shape}.")
        if self.go_backwards:
            inputs = ops.getitem(inputs, (slice(None), slice(None, None, -1)))
            keep = None if keep is None else keep[:, ::-1]
        if hasattr(self.cell, "_begin_sequence"):
            self.cell._begin_sequence((N, inputs.shape[2]), training)
        fused = getattr(self.cell, "_run_sequence", None)
        if fused is not None and not constants and self.cell._fused_activations() is not None:
            sequence, final = fused(inputs, states, keep)
        else:
            sequence, final = self._step_loop(inputs, states, constants, keep, training)
        if self.stateful:
            self.states = [np.array(s.numpy(), dtype=self.dtype) for s in final]
        output = sequence if self.return_sequences else ops.getitem(sequence, (slice(None), -1))
        if self.return_state:
            return [output] + list(final)
        return output

    def _step_loop(self, inputs, states, constants, keep, training):
        """The loop of the module docstring, one ``cell.call`` per step, recorded op by op."""
        parameters = inspect.signature(self.cell.call).parameters
        extra = {}
        if "training" in parameters:
            extra["training"] = training
        if constants:
            if "constants" not in parameters:
                raise ValueError(f"{layer_label(self)}: `constants` were given, but the cell's "
                                 "call() does not accept a `constants` argument.")
            extra["constants"] = constants
        outputs = []
        for t in range(inputs.shape[1]):
            output, new_states = self.cell.call(ops.getitem(inputs, (slice(None), t)), list(states), **extra)
            new_states = _as_list(new_states)
            if keep is not None:
                kept = keep[:, t:t + 1]
                output = ops.where(kept, output, states[0])
                new_states = [ops.where(kept, new, old) for new, old in zip(new_states, states)]
            outputs.append(output)
            states = new_states
        return ops.stack(outputs, axis=1), states

    def _initial_states(self, inputs, given):
        sizes = state_sizes(self.cell)
        N = inputs.shape[0]
        if given:
            if len(given) != len(sizes):
                raise ValueError(
                    f"{layer_label(self)}: expects {len(sizes)} initial state(s) (state sizes "
                    f"{sizes}), but it received {len(given)}."
                )
            for i, (state, size) in enumerate(zip(given, sizes)):
                if tuple(state.shape) != (N, size):
                    raise ValueError(
                        f"{layer_label(self)}: initial state {i} expected shape {(N, size)}, "
                        f"received shape {tuple(state.shape)}."
                    )
            return list(given)
        if self.stateful:
            if self.states is None or self.states[0].shape[0] != N:
                expected = None if self.states is None else self.states[0].shape[0]
                raise ValueError(
                    f"{layer_label(self)}: a stateful layer keeps the states of batch size "
                    f"{expected}; received a batch of {N} samples."
                )
            return [Tensor(s) for s in self.states]
        return [Tensor(np.zeros((N, s), dtype=inputs.dtype)) for s in sizes]

    # --- shapes, masks, config ------------------------------------------------------------------
    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        return int(size) if size is not None else state_sizes(self.cell)[0]

    def compute_output_shape(self, input_shape):
        if input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(
                f"{layer_label(self)}: expected an input of shape (batch, timesteps, features), "
                f"received shape {input_shape}."
            )
        units = self._output_size()
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], units)
        else:
            output_shape = (input_shape[0], units)
        if self.return_state:
            return [output_shape] + [(input_shape[0], s) for s in state_sizes(self.cell)]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(state_sizes(self.cell))
        return output_mask

    def get_config(self):
        config = {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "cell": {"class_name": type(self.cell).__name__, "config": self.cell.get_config()},
        }
        if self._num_constants:
            config["num_constants"] = self._num_constants
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras.layers.recurrent.stacked_cells import deserialize_cell

        config = dict(config)
        num_constants = config.pop("num_constants", 0)
        config["cell"] = deserialize_cell(config["cell"], custom_objects)
        layer = cls(**config)
        layer._num_constants = num_constants
        return layer
