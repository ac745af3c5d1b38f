"""The test cases of the batch-normalisation, embedding and training-step kernels for
``kernels.check`` (``normalization.pyx``, ``embedding.pyx``, ``optimizers.pyx``,
``activation.pyx``, ``dropout.pyx``).

Each case is drawn as the project's own tests draw theirs (``tests/kernels/
test_layers12_kernels.py``, ``test_training_kernels.py``, ``tests/ops/test_fused_ops.py``),
with smaller sizes: batch normalisation's ``(O, C * I)`` layout with a few outer rows,
channels and inner positions; an embedding table of a few rows looked up more often than
it has rows, so that some indices always repeat; Adam with and without ``amsgrad``; the bias and ReLU
with every pair of flags; dropout bits against a threshold of rate 0.1 to 0.9. Flags go
through their variants in turn with ``index``, so that the first cases meet them all.

Many of these kernels update arrays in place (``m`` and ``v``, ``z``, a sum they add to):
those are ``InOut`` arguments, which start from random values so that a kernel that
overwrites where it should add, or touches what it should leave alone, is caught.

The finite-difference oracles (``FD_PAIRS``) differentiate the project's compiled forward
kernels:

* ``batch_norm_backward_sums`` adds ``sum(g)`` and ``sum(g * (x - mean))`` per channel: the
  derivatives of ``L = <y, g>`` with respect to ``offset`` and ``scale`` of
  ``y = batch_norm_apply(x, scale, offset - mean * scale)``, as the layer calls it.
* ``batch_norm_backward_apply`` gets the ``a``, ``b``, ``d`` of the training-mode batch norm
  (``ops/normalization.py``); its ``grad_x`` must be the derivative of ``<y, grad>`` for the
  whole forward pass: statistics by ``batch_norm_sums``, then ``batch_norm_apply``.
* ``embedding_backward`` is the adjoint of the gather ``table[indices]``.
* ``bias_activation_backward``'s ``dz`` and ``dbias_parts`` are the derivatives for
  ``bias_activation`` run block by block of rows, each block with its own copy of the bias.
"""
import numpy as np

from minikeras.inspect.kernel_call import Case, Fixed, InOut, Out, compiled_kernel

__all__ = ["CASES", "FD_PAIRS", "BATCH_NORM_EPSILON"]

BATCH_NORM_EPSILON = 1e-3
# (has_bias, relu) of case number index % 4: both flags, each alone, neither.
BIAS_ACTIVATION_VARIANTS = ((True, True), (False, True), (True, False), (False, False))


def _layout(rng):
    """``(O, C, I)`` of batch normalisation, with at least 2 values per channel."""
    O, C, I = (int(v) for v in rng.integers(1, (5, 5, 5)))
    return (O + 1 if O * I < 2 else O), C, I


def _channel_view(x, C):
    """``x`` of shape (O, C * I) as (O, C, I)."""
    return x.reshape(x.shape[0], C, -1)


def _batch_norm_sums(rng, index=0):
    O, C, I = _layout(rng)
    x = 3.0 + rng.standard_normal((O, C * I))
    shift = x[0, ::I] + rng.uniform(-0.5, 0.5, C)
    return Case(x, Fixed(shift), InOut(rng.standard_normal(C), "float64"),
                InOut(rng.random(C), "float64"))


def _batch_norm_apply(rng, index=0):
    O, C, I = _layout(rng)
    return Case(rng.standard_normal((O, C * I)), rng.standard_normal(C), rng.standard_normal(C),
                Out((O, C * I)))


def _batch_norm_backward_sums(rng, index=0):
    O, C, I = _layout(rng)
    x, grad = rng.standard_normal((O, C * I)), rng.standard_normal((O, C * I))
    mean = _channel_view(x, C).mean(axis=(0, 2))
    case = Case(grad, x, Fixed(mean), InOut(rng.standard_normal(C), "float64"),
                InOut(rng.standard_normal(C), "float64"))
    case.draw = dict(x=x, mean=mean, scale=rng.standard_normal(C), offset=rng.standard_normal(C))
    return case


