"""The recurrent cells run through a whole sequence: one op per cell type.

Each op takes the layer's input ``x`` ``(N, T, F)``, its weights and the initial states, and
computes, for every step t,

    xz_t = (x_t * dmask_gate) @ kernel_gate + bias_gate      the input's share of each gate
    state_t = cell(xz_t, state_{t-1}, recurrent_kernel)      the loop through time

The first line needs no previous state: it is one matrix product over all steps. The
second chains the steps and runs in the kernels ``simple_rnn_*``, ``lstm_*`` and ``gru_*`` of
``_kernels/recurrent.pyx`` (or their twins under ``kernels.use("reference")``), which work
time-major. ``keep`` ``(N, T)`` marks the steps that count (a masked step copies the state
forward); ``dmask`` ``(G, N, F)`` and ``rmask`` ``(G, N, U)`` are the input and recurrent
dropout masks (one per gate), or None. Activations are given by name
(``RECURRENT_ACTIVATIONS``).

The backward pass runs the backward kernel, which gives ``dz``, the gradient of every
``xz_t``, and the initial states' gradients; the weights' gradients are then matrix
products over all steps: ``dkernel_gate = sum_t (x_t * dmask_gate).T @ dz_t,gate`` and
``drecurrent_kernel_gate = sum_t (h_{t-1} * rmask_gate).T @ dz_t,gate``.

All the matrix products run with NumPy's BLAS on one thread (``_kernels/blas.py`` says why).
"""
import numpy as np

from minikeras._kernels import compute_dtype, kernel
from minikeras._kernels.blas import single_threaded_blas
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
    """What the three ops share: layouts, masks, the input projection and the weight gradients."""

    gates = 1

    def _prepare(self, x, W, b, R):
        """Time-major input, masks and weights in the compute dtype; returns xz (T, N, G*U)."""
        N, T, F = x.shape
        U = R.shape[0]
        G = self.gates
        self.dtype = dtype = compute_dtype(x, W, R)
        keep = np.ones((N, T), dtype=bool) if self.keep is None else self.keep
        self.keep_tm = np.ascontiguousarray(np.asarray(keep, dtype=bool).T, dtype=np.uint8)
        self.rmask_c = (np.zeros((0, N, U), dtype) if self.rmask is None
                        else np.ascontiguousarray(self.rmask, dtype=dtype))
        self.dmask_c = None if self.dmask is None else np.asarray(self.dmask, dtype=dtype)
        self.R_c = np.ascontiguousarray(R, dtype=dtype)
        self.W_c = np.asarray(W, dtype=dtype)
        self.act_code = ACTIVATIONS.index(self.act)
        self.ract_code = ACTIVATIONS.index(getattr(self, "ract", "linear"))
        self.x_tm = _time_major(x, dtype)
        rows = self.x_tm.reshape(T * N, F)
        if self.dmask_c is None:
            xz = rows @ self.W_c
        else:
            xz = np.empty((T * N, G * U), dtype=dtype)
            for g in range(G):
                dropped = (self.x_tm * self.dmask_c[g]).reshape(T * N, F)
                xz[:, g * U:(g + 1) * U] = dropped @ self.W_c[:, g * U:(g + 1) * U]
        xz += np.asarray(b, dtype=dtype)
        return xz.reshape(T, N, G * U)

    def _input_gradients(self, dz):
        """dx (N, T, F), dkernel (F, G*U), dbias (G*U,) from dz (T, N, G*U)."""
        T, N, GU = dz.shape
        F = self.x_tm.shape[2]
        U = GU // self.gates
        rows = dz.reshape(T * N, GU)
        if self.dmask_c is None:
            dx = (rows @ self.W_c.T).reshape(T, N, F)
            dW = self.x_tm.reshape(T * N, F).T @ rows
        else:
            dx = np.zeros((T, N, F), dtype=self.dtype)
            dW = np.empty((F, GU), dtype=self.dtype)
            for g in range(self.gates):
                part = rows[:, g * U:(g + 1) * U]
                dx += (part @ self.W_c[:, g * U:(g + 1) * U].T).reshape(T, N, F) * self.dmask_c[g]
                dropped = (self.x_tm * self.dmask_c[g]).reshape(T * N, F)
                dW[:, g * U:(g + 1) * U] = dropped.T @ part
        return Tensor(_batch_major(dx)), Tensor(dW), Tensor(rows.sum(axis=0))

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
        return Tensor(dR)


