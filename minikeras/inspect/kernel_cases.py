"""The test cases of ``kernels.check``: random calls of every kernel, and the
finite-difference oracles of the backward kernels.

``CASES[name](rng, index)`` returns case number ``index``, a ``Case`` (``kernel_call.py``):
the arguments of one call of kernel ``name`` in the order of its parameters (float64
inputs, typed inputs such as uint8 masks, the outputs it must write, and its scalars),
drawn as the project's own kernel tests draw them (sizes up to 6, kernels up to 3, strides up to 3, dilations up to
2, pads up to 2; ``valid`` and ``same`` pooling windows; channel counts that cover the
compiled loops' blocks of 16; affine maps that reach outside the image in every fill mode).
The recurrent kernels' cases are in ``recurrent_cases.py``, those of batch normalisation,
the embedding and the training step (the optimizer, the bias and ReLU, dropout) in
``training_cases.py``. A new kernel gets checked once
a generator for it is added here. Most generators draw everything from ``rng``; those of
the affine transform (its fill modes) and of the recurrent kernels go through their
variants in turn with ``index``, so that a few cases meet them all.

``FD_PAIRS[name](case)`` gives, for a backward kernel, ``(xs, upstream, forward)``: the
gradients the kernel writes from ``upstream`` (its float outputs, in order) must be the
derivatives of ``<forward(*xs), upstream>`` with respect to each of ``xs``.
"""
import numpy as np

from minikeras._kernels.blas import gemm_addresses
from minikeras.inspect import recurrent_cases, training_cases
from minikeras.inspect.kernel_call import Case, Fixed, InOut, Out, Scratch, compiled_kernel
from minikeras.utils import conv_utils

__all__ = ["Case", "CASES", "FD_PAIRS", "FD_STEP", "finite_difference_gradient", "compiled_kernel"]

FD_STEP = 1e-6