def batch_norm_training(x, gamma, beta, C):
    """The training-mode forward pass of ``ops/normalization.py`` with the compiled kernels:
    ``y`` of ``x`` (O, C * I) normalised by its own per-channel mean and variance."""
    I = x.shape[1] // C
    n = x.shape[0] * I
    shift = np.ascontiguousarray(x[0, ::I])
    sums, squares = np.zeros(C), np.zeros(C)
    compiled_kernel("batch_norm_sums")(x, shift, sums, squares)
    mean_shifted = sums / n
    mean = shift + mean_shifted
    inv_std = 1.0 / np.sqrt(np.maximum(squares / n - mean_shifted ** 2, 0.0) + BATCH_NORM_EPSILON)
    scale = gamma * inv_std
    y = np.empty_like(x)
    compiled_kernel("batch_norm_apply")(x, scale, beta - mean * scale, y)
    return y


def _batch_norm_backward_apply(rng, index=0):
    """``a``, ``b``, ``d`` as the layer's backward pass makes them from the batch."""
    O, C, I = _layout(rng)
    x, grad = rng.standard_normal((O, C * I)), rng.standard_normal((O, C * I))
    gamma, beta = rng.uniform(0.5, 1.5, C) * rng.choice([-1.0, 1.0], C), rng.standard_normal(C)
    n = O * I
    x3, g3 = _channel_view(x, C), _channel_view(grad, C)
    mean = x3.mean(axis=(0, 2))
    inv_std = 1.0 / np.sqrt(x3.var(axis=(0, 2)) + BATCH_NORM_EPSILON)
    dbeta = g3.sum(axis=(0, 2))
    dgamma = (g3 * (x3 - mean[:, None])).sum(axis=(0, 2)) * inv_std
    a = gamma * inv_std
    b = -a * inv_std * dgamma / n
    d = -a * dbeta / n - b * mean
    case = Case(grad, x, a, b, d, Out((O, C * I)))
    case.draw = dict(x=x, gamma=gamma, beta=beta, C=C)
    return case


def _embedding_backward(rng, index=0):
    V, D = (int(v) for v in rng.integers(1, (6, 5)))
    P = int(rng.integers(V + 1, 2 * V + 3))  # more lookups than rows: some repeat
    indices = rng.integers(0, V, P).astype(np.int64)
    case = Case(indices, rng.standard_normal((P, D)), InOut(rng.standard_normal((V, D))))
    case.draw = dict(indices=indices)
    return case


def _adam_update(rng, index=0):
    size = int(rng.integers(1, 40))
    w, g = rng.standard_normal((2, size))
    m = 0.1 * rng.standard_normal(size)
    v, vhat = 0.01 * rng.random((2, size))
    beta_1, beta_2 = rng.uniform(0.5, 0.95), rng.uniform(0.9, 0.9999)
    lr_t, epsilon = rng.uniform(1e-4, 0.1), 10.0 ** rng.integers(-8, -3)
    return Case(w, g, InOut(m), InOut(v), InOut(vhat), Out((size,)), beta_1, beta_2, lr_t,
                epsilon, index % 2 == 0)


def _away_from_zero(rng, shape):
    """Values with 0.1 <= |v| <= 2: ReLU's kink is never within a finite-difference step."""
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _bias_activation(rng, index=0):
    rows, C = (int(v) for v in rng.integers(1, (9, 6)))
    has_bias, relu = BIAS_ACTIVATION_VARIANTS[index % len(BIAS_ACTIVATION_VARIANTS)]
    z = rng.standard_normal((rows, C))
    z[rng.random((rows, C)) < 0.1] = 0.0  # ReLU maps 0 to 0 too
    return Case(InOut(z), rng.standard_normal(C), has_bias, relu)


