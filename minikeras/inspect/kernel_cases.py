"""The test cases of ``kernels.check``: random geometries for every kernel, and the
finite-difference oracles of the backward kernels.

``CASES[name](rng)`` returns one ``Case``: the float64 inputs of one call of kernel
``name``, the shapes of the outputs it must write, and its integer arguments, drawn as the
project's own kernel tests draw them (sizes up to 6, kernels up to 3, strides up to 3,
dilations up to 2, pads up to 2; ``valid`` and ``same`` pooling windows; channel counts
that cover the compiled loops' blocks of 16). A new kernel gets checked once a generator
for it is added here.

``FD_PAIRS[name](case, shape)`` gives, for a backward kernel, ``(x, upstream, forward)``:
the gradient the kernel computes from ``upstream`` must be the derivative of
``<forward(x), upstream>`` with respect to ``x``.
"""
import inspect

import numpy as np

from minikeras import _kernels
from minikeras._kernels import reference
from minikeras.utils import conv_utils

__all__ = ["Case", "CASES", "FD_PAIRS", "FD_STEP", "finite_difference_gradient", "compiled_kernel"]

FD_STEP = 1e-6

# --- one call of a kernel -----------------------------------------------------------------------
class Case:
    """One call: ``kernel(*inputs, *outputs, *integers)``; outputs are created per call."""

    def __init__(self, inputs, outputs, integers):
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)      # (shape, 'float' or 'int32') per output
        self.integers = tuple(int(v) for v in integers)

    def fresh_outputs(self, dtype):
        return [np.full(shape, -1, np.int32) if kind == "int32" else np.full(shape, np.nan, dtype)
                for shape, kind in self.outputs]

    def typed_inputs(self, dtype):
        return [x if x.dtype == np.int32 else np.ascontiguousarray(x, dtype=dtype) for x in self.inputs]

    def describe(self, name):
        """Every argument by its parameter name: arrays by shape, integers by value."""
        params = list(inspect.signature(getattr(reference, name)).parameters)
        shapes = [tuple(int(n) for n in shape)
                  for shape in [x.shape for x in self.inputs] + [s for s, _ in self.outputs]]
        words = [f"{p} {s}" for p, s in zip(params, shapes)]
        words += [f"{p}={v}" for p, v in zip(params[len(shapes):], self.integers)]
        return ", ".join(words)


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
    def cases(rng):
        g = _conv_geometry(rng, rank)
        x = _normal(rng, (g["N"], *g["size"], g["C"]))
        return Case([x], [(_cols_shape(g), "float")], g["integers"])
    return cases


def _col2im(rank):
    def cases(rng):
        g = _conv_geometry(rng, rank)
        cols = _normal(rng, _cols_shape(g))
        return Case([cols], [((g["N"], *g["size"], g["C"]), "float")], g["integers"])
    return cases


def _depthwise(which):
    def cases(rng):
        g = _conv_geometry(rng, 2)
        # The compiled loops work on blocks of 16 channels: cover whole blocks and the rest.
        N, C, (KH, KW) = g["N"], g["C"] + 16 * int(rng.integers(0, 3)), g["kernel"]
        x, kernel = _normal(rng, (N, *g["size"], C)), _normal(rng, (KH, KW, C))
        dout = _normal(rng, (N, *g["out"], C))
        if which == "forward":
            return Case([x, kernel], [((N, *g["out"], C), "float")], g["integers"])
        if which == "input":
            return Case([dout, kernel], [(x.shape, "float")], g["integers"])
        return Case([x, dout], [((N, KH, KW, C), "float")], g["integers"])
    return cases


def _rows_and_amounts(rng, crop):
    shape = tuple(int(v) for v in rng.integers(1, 6, 4))
    amounts = [tuple(int(v) for v in rng.integers(0, 4, 2)) for _ in range(3)]
    grown = shape[:1] + tuple(s + b + a for s, (b, a) in zip(shape[1:], amounts))
    before = [b for b, _ in amounts]
    return (Case([_normal(rng, grown)], [(shape, "float")], before) if crop
            else Case([_normal(rng, shape)], [(grown, "float")], before))


def _nearest(backward):
    def cases(rng):
        shape = tuple(int(v) for v in rng.integers(1, 5, 5))
        factors = tuple(int(v) for v in rng.integers(1, 4, 3))
        big = (shape[0], shape[1] * factors[0], shape[2] * factors[1], shape[3] * factors[2], shape[4])
        if backward:
            return Case([_normal(rng, big)], [(shape, "float")], factors)
        return Case([_normal(rng, shape)], [(big, "float")], factors)
    return cases


def _bilinear(backward):
    def cases(rng):
        # Any output size: enlarging, shrinking and sizes that are not multiples.
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 6)), int(rng.integers(1, 6)),
                 int(rng.integers(1, 4)))
        out = (shape[0], int(rng.integers(1, 10)), int(rng.integers(1, 10)), shape[3])
        if backward:
            return Case([_normal(rng, out)], [(shape, "float")], ())
        return Case([_normal(rng, shape)], [(out, "float")], ())
    return cases


