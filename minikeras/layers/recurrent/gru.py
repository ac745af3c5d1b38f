"""GRU: the gated recurrent unit (Cho et al., 2014), then its layer."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import layer_label
from minikeras.layers.recurrent.base_cell import CellLayer, RecurrentCell
from minikeras.ops.recurrent import gru_sequence
from minikeras.tensor import Tensor

__all__ = ["GRUCell", "GRU"]


class GRUCell(RecurrentCell):
    """One step of a GRU, gates in Keras' order z (update), r (reset), h (candidate):

        z = ract(x_z + h_{t-1} @ U_z),  r = ract(x_r + h_{t-1} @ U_r)     (x_g = x_t @ W_g + b_g)
        reset_after=False (Keras 2 default):  hh = act(x_h + (r * h_{t-1}) @ U_h)
        reset_after=True (CuDNN's variant):   hh = act(x_h + r * (h_{t-1} @ U_h + rb_h)),
                                              with the recurrent bias rb added to z and r too
        h_t = z * h_{t-1} + (1 - z) * hh

    With ``implementation=2`` and recurrent dropout, Keras 2.2.4 also uses the dropped
    ``h_{t-1}`` in the last line; so does this cell.

    Args:
        units, activation, recurrent_activation, use_bias, the initializers, regularizers,
        constraints, dropout, recurrent_dropout, implementation: as ``LSTMCell``.
        reset_after: see above.

    Weights (Keras order): ``kernel`` (features, 3 units), ``recurrent_kernel`` (units,
    3 units), ``bias`` (3 units,), or (2, 3 units) with ``reset_after``: row 0 the input
    bias, row 1 the recurrent bias.

    Example:
        >>> GRUCell(4, reset_after=True).state_size
        4
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=1, reset_after=False,
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
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return ops.getitem(self.bias, 0)

    def _recurrent_bias(self, gate):
        return ops.getitem(self.bias, (1, slice(gate * self.units, (gate + 1) * self.units)))

    def _mix_dropped(self):
        return self.implementation == 2 and self._recurrent_dropout_mask is not None

    def call(self, inputs, states, training=None):
        h = states[0]
        xz = self._input_projection(inputs)
        x_z, x_r, x_h = (self._gate_columns(xz, g) for g in range(3))
        m_z, m_r = self._recurrent_share(h, 0), self._recurrent_share(h, 1)
        if self.reset_after and self.bias is not None:
            m_z, m_r = m_z + self._recurrent_bias(0), m_r + self._recurrent_bias(1)
        z = self.recurrent_activation(x_z + m_z)
        r = self.recurrent_activation(x_r + m_r)
        if self.reset_after:
            m_h = self._recurrent_share(h, 2)
            if self.bias is not None:
                m_h = m_h + self._recurrent_bias(2)
            hh = self.activation(x_h + r * m_h)
        else:
            mask = self._recurrent_mask(2)
            h_h = h * Tensor(mask) if mask is not None else h
            hh = self.activation(x_h + ops.matmul(r * h_h, self._gate_columns(self.recurrent_kernel, 2)))
        mixed = h * Tensor(self._recurrent_mask(0)) if self._mix_dropped() else h
        h = z * mixed + (1 - z) * hh
        return h, [h]

    def _run_sequence(self, inputs, states, keep):
        act, ract = self._fused_activations()
        if self.reset_after and self.bias is not None:
            recurrent_bias = ops.getitem(self.bias, 1)
        else:
            recurrent_bias = self._zeros((3 * self.units,))
        sequence = gru_sequence(inputs, self.kernel, self._sequence_bias(), recurrent_bias,
                                states[0], self.recurrent_kernel, keep=keep,
                                dmask=self._input_masks(), rmask=self._recurrent_masks(),
                                activation=act, recurrent_activation=ract,
                                reset_after=self.reset_after, mix_dropped=self._mix_dropped())
        return sequence, [ops.getitem(sequence, (slice(None), -1))]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


class GRU(CellLayer):
    """Gated recurrent unit layer: ``RNN(GRUCell(...))`` with the cell's arguments.

    Args: those of ``GRUCell`` (including ``reset_after``, default False as in Keras 2.2.4),
    ``activity_regularizer``, and those of ``RNN``.

    Example:
        >>> import numpy as np
        >>> gru = GRU(3, reset_after=True)
        >>> gru(np.zeros((2, 4, 5))).shape, [w.shape for w in gru.weights]
        ((2, 3), [(5, 9), (3, 9), (2, 9)])
    """

    cell_class = GRUCell
    _cell_arguments = ("units", "activation", "recurrent_activation", "use_bias",
                       "kernel_initializer", "recurrent_initializer", "bias_initializer",
                       "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                       "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                       "recurrent_dropout", "implementation", "reset_after")

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=1,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=False, **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout,
            implementation=implementation, reset_after=reset_after)
        super().__init__(cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
