"""The recurrent cells run through a whole sequence: one op per cell type.

A recurrent layer splits each step's pre-activations in two: the input's share
``xz_t = x_t @ kernel + bias`` needs no previous state, so the layer computes it for every
step at once with ordinary ops (one large matrix product the tape differentiates); the
recurrent share ``h_{t-1} @ recurrent_kernel`` chains the steps together and is what these
ops run, through the kernels ``simple_rnn_*``, ``lstm_*`` and ``gru_*`` of
``_kernels/recurrent.pyx`` (or their twins under ``kernels.use("reference")``).

Inputs are batch-major like the layers' (``xz`` is ``(N, T, G*U)``); the kernels work
time-major. ``keep`` ``(N, T)`` marks the steps that count (a masked step copies the state
forward) and ``rmask`` ``(G, N, U)`` holds the recurrent dropout masks, or is None. The
activations are given by name (``RECURRENT_ACTIVATIONS``).

The backward pass runs the backward kernel, which gives ``dz``, the gradient of ``xz``,
and the initial states' gradients; the recurrent kernel's gradient is then one matrix
product over all steps, ``dR_gate = sum_t (h_{t-1} * rmask_gate).T @ dz_t,gate``.
"""
import numpy as np

from minikeras._kernels import compute_dtype, kernel
from minikeras._kernels.reference import ACTIVATIONS
from minikeras.ops.base import Op
from minikeras.tensor import Tensor

__all__ = ["simple_rnn_sequence", "lstm_sequence", "gru_sequence", "RECURRENT_ACTIVATIONS"]

RECURRENT_ACTIVATIONS = ACTIVATIONS


def _time_major(array, dtype):
    return np.ascontiguousarray(np.swapaxes(array, 0, 1), dtype=dtype)


def _batch_major(array):
    return np.ascontiguousarray(np.swapaxes(array, 0, 1))


class _Sequence(Op):
    """What the three ops share: the layouts, the masks and the recurrent kernel's gradient."""

    gates = 1

    def _prepare(self, xz, R):
        N, T = xz.shape[0], xz.shape[1]
        U = R.shape[0]
        self.dtype = compute_dtype(xz, R)
        keep = np.ones((N, T), dtype=bool) if self.keep is None else self.keep
        self.keep_tm = np.ascontiguousarray(np.asarray(keep, dtype=bool).T, dtype=np.uint8)
        if self.rmask is None:
            self.rmask_c = np.zeros((0, N, U), dtype=self.dtype)
        else:
            self.rmask_c = np.ascontiguousarray(self.rmask, dtype=self.dtype)
        self.R_c = np.ascontiguousarray(R, dtype=self.dtype)
        self.act_code = ACTIVATIONS.index(self.act)
        self.ract_code = ACTIVATIONS.index(getattr(self, "ract", "linear"))
        return N, T, U

    def _recurrent_kernel_gradient(self, previous, dz, gate_inputs=None):
        """sum_t previous_t(gate).T @ dz_t(gate); previous: (T, N, U) states before each step."""
        U = self.R_c.shape[0]
        G = dz.shape[2] // U
        dR = np.empty((U, G * U), dtype=self.dtype)
        for g in range(G):
            h = previous
            if gate_inputs is not None and gate_inputs[g] is not None:
                h = gate_inputs[g]
            elif self.rmask_c.shape[0]:
                h = previous * self.rmask_c[g]
            dR[:, g * U:(g + 1) * U] = h.reshape(-1, U).T @ dz[:, :, g * U:(g + 1) * U].reshape(-1, U)
        return dR