# --- geometries -----------------------------------------------------------------------------------
def _conv_geometry(rng, rank):
    size = rng.integers(1, 7 if rank == 2 else 5, rank)
    kernel = rng.integers(1, 4, rank)
    strides = rng.integers(1, 4, rank)
    dilation = rng.integers(1, 3, rank)
    before = rng.integers(0, 3, rank)
    after = rng.integers(0, 3, rank)
    out = [max((i + b + a - (k - 1) * d - 1) // s + 1, 1)
           for i, k, s, d, b, a in zip(size, kernel, strides, dilation, before, after)]
    return dict(N=int(rng.integers(1, 3)), C=int(rng.integers(1, 4)), size=tuple(size),
                kernel=tuple(kernel), out=tuple(out),
                integers=(*strides, *dilation, *before))


def _pool_geometry(rng):
    padding = ("valid", "same")[rng.integers(0, 2)]
    size, pool, strides, out, pads = [], [], [], [], []
    for _ in range(3):
        i = int(rng.integers(1, 6))
        k = int(rng.integers(1, (i if padding == "valid" else 4) + 1))
        s = int(rng.integers(1, 4))
        size.append(i), pool.append(k), strides.append(s)
        out.append(conv_utils.conv_output_length(i, k, padding, s))
        pads.append(conv_utils.conv_padding_amounts(i, k, padding, s)[0])
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    return dict(x=(n, *size, c), out=(n, *out, c), integers=(*pool, *strides, *pads))


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _distinct(rng, shape):
    """Distinct values 1/8 apart: the maximum of a window is unique and stays so under FD."""
    return (rng.permutation(int(np.prod(shape))) / 8.0).reshape(shape)


# --- case generators, one per kernel --------------------------------------------------------------
def _cols_shape(g):
    if len(g["size"]) == 2:
        return (g["N"], *g["out"], *g["kernel"], g["C"])
    return (g["N"] * g["out"][0], *g["out"][1:], *g["kernel"], g["C"])


def _im2col(rank):
    def cases(rng, index=0):
        g = _conv_geometry(rng, rank)
        x = _normal(rng, (g["N"], *g["size"], g["C"]))
        return Case(x, Out(_cols_shape(g)), *g["integers"])
    return cases


def _col2im(rank):
    def cases(rng, index=0):
        g = _conv_geometry(rng, rank)
        cols = _normal(rng, _cols_shape(g))
        return Case(cols, Out((g["N"], *g["size"], g["C"])), *g["integers"])
    return cases


def _depthwise(which):
    def cases(rng, index=0):
        g = _conv_geometry(rng, 2)
        # The compiled loops work on blocks of 16 channels: cover whole blocks and the rest.
        N, C, (KH, KW) = g["N"], g["C"] + 16 * int(rng.integers(0, 3)), g["kernel"]
        x, kernel = _normal(rng, (N, *g["size"], C)), _normal(rng, (KH, KW, C))
        dout = _normal(rng, (N, *g["out"], C))
        if which == "forward":
            return Case(x, kernel, Out((N, *g["out"], C)), *g["integers"])
        if which == "input":
            return Case(dout, kernel, Out(x.shape), *g["integers"])
        return Case(x, dout, Out((N, KH, KW, C)), *g["integers"])
    return cases


def _pipeline_forward(rng, index=0):
    """``conv2d_pipeline_forward``: few channels and more (its two im2col loops), one or two
    thread buffers of one to three images, the bias and ReLU flags in turn, NumPy's BLAS
    gemm when it is found (else the kernel's own loop)."""
    g = _conv_geometry(rng, 2)
    N, C, CO, (KH, KW) = g["N"] + 2, g["C"] + 4 * int(index % 2), int(rng.integers(1, 7)), g["kernel"]
    has_bias, relu = training_cases.BIAS_ACTIVATION_VARIANTS[(index // 2) % 4]
    T, B = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    return Case(_normal(rng, (N, *g["size"], C)), _normal(rng, (KH * KW * C, CO)), _normal(rng, CO),
                Out((N, *g["out"], CO)), Scratch((T, B, *g["out"], KH, KW, C)), *g["integers"], has_bias, relu,
                *gemm_addresses())


# (need_dx, need_dw) of conv2d_pipeline_backward's case number index % 3.
PIPELINE_NEEDS = ((True, True), (True, False), (False, True))


def _pipeline_backward(rng, index=0):
    """``conv2d_pipeline_backward`` on the geometries of the forward pass; ``y`` made by the
    compiled forward pipeline (its own loop), kept in ``case.draw`` with the kernel and bias.
    A gradient the case does not ask for is an ``InOut`` the kernel must leave alone."""
    g = _conv_geometry(rng, 2)
    N, C, CO, (KH, KW) = g["N"] + 2, g["C"] + 4 * int(index % 2), int(rng.integers(1, 7)), g["kernel"]
    has_bias, relu = training_cases.BIAS_ACTIVATION_VARIANTS[(index // 2) % 4]
    need_dx, need_dw = PIPELINE_NEEDS[index % 3]
    T, B = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    chunks, K = -(-N // B), KH * KW * C
    x, kernel, bias = _normal(rng, (N, *g["size"], C)), _normal(rng, (K, CO)), _normal(rng, CO)
    y = np.empty((N, *g["out"], CO))
    compiled_kernel("conv2d_pipeline_forward")(x, kernel, bias, y, np.empty((1, B, *g["out"], KH, KW, C)),
                                               *g["integers"], has_bias, relu, 0, 0, False)
    made = lambda needed, shape, kind="float": Out(shape, kind) if needed else InOut(_normal(rng, shape), kind)
    case = Case(x, kernel, _normal(rng, y.shape), y, made(need_dx, x.shape), made(need_dw, (chunks, K, CO)),
                made(has_bias, (chunks, CO), "float64"), Scratch((T, B * int(np.prod(g["out"])), CO)),
                Scratch((T, B, *g["out"], KH, KW, C)), *g["integers"], need_dx, need_dw, has_bias, relu,
                *gemm_addresses())
    case.draw = dict(bias=bias, B=B, chunks=chunks, needs=(need_dx, need_dw, has_bias), relu=relu,
                     has_bias=has_bias, integers=g["integers"], cols=(B, *g["out"], KH, KW, C))
    return case


def _matmul(rng, index=0):
    """``matmul_2d``: the four transpose flags in turn; every other case large enough
    (over 2**21 multiply-adds) for the compiled loop to cut it into blocks, by rows or by
    columns; every fifth case by the kernel's own loop instead of BLAS."""
    trans_a, trans_b = bool(index % 2), bool((index // 2) % 2)
    if index % 2:
        long, short = int(rng.integers(200, 400)), int(rng.integers(1, 90))
        M, N = (long, short) if (index // 4) % 2 else (short, long)
        K = int(rng.integers(100, 160))
    else:
        M, N, K = (int(v) for v in rng.integers(1, 7, 3))
    a = _normal(rng, (K, M) if trans_a else (M, K))
    b = _normal(rng, (N, K) if trans_b else (K, N))
    blas = (0, 0, False) if index % 5 == 4 else gemm_addresses()
    return Case(a, b, Out((M, N)), trans_a, trans_b, *blas)


def _rows_and_amounts(rng, crop):
    shape = tuple(int(v) for v in rng.integers(1, 6, 4))
    amounts = [tuple(int(v) for v in rng.integers(0, 4, 2)) for _ in range(3)]
    grown = shape[:1] + tuple(s + b + a for s, (b, a) in zip(shape[1:], amounts))
    before = [b for b, _ in amounts]
    return (Case(_normal(rng, grown), Out(shape), *before) if crop
            else Case(_normal(rng, shape), Out(grown), *before))


def _nearest(backward):
    def cases(rng, index=0):
        shape = tuple(int(v) for v in rng.integers(1, 5, 5))
        factors = tuple(int(v) for v in rng.integers(1, 4, 3))
        big = (shape[0], shape[1] * factors[0], shape[2] * factors[1], shape[3] * factors[2], shape[4])
        if backward:
            return Case(_normal(rng, big), Out(shape), *factors)
        return Case(_normal(rng, shape), Out(big), *factors)
    return cases


def _bilinear(backward):
    def cases(rng, index=0):
        # Any output size: enlarging, shrinking and sizes that are not multiples.
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 6)), int(rng.integers(1, 6)),
                 int(rng.integers(1, 4)))
        out = (shape[0], int(rng.integers(1, 10)), int(rng.integers(1, 10)), shape[3])
        if backward:
            return Case(_normal(rng, out), Out(shape))
        return Case(_normal(rng, shape), Out(out))
    return cases


def _max_pool(rng, index=0):
    g = _pool_geometry(rng)
    return Case(_distinct(rng, g["x"]), Out(g["out"]), Out(g["out"], "int32"), *g["integers"])


def _max_pool_backward(rng, index=0):
    g = _pool_geometry(rng)
    x = _distinct(rng, g["x"])
    out, argmax = np.empty(g["out"]), np.empty(g["out"], np.int32)
    compiled_kernel("max_pool_3d")(x, out, argmax, *g["integers"])
    n, c = g["x"][0], g["x"][-1]
    flat_out, flat_x = (n, int(np.prod(g["out"][1:-1])), c), (n, int(np.prod(g["x"][1:-1])), c)
    case = Case(_normal(rng, flat_out), argmax.reshape(flat_out), Out(flat_x))
    case.pool = g  # for the finite-difference check
    case.x = x
    return case


def _avg_pool(backward):
    def cases(rng, index=0):
        g = _pool_geometry(rng)
        if backward:
            return Case(_normal(rng, g["out"]), Out(g["x"]), *g["integers"])
        return Case(_normal(rng, g["x"]), Out(g["out"]), *g["integers"])
    return cases


def _affine(rng, index=0):
    # Linear parts up to ~2x and offsets that reach well outside the image, any output size.
    N, H, W, C = (int(v) for v in rng.integers(1, (3, 7, 7, 4)))
    x = _normal(rng, (N, H, W, C))
    matrices = np.concatenate([rng.standard_normal((N, 2, 2)) * 1.5,
                               rng.standard_normal((N, 2, 1)) * 5], axis=2)
    OH, OW = (int(v) for v in rng.integers(1, 8, 2))
    mode = index % 4   # FILL_CONSTANT, FILL_NEAREST, FILL_REFLECT, FILL_WRAP in turn
    cval = float(rng.choice([-1, 1]) * rng.integers(1, 9)) / 4  # not 0: an ignored cval shows
    return Case(x, Out((N, OH, OW, C)), Fixed(matrices), mode, cval)


CASES = {
    "im2col_2d": _im2col(2), "col2im_2d": _col2im(2),
    "vol2col_3d": _im2col(3), "col2vol_3d": _col2im(3),
    "depthwise_conv2d": _depthwise("forward"),
    "depthwise_conv2d_backward_input": _depthwise("input"),
    "depthwise_conv2d_backward_kernel": _depthwise("kernel"),
    "conv2d_pipeline_forward": _pipeline_forward, "conv2d_pipeline_backward": _pipeline_backward,
    "matmul_2d": _matmul,
    "zero_pad_3d": lambda rng, index=0: _rows_and_amounts(rng, crop=False),
    "crop_3d": lambda rng, index=0: _rows_and_amounts(rng, crop=True),
    "upsample_nearest_3d": _nearest(False), "upsample_nearest_3d_backward": _nearest(True),
    "upsample_bilinear_2d": _bilinear(False), "upsample_bilinear_2d_backward": _bilinear(True),
    "max_pool_3d": _max_pool, "max_pool_3d_backward": _max_pool_backward,
    "avg_pool_3d": _avg_pool(False), "avg_pool_3d_backward": _avg_pool(True),
    "affine_transform_2d": _affine,
    **recurrent_cases.CASES,
    **training_cases.CASES,
}
"""Kernel name -> ``f(rng, index=0)`` returning one random ``Case``."""


# --- finite differences for the backward kernels ---------------------------------------------------
def _fd_pairs():
    """Backward kernel -> ``f(case)`` returning ``(xs, upstream, forward)``."""
    def depthwise_input(case):
        dout, kernel = case.inputs
        x = np.random.default_rng(7).standard_normal(case.outputs[0].shape)

        def forward(v):
            out = np.empty(dout.shape)
            compiled_kernel("depthwise_conv2d")(v, kernel, out, *case.scalars)
            return out
        return (x,), dout, forward

    def depthwise_kernel(case):
        x, dout = case.inputs
        N, dk_shape = x.shape[0], case.outputs[0].shape
        kernel = np.random.default_rng(7).standard_normal(dk_shape[1:])

        # The output holds one kernel gradient per example: differentiate example by example
        # by stacking N copies of the kernel and summing each example's own copy.
        def forward(stack):
            total = np.empty(dout.shape)
            for n in range(N):
                out = np.empty((1,) + dout.shape[1:])
                compiled_kernel("depthwise_conv2d")(x[n:n + 1], stack[n], out, *case.scalars)
                total[n] = out[0]
            return total
        return (np.broadcast_to(kernel, dk_shape).copy(),), dout, forward

    def pipeline_backward(case):
        x, kernel, grad = case.inputs[:3]
        d = case.draw
        B, chunks, N = d["B"], d["chunks"], x.shape[0]

        # Chunk b's images use their own copies of the kernel and the bias: part b of the
        # kernel and bias gradients is the derivative with respect to that copy.
        def forward(*values):  # a None stands for the value at which the case is drawn
            v, kernels, biases = (full if value is None else value for value, full in zip(values, xs))
            out = np.empty(grad.shape)
            for b in range(chunks):
                n0, n1 = b * B, min(b * B + B, N)
                compiled_kernel("conv2d_pipeline_forward")(
                    v[n0:n1], kernels[b], biases[b], out[n0:n1], np.empty((1, *d["cols"])), *d["integers"],
                    d["has_bias"], d["relu"], 0, 0, False)
            return out
        xs = (x.copy(), np.broadcast_to(kernel, (chunks, *kernel.shape)).copy(),
              np.broadcast_to(d["bias"], (chunks, len(d["bias"]))).copy())
        return tuple(v if needed else None for v, needed in zip(xs, d["needs"])), grad, forward

    def linear(forward_name):
        def make(case):
            upstream = case.inputs[0]
            x = np.random.default_rng(7).standard_normal(case.outputs[0].shape)

            def forward(v):
                out = np.empty(upstream.shape)
                compiled_kernel(forward_name)(v, out, *case.scalars)
                return out
            return (x,), upstream, forward
        return make

    def max_pool(case):
        g, x0 = case.pool, case.x
        upstream = case.inputs[0]

        def forward(v):
            out, argmax = np.empty(g["out"]), np.empty(g["out"], np.int32)
            compiled_kernel("max_pool_3d")(v.reshape(g["x"]), out, argmax, *g["integers"])
            return out.reshape(upstream.shape)
        return (x0.reshape(case.outputs[0].shape),), upstream, forward

    return {
        "col2im_2d": linear("im2col_2d"), "col2vol_3d": linear("vol2col_3d"),
        "depthwise_conv2d_backward_input": depthwise_input,
        "depthwise_conv2d_backward_kernel": depthwise_kernel,
        "conv2d_pipeline_backward": pipeline_backward,
        "upsample_nearest_3d_backward": linear("upsample_nearest_3d"),
        "upsample_bilinear_2d_backward": linear("upsample_bilinear_2d"),
        "max_pool_3d_backward": max_pool,
        "avg_pool_3d_backward": linear("avg_pool_3d"),
        **recurrent_cases.FD_PAIRS,
        **training_cases.FD_PAIRS,
    }


FD_PAIRS = _fd_pairs()


def finite_difference_gradient(x, upstream, forward):
    """The central differences ``(L(x + h e_i) - L(x - h e_i)) / 2h`` of ``L = <forward(x),
    upstream>`` for every element i of ``x`` (changed in place, then put back)."""
    grad = np.empty_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + FD_STEP
        plus = np.vdot(forward(x), upstream)
        flat[i] = keep - FD_STEP
        minus = np.vdot(forward(x), upstream)
        flat[i] = keep
        out[i] = (plus - minus) / (2 * FD_STEP)
    return grad
