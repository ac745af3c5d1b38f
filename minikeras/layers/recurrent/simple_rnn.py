"""SimpleRNN: the fully connected recurrent cell, ``h_t = act(x_t W + h_{t-1} U + b)``, then its layer."""
from minikeras import ops
from minikeras.layers.recurrent.base_cell import CellLayer, RecurrentCell
from minikeras.ops.recurrent import simple_rnn_sequence

__all__ = ["SimpleRNNCell", "SimpleRNN"]


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN: output and state are the same ``h_t``:

        h_t = act((x_t * dropout_mask) @ kernel + (h_{t-1} * recurrent_mask) @ recurrent_kernel + bias)

    Args:
        units: positive int, the size of h.
        activation: default tanh.
        use_bias, kernel_initializer, recurrent_initializer (orthogonal), bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout: as ``LSTMCell``.

    Weights (Keras order): ``kernel`` (features, units), ``recurrent_kernel`` (units,
    units), ``bias`` (units,).

    Example:
        >>> import numpy as np
        >>> cell = SimpleRNNCell(2, activation="linear", recurrent_initializer="identity",
        ...                      kernel_initializer="ones")
        >>> cell.build((1, 1))
        >>> h, _ = cell.call(np.ones((1, 1)), [np.array([[1.0, 2.0]])])
        >>> h.numpy()
        array([[2., 3.]])
    """

    gates = 1
    has_recurrent_activation = False

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=None, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, **kwargs)

    def call(self, inputs, states, training=None):
        h = self.activation(self._input_projection(inputs) + self._recurrent_share(states[0], 0))
        return h, [h]

    def _run_sequence(self, inputs, states, keep):
        act, _ = self._fused_activations()
        sequence = simple_rnn_sequence(inputs, self.kernel, self._sequence_bias(), states[0],
                                       self.recurrent_kernel, keep=keep, dmask=self._input_masks(),
                                       rmask=self._recurrent_masks(), activation=act)
        return sequence, [ops.getitem(sequence, (slice(None), -1))]


class SimpleRNN(CellLayer):
    """Fully connected RNN layer: ``RNN(SimpleRNNCell(...))`` with the cell's arguments.

    Args: those of ``SimpleRNNCell``, ``activity_regularizer``, and those of ``RNN``
    (return_sequences, return_state, go_backwards, stateful, unroll).

    Example:
        >>> import numpy as np
        >>> SimpleRNN(4, return_sequences=True)(np.zeros((2, 3, 5))).shape
        (2, 3, 4)
    """

    cell_class = SimpleRNNCell
    _cell_arguments = ("units", "activation", "use_bias", "kernel_initializer",
                       "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                       "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                       "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout)
        super().__init__(cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