class SimpleRNNSequence(_Sequence):
    """h_t = act(xz_t + (h_{t-1} * rmask) @ R) for t = 0..T-1; the output is (h_1..h_T)."""

    def forward(self, xz, h0, R):
        N, T, U = self._prepare(xz, R)
        self.hs = np.empty((T + 1, N, U), dtype=self.dtype)
        self.hs[0] = h0
        kernel("simple_rnn_forward")(_time_major(xz, self.dtype), self.R_c, self.keep_tm,
                                     self.rmask_c, self.act_code, self.hs)
        return _batch_major(self.hs[1:]).astype(xz.dtype, copy=False)

    def backward(self, grad):
        dhs = _time_major(grad.numpy(), self.dtype)
        T, N, U = dhs.shape
        dz = np.empty((T, N, U), dtype=self.dtype)
        dh0 = np.empty((N, U), dtype=self.dtype)
        kernel("simple_rnn_backward")(dhs, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                                      self.hs, dz, dh0)
        dR = self._recurrent_kernel_gradient(self.hs[:-1], dz)
        return Tensor(_batch_major(dz)), Tensor(dh0), Tensor(dR)


class LSTMSequence(_Sequence):
    """The LSTM through time; the output (N, T, 2U) holds h_t then c_t for every step."""

    def forward(self, xz, h0, c0, R):
        N, T, U = self._prepare(xz, R)
        self.hs = np.empty((T + 1, N, U), dtype=self.dtype)
        self.cs = np.empty((T + 1, N, U), dtype=self.dtype)
        self.hs[0], self.cs[0] = h0, c0
        self.gate_values = np.empty((T, N, 4 * U), dtype=self.dtype)
        kernel("lstm_forward")(_time_major(xz, self.dtype), self.R_c, self.keep_tm, self.rmask_c,
                               self.act_code, self.ract_code, self.hs, self.cs, self.gate_values)
        both = np.concatenate([self.hs[1:], self.cs[1:]], axis=2)
        return _batch_major(both).astype(xz.dtype, copy=False)

    def backward(self, grad):
        g = _time_major(grad.numpy(), self.dtype)
        T, N, U2 = g.shape
        U = U2 // 2
        dhs, dcs = np.ascontiguousarray(g[:, :, :U]), np.ascontiguousarray(g[:, :, U:])
        dz = np.empty((T, N, 4 * U), dtype=self.dtype)
        dh0 = np.empty((N, U), dtype=self.dtype)
        dc0 = np.empty((N, U), dtype=self.dtype)
        kernel("lstm_backward")(dhs, dcs, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                                self.ract_code, self.hs, self.cs, self.gate_values, dz, dh0, dc0)
        dR = self._recurrent_kernel_gradient(self.hs[:-1], dz)
        return Tensor(_batch_major(dz)), Tensor(dh0), Tensor(dc0), Tensor(dR)


class GRUSequence(_Sequence):
    """The GRU through time (z, r, h gates); ``rb`` is the recurrent bias (reset_after)."""

    def forward(self, xz, h0, R, rb):
        N, T, U = self._prepare(xz, R)
        self.hs = np.empty((T + 1, N, U), dtype=self.dtype)
        self.hs[0] = h0
        self.gate_values = np.empty((T, N, 3 * U), dtype=self.dtype)
        self.mh = np.zeros((T, N, U) if self.reset_after else (0, N, U), dtype=self.dtype)
        kernel("gru_forward")(_time_major(xz, self.dtype), self.R_c,
                              np.ascontiguousarray(rb, dtype=self.dtype), self.keep_tm,
                              self.rmask_c, self.act_code, self.ract_code, self.reset_after,
                              self.mix_dropped, self.hs, self.gate_values, self.mh)
        return _batch_major(self.hs[1:]).astype(xz.dtype, copy=False)

    def backward(self, grad):
        dhs = _time_major(grad.numpy(), self.dtype)
        T, N, U = dhs.shape
        dz = np.empty((T, N, 3 * U), dtype=self.dtype)
        dh0 = np.empty((N, U), dtype=self.dtype)
        kernel("gru_backward")(dhs, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                               self.ract_code, self.reset_after, self.mix_dropped, self.hs,
                               self.gate_values, self.mh, dz, dh0)
        r = self.gate_values[:, :, U:2 * U]
        previous = self.hs[:-1]
        if self.reset_after:
            # The candidate's recurrent share is r * m_h: m_h's gradient is dz_h * r.
            dm = dz.copy()
            dm[:, :, 2 * U:] *= r
            dR = self._recurrent_kernel_gradient(previous, dm)
            drb = dm.sum(axis=(0, 1))
        else:
            h_h = previous * self.rmask_c[2] if self.rmask_c.shape[0] else previous
            dR = self._recurrent_kernel_gradient(previous, dz, [None, None, r * h_h])
            drb = np.zeros(3 * U, dtype=self.dtype)
        return Tensor(_batch_major(dz)), Tensor(dh0), Tensor(dR), Tensor(drb)


