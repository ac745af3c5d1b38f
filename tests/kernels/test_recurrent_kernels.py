"""The compiled recurrent loops (recurrent.pyx) against their Python twins, and the ops'
float64 gradients through time (with masks and recurrent dropout masks).

Outputs start as NaN so that a kernel that forgets to write an element fails.
"""
import numpy as np
import pytest

from minikeras import kernels
from minikeras._kernels import recurrent as compiled
from minikeras._kernels import reference
from minikeras.ops.recurrent import gru_sequence, lstm_sequence, simple_rnn_sequence
from minikeras.utils import assert_gradients_close

N, T, U = 3, 5, 4


def tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def case(G, dtype, masked, dropped, seed=0):
    rng = np.random.default_rng(seed)
    keep = (rng.random((T, N)) > 0.3 if masked else np.ones((T, N), bool)).astype(np.uint8)
    rmask = ((rng.random((G, N, U)) > 0.3) / 0.7) if dropped else np.zeros((0, N, U))
    return dict(
        xz=rng.standard_normal((T, N, G * U)).astype(dtype),
        R=(0.5 * rng.standard_normal((U, G * U))).astype(dtype),
        keep=keep, rmask=rmask.astype(dtype),
        h0=rng.standard_normal((N, U)).astype(dtype), c0=rng.standard_normal((N, U)).astype(dtype),
        rb=rng.standard_normal(G * U).astype(dtype),
        dhs=rng.standard_normal((T, N, U)).astype(dtype), dcs=rng.standard_normal((T, N, U)).astype(dtype),
    )


def nans(shape, dtype):
    return np.full(shape, np.nan, dtype=dtype)


def run(module, name, c, act, ract, extra=()):
    """Forward then backward with ``module``'s kernels; every array they wrote."""
    dtype = c["xz"].dtype
    hs = nans((T + 1, N, U), dtype)
    hs[0] = c["h0"]
    if name == "simple_rnn":
        module.simple_rnn_forward(c["xz"], c["R"], c["keep"], c["rmask"], act, hs)
        dz, dh0 = nans((T, N, U), dtype), nans((N, U), dtype)
        module.simple_rnn_backward(c["dhs"], c["R"], c["keep"], c["rmask"], act, hs, dz, dh0)
        return [hs, dz, dh0]
    if name == "lstm":
        cs, gates = nans((T + 1, N, U), dtype), nans((T, N, 4 * U), dtype)
        cs[0] = c["c0"]
        module.lstm_forward(c["xz"], c["R"], c["keep"], c["rmask"], act, ract, hs, cs, gates)
        dz, dh0, dc0 = nans((T, N, 4 * U), dtype), nans((N, U), dtype), nans((N, U), dtype)
        module.lstm_backward(c["dhs"], c["dcs"], c["R"], c["keep"], c["rmask"], act, ract, hs, cs,
                             gates, dz, dh0, dc0)
        return [hs, cs, gates, dz, dh0, dc0]
    reset_after, mix_dropped = extra
    gates = nans((T, N, 3 * U), dtype)
    mh = np.zeros((T, N, U) if reset_after else (0, N, U), dtype)
    module.gru_forward(c["xz"], c["R"], c["rb"], c["keep"], c["rmask"], act, ract, reset_after,
                       mix_dropped, hs, gates, mh)
    dz, dh0 = nans((T, N, 3 * U), dtype), nans((N, U), dtype)
    module.gru_backward(c["dhs"], c["R"], c["keep"], c["rmask"], act, ract, reset_after,
                        mix_dropped, hs, gates, mh, dz, dh0)
    return [hs, gates, mh, dz, dh0]


GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
VARIANTS = [("simple_rnn", ()), ("lstm", ()), ("gru", (False, False)), ("gru", (True, False)),
            ("gru", (False, True)), ("gru", (True, True))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,extra", VARIANTS)
@pytest.mark.parametrize("masked,dropped", [(False, False), (True, False), (True, True)])
def test_compiled_kernels_agree_with_twins(dtype, name, extra, masked, dropped):
    c = case(GATES[name], dtype, masked, dropped)
    # tanh/hard_sigmoid, sigmoid/sigmoid, relu/tanh, linear/hard_sigmoid: bounded gates
    for act, ract in [(1, 3), (2, 2), (4, 1), (0, 3)]:
        ours = run(compiled, name, c, act, ract, extra)
        theirs = run(reference, name, c, act, ract, extra)
        for a, b in zip(ours, theirs):
            assert not np.isnan(a).any()
            np.testing.assert_allclose(a, b, **tolerance(dtype))


F = 2


def masked_case(G, seed):
    rng = np.random.default_rng(seed)
    keep = rng.random((N, T)) > 0.3
    keep[:, 0] = True
    dmask = (rng.random((G, N, F)) > 0.3) / 0.7
    rmask = (rng.random((G, N, U)) > 0.3) / 0.7
    arrays = [rng.standard_normal((N, T, F)), rng.standard_normal((F, G * U)),
              rng.standard_normal(G * U), rng.standard_normal((N, U)),
              rng.standard_normal((N, U)), 0.5 * rng.standard_normal((U, G * U)),
              rng.standard_normal(G * U)]
    return keep, dmask, rmask, arrays


# a: x, kernel, bias, h0, c0, recurrent kernel, recurrent bias; k: keep; d, m: dropout masks
SEQUENCES = {
    "simple_rnn": (1, lambda a, k, d, m: simple_rnn_sequence(a[0], a[1], a[2], a[3], a[5], keep=k,
                                                             dmask=d, rmask=m)),
    "lstm": (4, lambda a, k, d, m: lstm_sequence(a[0], a[1], a[2], a[3], a[4], a[5], keep=k,
                                                 dmask=d, rmask=m, recurrent_activation="sigmoid")),
    "gru": (3, lambda a, k, d, m: gru_sequence(a[0], a[1], a[2], a[6] * 0, a[3], a[5], keep=k,
                                               dmask=d, rmask=m, recurrent_activation="sigmoid")),
    "gru_reset_after": (3, lambda a, k, d, m: gru_sequence(a[0], a[1], a[2], a[6], a[3], a[5],
                                                           keep=k, dmask=d, rmask=m,
                                                           recurrent_activation="sigmoid",
                                                           reset_after=True)),
    "gru_mix_dropped": (3, lambda a, k, d, m: gru_sequence(a[0], a[1], a[2], a[6], a[3], a[5],
                                                           keep=k, dmask=d, rmask=m, reset_after=True,
                                                           mix_dropped=True)),
}


@pytest.mark.parametrize("backend", ["cython", "reference"])
@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_sequence_op_gradients_through_time(backend, name):
    """Every input: x, kernel, bias, the initial states, the recurrent kernel (and bias)."""
    G, fn = SEQUENCES[name]
    for k, (masked, dropped) in enumerate([(False, False), (True, False), (True, True)]):
        keep, dmask, rmask, arrays = masked_case(G, seed=k)
        with kernels.use(backend):
            assert_gradients_close(
                lambda *a: fn(a, keep if masked else None, dmask if dropped else None,
                              rmask if dropped else None),
                arrays, tol=1e-6)


def test_masked_steps_carry_the_state():
    keep, _, _, (x, W, b, h0, c0, R, _) = masked_case(4, seed=3)
    out = lstm_sequence(x, W, b, h0, c0, R, keep=keep).numpy()
    for n in range(N):
        for t in range(T):
            if not keep[n, t]:
                previous = out[n, t - 1] if t else h0[n]
                np.testing.assert_array_equal(out[n, t], previous)


def test_sequence_ops_check_their_operands():
    x, W, b, h0, R = np.zeros((2, 3, 5)), np.zeros((5, 8)), np.zeros(8), np.zeros((2, 4)), np.zeros((4, 8))
    with pytest.raises(ValueError, match=r"lstm_sequence: expected a recurrent kernel of shape \(units, 4 \* units\), received shape \(4, 8\)"):
        lstm_sequence(x, W, b, h0, h0, R)
    with pytest.raises(ValueError, match=r"simple_rnn_sequence: expected a kernel of shape \(5, 4\), received shape \(5, 8\)"):
        simple_rnn_sequence(x, W, np.zeros(4), h0, np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"expected an input of shape \(batch, timesteps, features\), received shape \(2, 3\)"):
        simple_rnn_sequence(np.zeros((2, 3)), W, b, h0, np.zeros((4, 4)))
    x, W, b = np.zeros((2, 3, 5)), np.zeros((5, 4)), np.zeros(4)
    R = np.zeros((4, 4))
    with pytest.raises(ValueError, match=r"expected a bias of shape \(4,\), received shape \(8,\)"):
        simple_rnn_sequence(x, W, np.zeros(8), h0, R)
    with pytest.raises(ValueError, match=r"expected states of shape \(2, 4\), received shape \(3, 4\)"):
        simple_rnn_sequence(x, W, b, np.zeros((3, 4)), R)
    with pytest.raises(ValueError, match=r"activation 'softmax' has no kernel"):
        simple_rnn_sequence(x, W, b, h0, R, activation="softmax")
    with pytest.raises(ValueError, match=r"expected a mask of shape \(2, 3\), received shape \(3, 2\)"):
        simple_rnn_sequence(x, W, b, h0, R, keep=np.ones((3, 2), bool))
    with pytest.raises(ValueError, match=r"expected input dropout masks of shape \(1, 2, 5\), received shape \(1, 2, 4\)"):
        simple_rnn_sequence(x, W, b, h0, R, dmask=np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match=r"gru_sequence: expected a recurrent bias of shape \(12,\), received shape \(4,\)"):
        gru_sequence(x, np.zeros((5, 12)), np.zeros(12), np.zeros(4), h0, np.zeros((4, 12)))