def _bias_activation_backward(rng, index=0):
    """``y`` is made by the compiled ``bias_activation`` from ``z`` and ``bias`` kept in
    ``case.draw``; ``dz`` (``dbias_parts``) is an ``Out`` when the kernel must write it, and
    an ``InOut`` it must leave alone otherwise."""
    rows, C, B = (int(v) for v in rng.integers(1, (9, 6, 4)))
    has_bias, relu = BIAS_ACTIVATION_VARIANTS[index % len(BIAS_ACTIVATION_VARIANTS)]
    bias = rng.standard_normal(C)
    z = _away_from_zero(rng, (rows, C)) - (bias if has_bias else 0.0)
    y = z.copy()
    compiled_kernel("bias_activation")(y, bias, has_bias, relu)
    dz = Out((rows, C)) if relu else InOut(rng.standard_normal((rows, C)))
    parts = Out((B, C), "float64") if has_bias else InOut(rng.standard_normal((B, C)), "float64")
    case = Case(rng.standard_normal((rows, C)), y, dz, parts, has_bias, relu)
    case.draw = dict(z=z, bias=bias, B=B, has_bias=has_bias, relu=relu)
    return case


def _dropout_mask_apply(rng, index=0):
    size = int(rng.integers(1, 40))
    bits = rng.integers(0, 2 ** 32, size, dtype=np.uint32)
    threshold = round(rng.uniform(0.1, 0.9) * 2 ** 32)
    return Case(rng.standard_normal(size), bits, threshold, 1.0 / rng.uniform(0.1, 0.9), Out((size,)))


CASES = {
    "batch_norm_sums": _batch_norm_sums,
    "batch_norm_apply": _batch_norm_apply,
    "batch_norm_backward_sums": _batch_norm_backward_sums,
    "batch_norm_backward_apply": _batch_norm_backward_apply,
    "embedding_backward": _embedding_backward,
    "adam_update": _adam_update,
    "bias_activation": _bias_activation,
    "bias_activation_backward": _bias_activation_backward,
    "dropout_mask_apply": _dropout_mask_apply,
}


# --- finite-difference oracles: (xs, upstream, forward), xs in the order of the outputs -----------
def _batch_norm_backward_sums_pair(case):
    d = case.draw
    grad = case.inputs[0]

    def forward(offset, scale):
        y = np.empty_like(d["x"])
        compiled_kernel("batch_norm_apply")(d["x"], scale, offset - d["mean"] * scale, y)
        return y
    return (d["offset"].copy(), d["scale"].copy()), grad, forward


def _batch_norm_backward_apply_pair(case):
    d = case.draw
    return ((d["x"].copy(),), case.inputs[0],
            lambda x: batch_norm_training(x, d["gamma"], d["beta"], d["C"]))


def _embedding_backward_pair(case):
    indices = case.draw["indices"]
    table = case.outputs[0].start
    return (table.copy(),), case.inputs[1], lambda t: t[indices]


def _bias_activation_backward_pair(case):
    d = case.draw
    rows, B = d["z"].shape[0], d["B"]
    blocks = [(b * rows // B, (b + 1) * rows // B) for b in range(B)]

    def forward(z, biases):
        y = d["z"].copy() if z is None else z.copy()
        for (r0, r1), bias in zip(blocks, d["bias"][None].repeat(B, 0) if biases is None else biases):
            part = np.ascontiguousarray(y[r0:r1])
            compiled_kernel("bias_activation")(part, np.ascontiguousarray(bias), d["has_bias"], d["relu"])
            y[r0:r1] = part
        return y
    # Without relu dz is not written, without has_bias dbias_parts is not: no gradient to check.
    xs = (d["z"].copy() if d["relu"] else None,
          np.tile(d["bias"], (B, 1)) if d["has_bias"] else None)
    return xs, case.inputs[0], forward


FD_PAIRS = {
    "batch_norm_backward_sums": _batch_norm_backward_sums_pair,
    "batch_norm_backward_apply": _batch_norm_backward_apply_pair,
    "embedding_backward": _embedding_backward_pair,
    "bias_activation_backward": _bias_activation_backward_pair,
}
