"""The test cases of the recurrent kernels (``_kernels/recurrent.pyx``) for ``kernels.check``.

Each case is drawn as ``tests/kernels/test_recurrent_kernels.py`` draws its own: a few
steps, samples and units, a ``keep`` mask (uint8, 1 where a step counts) that is all ones
or has about 30 % of the steps masked, no recurrent dropout (``rmask`` of shape
``(0, N, U)``) or masks of rate 0.3, and for the GRU ``reset_after`` and ``mix_dropped``.
Dropout and the GRU's flags follow ``VARIANTS`` in turn (case ``index``), so that the
first three cases, which the backward kernels also meet as finite differences, already
give each flag both values. The forward kernels get standard-normal inputs (the
recurrent kernel scaled by 0.5) and one of the tests' pairs of activations, whose gates
stay bounded.

A backward kernel reads what its forward kernel wrote (``hs``, ``cs``, ``gates``,
``mh``): the case runs the project's compiled forward kernel on its ``xz`` and initial
states to make them. Its finite-difference oracle is then the forward kernel itself: with
``L = <hs[1:], dhs>`` (LSTM: ``+ <cs[1:], dcs>``), the gradients the backward kernel writes,
``dz``, ``dh0`` (and ``dc0``), must be the derivatives of ``L`` with respect to ``xz``,
``hs[0]`` (and ``cs[0]``). That covers the whole pass through time, the masks and the
dropout masks included.

Central differences are wrong at a kink (relu at 0, hard sigmoid at +-2.5), so the
backward cases keep every pre-activation away from them (see ``_away_from_kinks``); the
LSTM's cell activation, which also acts on the unbounded cell state, is then tanh,
sigmoid or linear.
"""
import numpy as np

from minikeras.inspect.kernel_call import Case, Out, compiled_kernel

__all__ = ["CASES", "FD_PAIRS", "GATES"]

GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
# (act, ract) of the kernel tests: tanh/hard sigmoid, sigmoid/sigmoid, relu/tanh,
# linear/hard sigmoid (codes of reference.ACTIVATIONS). Bounded gates keep the states of a
# few steps small enough for float32 to agree to 1e-5 (a linear or relu gate does not).
ACTIVATION_PAIRS = ((1, 3), (2, 2), (4, 1), (0, 3))
# (recurrent dropout, reset_after, mix_dropped) of case number index % 6; mix_dropped only
# matters with dropout. The SimpleRNN and the LSTM use the dropout flag alone.
VARIANTS = ((True, True, True), (True, False, False), (False, True, False),
            (True, False, True), (False, False, False), (True, True, False))
# Every pre-activation is an input share xz plus a recurrent share; the backward cases
# draw |xz| in [0.5, 1.5] or [3.0, 3.5] and keep the recurrent share below 0.45.
RECURRENT_SHARE_LIMIT = 0.45


def _away_from_kinks(rng, shape):
    """Input shares with |v| in [0.5, 1.5] or [3.0, 3.5] and either sign.

    With a recurrent share below 0.45 in size, every pre-activation is at least 0.05 from
    relu's kink at 0 and from hard sigmoid's at +-2.5, and both sides of each are visited
    (hard sigmoid's sloped middle and its flat saturation).
    """
    size = np.where(rng.random(shape) < 0.5, rng.uniform(0.5, 1.5, shape), rng.uniform(3.0, 3.5, shape))
    return size * rng.choice([-1.0, 1.0], shape)


def _draw(rng, cell, smooth, index):
    """The inputs of one forward run; ``smooth``: kept away from the activations' kinks."""
    T, N, U = (int(v) for v in rng.integers(1, (6, 4, 6)))
    G = GATES[cell]
    dropped, reset_after, mix_dropped = VARIANTS[index % len(VARIANTS)]
    if cell != "gru":
        dropped = index % 2 == 0
    keep = rng.random((T, N)) > 0.3 if rng.random() < 0.5 else np.ones((T, N), bool)
    rmask = (rng.random((G, N, U)) > 0.3) / 0.7 if dropped else np.zeros((0, N, U))
    if smooth:
        pairs = [p for p in ACTIVATION_PAIRS if cell != "lstm" or p[0] in (0, 1, 2)]
        act, ract = pairs[rng.integers(len(pairs))]
        xz = _away_from_kinks(rng, (T, N, G * U))
        # Columns of |R| sum to at most 0.1; _kink_safe_run shrinks them if need be.
        R = rng.uniform(-1, 1, (U, G * U)) * 0.1 / U
        h0, c0 = rng.uniform(-1, 1, (N, U)), rng.uniform(-1, 1, (N, U))
        rb = rng.uniform(-0.05, 0.05, G * U)
    else:
        act, ract = ACTIVATION_PAIRS[rng.integers(len(ACTIVATION_PAIRS))]
        xz, R = rng.standard_normal((T, N, G * U)), 0.5 * rng.standard_normal((U, G * U))
        h0, c0, rb = rng.standard_normal((N, U)), rng.standard_normal((N, U)), rng.standard_normal(G * U)
    return dict(xz=xz, R=R, rb=rb, keep=keep.astype(np.uint8), rmask=rmask, h0=h0, c0=c0,
                act=int(act), ract=int(ract), reset_after=reset_after, mix_dropped=mix_dropped)