class SimpleRNNSequence(_Sequence):
    """h_t = act(xz_t + (h_{t-1} * rmask) @ R) for t = 0..T-1; the output is (h_1..h_T)."""

    def forward(self, x, W, b, h0, R):
        with single_threaded_blas():
            xz = self._prepare(x, W, b, R)
            T, N, U = xz.shape
            self.hs = np.empty((T + 1, N, U), dtype=self.dtype)
            self.hs[0] = h0
            kernel("simple_rnn_forward")(xz, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                                         self.hs)
        return _batch_major(self.hs[1:]).astype(x.dtype, copy=False)

    def backward(self, grad):
        dhs = _time_major(grad.numpy(), self.dtype)
        T, N, U = dhs.shape
        dz = np.empty((T, N, U), dtype=self.dtype)
        dh0 = np.empty((N, U), dtype=self.dtype)
        with single_threaded_blas():
            kernel("simple_rnn_backward")(dhs, self.R_c, self.keep_tm, self.rmask_c,
                                          self.act_code, self.hs, dz, dh0)
            dx, dW, db = self._input_gradients(dz)
            dR = self._recurrent_kernel_gradient(self.hs[:-1], dz)
        return dx, dW, db, Tensor(dh0), dR


class LSTMSequence(_Sequence):
    """The LSTM through time; the output (N, T+1, U) holds h_1..h_T, then the last c."""

    gates = 4

    def forward(self, x, W, b, h0, c0, R):
        with single_threaded_blas():
            xz = self._prepare(x, W, b, R)
            T, N, U = xz.shape[0], xz.shape[1], R.shape[0]
            self.hs = np.empty((T + 1, N, U), dtype=self.dtype)
            self.cs = np.empty((T + 1, N, U), dtype=self.dtype)
            self.hs[0], self.cs[0] = h0, c0
            self.gate_values = np.empty((T, N, 4 * U), dtype=self.dtype)
            kernel("lstm_forward")(xz, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                                   self.ract_code, self.hs, self.cs, self.gate_values)
        out = np.empty((N, T + 1, U), dtype=x.dtype)
        out[:, :T] = np.swapaxes(self.hs[1:], 0, 1)
        out[:, T] = self.cs[T]
        return out

    def backward(self, grad):
        g = grad.numpy()
        N, T1, U = g.shape
        T = T1 - 1
        dhs = _time_major(g[:, :T], self.dtype)
        dcs = np.zeros((T, N, U), dtype=self.dtype)
        dcs[T - 1] = g[:, T]
        dz = np.empty((T, N, 4 * U), dtype=self.dtype)
        dh0 = np.empty((N, U), dtype=self.dtype)
        dc0 = np.empty((N, U), dtype=self.dtype)
        with single_threaded_blas():
            kernel("lstm_backward")(dhs, dcs, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                                    self.ract_code, self.hs, self.cs, self.gate_values, dz, dh0,
                                    dc0)
            dx, dW, db = self._input_gradients(dz)
            dR = self._recurrent_kernel_gradient(self.hs[:-1], dz)
        return dx, dW, db, Tensor(dh0), Tensor(dc0), dR


class GRUSequence(_Sequence):
    """The GRU through time (z, r, h gates); the output is (h_1..h_T).

    ``b`` is the input bias (3U,); ``rb`` the recurrent bias (3U,), used with
    ``reset_after`` (its gradient is returned for it in any case).
    """

    gates = 3

    def forward(self, x, W, b, rb, h0, R):
        with single_threaded_blas():
            xz = self._prepare(x, W, b, R)
            T, N, U = xz.shape[0], xz.shape[1], R.shape[0]
            self.hs = np.empty((T + 1, N, U), dtype=self.dtype)
            self.hs[0] = h0
            self.gate_values = np.empty((T, N, 3 * U), dtype=self.dtype)
            self.mh = np.zeros((T, N, U) if self.reset_after else (0, N, U), dtype=self.dtype)
            kernel("gru_forward")(xz, self.R_c, np.ascontiguousarray(rb, dtype=self.dtype),
                                  self.keep_tm, self.rmask_c, self.act_code, self.ract_code,
                                  self.reset_after, self.mix_dropped, self.hs, self.gate_values,
                                  self.mh)
        return _batch_major(self.hs[1:]).astype(x.dtype, copy=False)

    def backward(self, grad):
        dhs = _time_major(grad.numpy(), self.dtype)
        T, N, U = dhs.shape
        dz = np.empty((T, N, 3 * U), dtype=self.dtype)
        dh0 = np.empty((N, U), dtype=self.dtype)
        with single_threaded_blas():
            kernel("gru_backward")(dhs, self.R_c, self.keep_tm, self.rmask_c, self.act_code,
                                   self.ract_code, self.reset_after, self.mix_dropped, self.hs,
                                   self.gate_values, self.mh, dz, dh0)
            dx, dW, db = self._input_gradients(dz)
            r = self.gate_values[:, :, U:2 * U]
            previous = self.hs[:-1]
            if self.reset_after:
                # The candidate's recurrent share is r * m_h: m_h's gradient is dz_h * r.
                dm = dz.copy()
                dm[:, :, 2 * U:] *= r
                dR = self._recurrent_kernel_gradient(previous, dm)
                drb = Tensor(dm.sum(axis=(0, 1)))
            else:
                h_h = previous * self.rmask_c[2] if self.rmask_c.shape[0] else previous
                dR = self._recurrent_kernel_gradient(previous, dz, [None, None, r * h_h])
                drb = Tensor(np.zeros(3 * U, dtype=self.dtype))
        return dx, dW, db, drb, Tensor(dh0), dR


