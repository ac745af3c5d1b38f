"""LSTM: the long short-term memory cell (Hochreiter and Schmidhuber, 1997), then its layer."""
import numpy as np

from minikeras import initializers, ops
from minikeras.layers.recurrent.base_cell import CellLayer, RecurrentCell
from minikeras.ops.recurrent import lstm_sequence

__all__ = ["LSTMCell", "LSTM"]


class LSTMCell(RecurrentCell):
    """One step of an LSTM, gates in Keras' order i (input), f (forget), c (cell), o (output):

        z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias        (N, 4 * units)
        i = ract(z_i),  f = ract(z_f),  o = ract(z_o),  g = act(z_c)
        c_t = f * c_{t-1} + i * g,      h_t = o * act(c_t)

    with ``act`` = ``activation`` (tanh) and ``ract`` = ``recurrent_activation`` (Keras 2's
    ``hard_sigmoid``, ``clip(0.2 x + 0.5, 0, 1)``). Output ``h_t``; states ``[h_t, c_t]``.

    Args:
        units: positive int, the size of h and c.
        activation, recurrent_activation: see above.
        use_bias: whether to add ``bias``.
        kernel_initializer, recurrent_initializer, bias_initializer: defaults
            ``glorot_uniform``, ``orthogonal``, ``zeros``.
        unit_forget_bias: start the forget gate's bias at 1 (Jozefowicz et al., 2015).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout, recurrent_dropout: fractions of the input / state units dropped, one mask
            per gate and sequence (``implementation=1``) or one for all gates (``2``).
        implementation: 1 or 2 (the same numbers without dropout).

    Weights (Keras order): ``kernel`` (features, 4 units), ``recurrent_kernel`` (units,
    4 units), ``bias`` (4 units,).

    Example:
        >>> import numpy as np
        >>> cell = LSTMCell(2)
        >>> cell.build((1, 3))
        >>> h, (h_again, c) = cell.call(np.ones((1, 3)), [np.zeros((1, 2)), np.zeros((1, 2))])
        >>> h.shape, c.shape, [w.shape for w in cell.weights]
        ((1, 2), (1, 2), [(3, 8), (2, 8), (8,)])
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=1,
                 **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout,
            implementation=implementation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return (self.units, self.units)

    def _bias_initializer_for_build(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, initializer = self.units, self.bias_initializer

        def bias_with_unit_forget_gate(shape, dtype=None):
            return np.concatenate([
                np.asarray(initializer((units,), dtype=dtype)),
                np.ones((units,), dtype=dtype),
                np.asarray(initializer((2 * units,), dtype=dtype)),
            ])

        return bias_with_unit_forget_gate

    def call(self, inputs, states, training=None):
        h, c = states
        xz = self._input_projection(inputs)
        z = [self._gate_columns(xz, g) + self._recurrent_share(h, g) for g in range(4)]
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        g = self.activation(z[2])
        o = self.recurrent_activation(z[3])
        c = f * c + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def _run_sequence(self, inputs, states, keep):
        act, ract = self._fused_activations()
        T = inputs.shape[1]
        both = lstm_sequence(inputs, self.kernel, self._sequence_bias(), states[0], states[1],
                             self.recurrent_kernel, keep=keep, dmask=self._input_masks(),
                             rmask=self._recurrent_masks(), activation=act,
                             recurrent_activation=ract)
        sequence = ops.getitem(both, (slice(None), slice(0, T)))
        return sequence, [ops.getitem(both, (slice(None), T - 1)), ops.getitem(both, (slice(None), T))]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class LSTM(CellLayer):
    """Long short-term memory layer: ``RNN(LSTMCell(...))`` with the cell's arguments.

    Args: those of ``LSTMCell`` (units, activation, recurrent_activation, use_bias, the
    initializers, ``unit_forget_bias``, regularizers, constraints, dropout,
    recurrent_dropout, implementation), ``activity_regularizer``, and those of ``RNN``
    (return_sequences, return_state, go_backwards, stateful, unroll).

    Input shape: ``(batch, timesteps, features)``; output ``(batch, units)`` or
    ``(batch, timesteps, units)``, plus ``[h, c]`` with ``return_state``.

    Example:
        >>> import numpy as np
        >>> from minikeras.layers import Masking
        >>> x = np.array([[[1.0], [2.0], [0.0]]])        # the last step is padding
        >>> lstm = LSTM(3)
        >>> y = lstm(Masking()(x))
        >>> bool(np.allclose(y.numpy(), lstm(x[:, :2]).numpy()))   # the same as unpadded
        True
    """

    cell_class = LSTMCell
    _cell_arguments = ("units", "activation", "recurrent_activation", "use_bias",
                       "kernel_initializer", "recurrent_initializer", "bias_initializer",
                       "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                       "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                       "bias_constraint", "dropout", "recurrent_dropout", "implementation")

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=1, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, implementation=implementation)
        super().__init__(cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