def _states(first, T):
    """(T+1, N, U) states for a forward kernel: ``first`` at step 0, NaN after it."""
    states = np.full((T + 1,) + first.shape, np.nan)
    states[0] = first
    return states


def _forward_case(cell, d):
    """The forward kernel's call on the draw ``d``."""
    T, N, _ = d["xz"].shape
    U = d["R"].shape[0]
    hs = Out((T + 1, N, U), start=_states(d["h0"], T))
    if cell == "simple_rnn":
        return Case(d["xz"], d["R"], d["keep"], d["rmask"], d["act"], hs)
    if cell == "lstm":
        return Case(d["xz"], d["R"], d["keep"], d["rmask"], d["act"], d["ract"], hs,
                    Out((T + 1, N, U), start=_states(d["c0"], T)), Out((T, N, 4 * U)))
    mh = (T if d["reset_after"] else 0, N, U)
    return Case(d["xz"], d["R"], d["rb"], d["keep"], d["rmask"], d["act"], d["ract"],
                d["reset_after"], d["mix_dropped"], hs, Out((T, N, 3 * U)), Out(mh))


def _run_forward(cell, d):
    """The compiled forward kernel on the draw ``d`` (float64): the arrays it wrote."""
    case = _forward_case(cell, d)
    arguments, outputs = case.arguments_for(np.float64)
    compiled_kernel(f"{cell}_forward")(*arguments)
    return outputs


def _recurrent_share_bound(d, outputs):
    """An upper bound of |recurrent share| over every pre-activation of the run.

    The share of a gate is (h * rmask) @ R_gate (GRU: also times the reset gate, |r| <= 1
    here, plus the recurrent bias when reset_after): at most max|h| * max(rmask, 1) times
    the largest column sum of |R|, plus max|rb|.
    """
    hs = outputs[0]
    mask = max(1.0, float(d["rmask"].max())) if d["rmask"].size else 1.0
    bound = float(np.abs(hs).max()) * mask * float(np.abs(d["R"]).sum(axis=0).max())
    if d["reset_after"]:
        bound += float(np.abs(d["rb"]).max())
    return bound


def _kink_safe_run(cell, rng, index):
    """A smooth draw and its forward run, the recurrent kernel scaled down until every
    pre-activation is provably away from the kinks."""
    d = _draw(rng, cell, True, index)
    outputs = _run_forward(cell, d)
    while _recurrent_share_bound(d, outputs) >= RECURRENT_SHARE_LIMIT:
        d["R"], d["rb"] = d["R"] / 2, d["rb"] / 2
        outputs = _run_forward(cell, d)
    return d, outputs


def _forward(cell):
    def cases(rng, index=0):
        return _forward_case(cell, _draw(rng, cell, False, index))
    return cases


def _backward(cell):
    def cases(rng, index=0):
        d, written = _kink_safe_run(cell, rng, index)
        T, N, GU = d["xz"].shape
        U = GU // GATES[cell]
        dhs = rng.standard_normal((T, N, U))
        dz, dh0 = Out((T, N, GU)), Out((N, U))
        if cell == "simple_rnn":
            hs, = written
            case = Case(dhs, d["R"], d["keep"], d["rmask"], d["act"], hs, dz, dh0)
        elif cell == "lstm":
            hs, cs, gates = written
            case = Case(dhs, rng.standard_normal((T, N, U)), d["R"], d["keep"], d["rmask"],
                        d["act"], d["ract"], hs, cs, gates, dz, dh0, Out((N, U)))
        else:
            hs, gates, mh = written
            case = Case(dhs, d["R"], d["keep"], d["rmask"], d["act"], d["ract"], d["reset_after"],
                        d["mix_dropped"], hs, gates, mh, dz, dh0)
        case.draw = d  # for the finite-difference oracle
        return case
    return cases


def _finite_difference_pair(cell):
    """``(xs, upstream, forward)``: xs = (xz, h0[, c0]), in the order of the backward
    kernel's outputs (dz, dh0[, dc0]); forward gives the states the upstream reaches."""
    def make(case):
        d = case.draw
        xs = (d["xz"].copy(), d["h0"].copy()) + ((d["c0"].copy(),) if cell == "lstm" else ())
        upstream = case.inputs[0]
        if cell == "lstm":
            upstream = np.concatenate([case.inputs[0], case.inputs[1]])

        def forward(xz, h0, c0=None):
            outputs = _run_forward(cell, dict(d, xz=xz, h0=h0, c0=c0))
            if cell == "lstm":
                return np.concatenate([outputs[0][1:], outputs[1][1:]])
            return outputs[0][1:]
        return xs, upstream, forward
    return make


CASES = {}
FD_PAIRS = {}
for _cell in GATES:
    CASES[f"{_cell}_forward"] = _forward(_cell)
    CASES[f"{_cell}_backward"] = _backward(_cell)
    FD_PAIRS[f"{_cell}_backward"] = _finite_difference_pair(_cell)