def _check(name, x, W, b, R, gates, states, keep, dmask, rmask, activations):
    shape = lambda a: tuple(np.shape(a))
    if len(shape(R)) != 2 or shape(R)[1] != gates * shape(R)[0]:
        raise ValueError(f"{name}: expected a recurrent kernel of shape (units, {gates} * units), "
                         f"received shape {shape(R)}.")
    U = shape(R)[0]
    if len(shape(x)) != 3:
        raise ValueError(f"{name}: expected an input of shape (batch, timesteps, features), "
                         f"received shape {shape(x)}.")
    N, T, F = shape(x)
    if shape(W) != (F, gates * U):
        raise ValueError(f"{name}: expected a kernel of shape {(F, gates * U)}, received shape {shape(W)}.")
    if shape(b) != (gates * U,):
        raise ValueError(f"{name}: expected a bias of shape {(gates * U,)}, received shape {shape(b)}.")
    for state in states:
        if shape(state) != (N, U):
            raise ValueError(f"{name}: expected states of shape {(N, U)}, received shape {shape(state)}.")
    if keep is not None and shape(keep) != (N, T):
        raise ValueError(f"{name}: expected a mask of shape {(N, T)}, received shape {shape(keep)}.")
    if dmask is not None and shape(dmask) != (gates, N, F):
        raise ValueError(f"{name}: expected input dropout masks of shape {(gates, N, F)}, "
                         f"received shape {shape(dmask)}.")
    if rmask is not None and shape(rmask) != (gates, N, U):
        raise ValueError(f"{name}: expected recurrent dropout masks of shape {(gates, N, U)}, "
                         f"received shape {shape(rmask)}.")
    for activation in activations:
        if activation not in ACTIVATIONS:
            raise ValueError(f"{name}: activation {activation!r} has no kernel; expected one of "
                             f"{ACTIVATIONS}.")


def simple_rnn_sequence(x, kernel_, bias, h0, recurrent_kernel, keep=None, dmask=None,
                        rmask=None, activation="tanh"):
    """The SimpleRNN through time: ``(N, T, U)``, the outputs h_1..h_T.

    Example:
        >>> import numpy as np
        >>> x = np.ones((2, 3, 1)); W = np.ones((1, 4)); b = np.zeros(4)
        >>> h0 = np.zeros((2, 4)); R = np.eye(4) * 0.5
        >>> simple_rnn_sequence(x, W, b, h0, R, activation="linear").numpy()[0, :, 0]
        array([1.  , 1.5 , 1.75])
    """
    _check("simple_rnn_sequence", x, kernel_, bias, recurrent_kernel, 1, [h0], keep, dmask, rmask,
           [activation])
    return SimpleRNNSequence.apply(x, kernel_, bias, h0, recurrent_kernel, keep=keep, dmask=dmask,
                                   rmask=rmask, act=activation)


def lstm_sequence(x, kernel_, bias, h0, c0, recurrent_kernel, keep=None, dmask=None, rmask=None,
                  activation="tanh", recurrent_activation="hard_sigmoid"):
    """The LSTM through time: ``(N, T+1, U)``, the outputs h_1..h_T then the last state c_T."""
    _check("lstm_sequence", x, kernel_, bias, recurrent_kernel, 4, [h0, c0], keep, dmask, rmask,
           [activation, recurrent_activation])
    return LSTMSequence.apply(x, kernel_, bias, h0, c0, recurrent_kernel, keep=keep, dmask=dmask,
                              rmask=rmask, act=activation, ract=recurrent_activation)


def gru_sequence(x, kernel_, bias, recurrent_bias, h0, recurrent_kernel, keep=None, dmask=None,
                 rmask=None, activation="tanh", recurrent_activation="hard_sigmoid",
                 reset_after=False, mix_dropped=False):
    """The GRU through time: ``(N, T, U)``, the outputs h_1..h_T. ``recurrent_bias`` (3U,) is
    used with ``reset_after`` only (pass zeros otherwise). ``mix_dropped``: Keras 2's
    implementation 2 mixes the dropped-out h_{t-1} into the new state."""
    _check("gru_sequence", x, kernel_, bias, recurrent_kernel, 3, [h0], keep, dmask, rmask,
           [activation, recurrent_activation])
    if tuple(np.shape(recurrent_bias)) != tuple(np.shape(bias)):
        raise ValueError(f"gru_sequence: expected a recurrent bias of shape {tuple(np.shape(bias))}, "
                         f"received shape {tuple(np.shape(recurrent_bias))}.")
    return GRUSequence.apply(x, kernel_, bias, recurrent_bias, h0, recurrent_kernel, keep=keep,
                             dmask=dmask, rmask=rmask, act=activation, ract=recurrent_activation,
                             reset_after=bool(reset_after), mix_dropped=bool(mix_dropped))