def _max_pool(rng):
    g = _pool_geometry(rng)
    return Case([_distinct(rng, g["x"])], [(g["out"], "float"), (g["out"], "int32")], g["integers"])


def _max_pool_backward(rng):
    g = _pool_geometry(rng)
    x = _distinct(rng, g["x"])
    out, argmax = np.empty(g["out"]), np.empty(g["out"], np.int32)
    compiled_kernel("max_pool_3d")(x, out, argmax, *g["integers"])
    n, c = g["x"][0], g["x"][-1]
    flat_out, flat_x = (n, int(np.prod(g["out"][1:-1])), c), (n, int(np.prod(g["x"][1:-1])), c)
    case = Case([_normal(rng, flat_out), argmax.reshape(flat_out)], [(flat_x, "float")], ())
    case.pool = g  # for the finite-difference check
    case.x = x
    return case


def _avg_pool(backward):
    def cases(rng):
        g = _pool_geometry(rng)
        if backward:
            return Case([_normal(rng, g["out"])], [(g["x"], "float")], g["integers"])
        return Case([_normal(rng, g["x"])], [(g["out"], "float")], g["integers"])
    return cases


CASES = {
    "im2col_2d": _im2col(2), "col2im_2d": _col2im(2),
    "vol2col_3d": _im2col(3), "col2vol_3d": _col2im(3),
    "depthwise_conv2d": _depthwise("forward"),
    "depthwise_conv2d_backward_input": _depthwise("input"),
    "depthwise_conv2d_backward_kernel": _depthwise("kernel"),
    "zero_pad_3d": lambda rng: _rows_and_amounts(rng, crop=False),
    "crop_3d": lambda rng: _rows_and_amounts(rng, crop=True),
    "upsample_nearest_3d": _nearest(False), "upsample_nearest_3d_backward": _nearest(True),
    "upsample_bilinear_2d": _bilinear(False), "upsample_bilinear_2d_backward": _bilinear(True),
    "max_pool_3d": _max_pool, "max_pool_3d_backward": _max_pool_backward,
    "avg_pool_3d": _avg_pool(False), "avg_pool_3d_backward": _avg_pool(True),
}
"""Kernel name -> ``f(rng)`` returning one random ``Case`` (float64 inputs)."""


# --- finite differences for the backward kernels ---------------------------------------------------
def compiled_kernel(name):
    """The project's compiled kernel ``name`` (the twin where none is compiled)."""
    for module in _kernels._compiled:
        if hasattr(module, name):
            return getattr(module, name)
    return getattr(reference, name)


def _fd_pairs():
    """Backward kernel -> (which input is the upstream, forward(x, case) -> y, x of the case)."""
    def depthwise_input(case, dx_shape):
        dout, kernel = case.inputs
        x = np.random.default_rng(7).standard_normal(dx_shape)

        def forward(v):
            out = np.empty(dout.shape)
            compiled_kernel("depthwise_conv2d")(v, kernel, out, *case.integers)
            return out
        return x, dout, forward

    def depthwise_kernel(case, dk_shape):
        x, dout = case.inputs
        N = x.shape[0]
        kernel = np.random.default_rng(7).standard_normal(dk_shape[1:])

        # The output holds one kernel gradient per example: differentiate example by example
        # by stacking N copies of the kernel and summing each example's own copy.
        def forward(stack):
            total = np.empty(dout.shape)
            for n in range(N):
                out = np.empty((1,) + dout.shape[1:])
                compiled_kernel("depthwise_conv2d")(x[n:n + 1], stack[n], out, *case.integers)
                total[n] = out[0]
            return total
        return np.broadcast_to(kernel, dk_shape).copy(), dout, forward

    def linear(forward_name):
        def make(case, x_shape):
            upstream = case.inputs[0]
            x = np.random.default_rng(7).standard_normal(x_shape)

            def forward(v):
                out = np.empty(upstream.shape)
                compiled_kernel(forward_name)(v, out, *case.integers)
                return out
            return x, upstream, forward
        return make

    def max_pool(case, flat_x):
        g, x0 = case.pool, case.x
        upstream = case.inputs[0]

        def forward(v):
            out, argmax = np.empty(g["out"]), np.empty(g["out"], np.int32)
            compiled_kernel("max_pool_3d")(v.reshape(g["x"]), out, argmax, *g["integers"])
            return out.reshape(upstream.shape)
        return x0.reshape(flat_x), upstream, forward

    return {
        "col2im_2d": linear("im2col_2d"), "col2vol_3d": linear("vol2col_3d"),
        "depthwise_conv2d_backward_input": depthwise_input,
        "depthwise_conv2d_backward_kernel": depthwise_kernel,
        "upsample_nearest_3d_backward": linear("upsample_nearest_3d"),
        "upsample_bilinear_2d_backward": linear("upsample_bilinear_2d"),
        "max_pool_3d_backward": max_pool,
        "avg_pool_3d_backward": linear("avg_pool_3d"),
    }


FD_PAIRS = _fd_pairs()


def finite_difference_gradient(x, upstream, forward):
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