def _check(name, xz, R, gates, states, keep, rmask, activations):
    xz_shape, R_shape = tuple(np.shape(xz)), tuple(np.shape(R))
    if len(R_shape) != 2 or R_shape[1] != gates * R_shape[0]:
        raise ValueError(f"{name}: expected a recurrent kernel of shape (units, {gates} * units), "
                         f"received shape {R_shape}.")
    U = R_shape[0]
    if len(xz_shape) != 3 or xz_shape[2] != gates * U:
        raise ValueError(f"{name}: expected xz of shape (batch, timesteps, {gates * U}), "
                         f"received shape {xz_shape}.")
    N, T = xz_shape[0], xz_shape[1]
    for state in states:
        if tuple(np.shape(state)) != (N, U):
            raise ValueError(f"{name}: expected states of shape {(N, U)}, received shape "
                             f"{tuple(np.shape(state))}.")
    if keep is not None and np.shape(keep) != (N, T):
        raise ValueError(f"{name}: expected a mask of shape {(N, T)}, received shape {np.shape(keep)}.")
    if rmask is not None and np.shape(rmask) != (gates, N, U):
        raise ValueError(f"{name}: expected recurrent dropout masks of shape {(gates, N, U)}, "
                         f"received shape {np.shape(rmask)}.")
    for activation in activations:
        if activation not in ACTIVATIONS:
            raise ValueError(f"{name}: activation {activation!r} has no kernel; expected one of "
                             f"{ACTIVATIONS}.")


def simple_rnn_sequence(xz, h0, recurrent_kernel, keep=None, rmask=None, activation="tanh"):
    """The SimpleRNN through time: ``(N, T, U)`` outputs h_1..h_T.

    Example:
        >>> import numpy as np
        >>> xz = np.ones((2, 3, 4)); h0 = np.zeros((2, 4)); R = np.eye(4) * 0.5
        >>> simple_rnn_sequence(xz, h0, R, activation="linear").numpy()[0, :, 0]
        array([1.  , 1.5 , 1.75])
    """
    _check("simple_rnn_sequence", xz, recurrent_kernel, 1, [h0], keep, rmask, [activation])
    return SimpleRNNSequence.apply(xz, h0, recurrent_kernel, keep=keep, rmask=rmask, act=activation)


def lstm_sequence(xz, h0, c0, recurrent_kernel, keep=None, rmask=None, activation="tanh",
                  recurrent_activation="hard_sigmoid"):
    """The LSTM through time: ``(N, T, 2U)``, each step's h then its c."""
    _check("lstm_sequence", xz, recurrent_kernel, 4, [h0, c0], keep, rmask,
           [activation, recurrent_activation])
    return LSTMSequence.apply(xz, h0, c0, recurrent_kernel, keep=keep, rmask=rmask,
                              act=activation, ract=recurrent_activation)


def gru_sequence(xz, h0, recurrent_kernel, recurrent_bias, keep=None, rmask=None,
                 activation="tanh", recurrent_activation="hard_sigmoid", reset_after=False,
                 mix_dropped=False):
    """The GRU through time: ``(N, T, U)`` outputs h_1..h_T. ``recurrent_bias`` (3U,) is used
    with ``reset_after`` only (pass zeros otherwise)."""
    _check("gru_sequence", xz, recurrent_kernel, 3, [h0], keep, rmask,
           [activation, recurrent_activation])
    return GRUSequence.apply(xz, h0, recurrent_kernel, recurrent_bias, keep=keep, rmask=rmask,
                             act=activation, ract=recurrent_activation,
                             reset_after=bool(reset_after), mix_dropped=bool(mix_dropped))
