"""Grade a set of kernels: ``minikeras.kernels.check(module)``.

A kernel is checked the way the project's own kernel tests check the compiled loops:

1. **agreement with the twin**: on many small geometries (sizes, kernels, strides,
   dilations, pads, ``valid`` and ``same`` pooling windows), in float32 and float64, the
   module's function and the plain-Python twin in ``minikeras/_kernels/reference.py`` are
   called on the same inputs. Outputs start as NaN (argmax as -1), so an element the
   kernel forgets to write is caught. (The twins themselves are checked against the
   compiled loops.)
2. **finite differences** for a backward kernel: in float64, each element of the
   gradient it returns must equal the central difference
   ``(L(x + h e_i) - L(x - h e_i)) / 2h`` of ``L(x) = <forward(x), upstream>``, with the
   project's compiled forward kernel. This does not trust any backward kernel at all.

The report prints one line per kernel: ``pass`` with the number of cases, or the first
failing case with every argument (arrays by shape, integers by value) and the largest
difference; ``report.ok`` is True when every checked kernel passed.

Example:
    >>> from minikeras import kernels
    >>> from minikeras._kernels import reference
    >>> report = kernels.check(reference, kernels=["zero_pad_3d", "crop_3d"])
    >>> report.ok
    True
    >>> print(report)                                  # doctest: +NORMALIZE_WHITESPACE
    kernels.check(minikeras._kernels.reference): all 2 kernels pass
      zero_pad_3d    pass (24 cases)
      crop_3d        pass (24 cases)
"""
import inspect

import numpy as np

from minikeras import _kernels
from minikeras._kernels import reference
from minikeras.utils import conv_utils

__all__ = ["check", "KernelReport", "KernelResult", "CASES"]

DTYPES = (np.float32, np.float64)
TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}
FD_STEP, FD_TOLERANCE = 1e-6, dict(rtol=1e-6, atol=1e-7)


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
    _compiled("max_pool_3d")(x, out, argmax, *g["integers"])
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
def _compiled(name):
    for module in _kernels._compiled:
        if hasattr(module, name):
            return getattr(module, name)
    return getattr(reference, name)


def _linear_forward(forward):
    """``f(x, case) -> y`` for a forward kernel whose only varying input is the first."""
    def run(x, case, out_shape):
        out = np.empty(out_shape)
        _compiled(forward)(x, out, *case.integers)
        return out
    return run


def _fd_pairs():
    """Backward kernel -> (which input is the upstream, forward(x, case) -> y, x of the case)."""
    def depthwise_input(case, dx_shape):
        dout, kernel = case.inputs
        x = np.random.default_rng(7).standard_normal(dx_shape)

        def forward(v):
            out = np.empty(dout.shape)
            _compiled("depthwise_conv2d")(v, kernel, out, *case.integers)
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
                _compiled("depthwise_conv2d")(x[n:n + 1], stack[n], out, *case.integers)
                total[n] = out[0]
            return total
        return np.broadcast_to(kernel, dk_shape).copy(), dout, forward

    def linear(forward_name):
        def make(case, x_shape):
            upstream = case.inputs[0]
            x = np.random.default_rng(7).standard_normal(x_shape)

            def forward(v):
                out = np.empty(upstream.shape)
                _compiled(forward_name)(v, out, *case.integers)
                return out
            return x, upstream, forward
        return make

    def max_pool(case, flat_x):
        g, x0 = case.pool, case.x
        upstream = case.inputs[0]

        def forward(v):
            out, argmax = np.empty(g["out"]), np.empty(g["out"], np.int32)
            _compiled("max_pool_3d")(v.reshape(g["x"]), out, argmax, *g["integers"])
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


def _finite_difference_gradient(x, upstream, forward):
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


# --- the report -------------------------------------------------------------------------------------
class KernelResult:
    """The outcome for one kernel: ``status`` is 'pass', 'fail', 'missing' or 'no cases'."""

    def __init__(self, name, status, cases=0, message=""):
        self.name, self.status, self.cases, self.message = name, status, cases, message

    @property
    def ok(self):
        return self.status == "pass"

    def line(self, width):
        if self.status == "pass":
            return f"  {self.name:<{width}}  pass ({self.cases} cases)"
        return f"  {self.name:<{width}}  {self.status.upper()}: {self.message}"


class KernelReport:
    """What ``check`` returns: ``results`` (one ``KernelResult`` per kernel checked),
    ``ok``, ``failed`` (the names), ``not_provided`` and ``no_cases``; ``print(report)``."""

    def __init__(self, label, results, not_provided, no_cases):
        self.label, self.results = label, results
        self.not_provided, self.no_cases = not_provided, no_cases

    @property
    def ok(self):
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def failed(self):
        return [r.name for r in self.results if not r.ok]

    def __getitem__(self, name):
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def __str__(self):
        if not self.results:
            head = "no kernel was checked"
        elif self.ok:
            head = f"all {len(self.results)} kernel{'s' if len(self.results) > 1 else ''} pass"
        else:
            head = (f"{len(self.failed)} of {len(self.results)} kernel"
                    f"{'s' if len(self.results) > 1 else ''} FAIL")
        lines = [f"kernels.check({self.label}): {head}"]
        width = max([len(r.name) for r in self.results] + [1])
        lines += [r.line(width) for r in self.results]
        if len(self.not_provided) > 4:
            lines.append(f"  ({len(self.not_provided)} other kernels are not defined by the module "
                         "and were not checked: see report.not_provided)")
        elif self.not_provided:
            lines.append("  (not defined by the module, not checked: " + ", ".join(self.not_provided) + ")")
        if self.no_cases:
            lines.append("  (no test cases known for: " + ", ".join(self.no_cases)
                         + "; add a generator to minikeras.inspect.kernel_check.CASES)")
        return "\n".join(lines)

    __repr__ = __str__


# --- the check --------------------------------------------------------------------------------------
def _resolve(module):
    if isinstance(module, str):
        if module == "reference":
            return reference, "reference", _compiled
        if module == "cython":
            return _CompiledKernels(), "cython", lambda name: getattr(reference, name)
        raise ValueError(f"kernels.check: unknown backend {module!r}; expected 'reference', "
                         "'cython' or a module.")
    label = getattr(module, "__name__", type(module).__name__)
    # The twins are the truth; when the module *is* the twins, the compiled loops are.
    truth = _compiled if module is reference else (lambda name: getattr(reference, name))
    return module, label, truth


class _CompiledKernels:
    def __getattr__(self, name):
        for module in _kernels._compiled:
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(name)


def check(module, kernels=None, cases=12, seed=0):
    """Check the kernels of ``module`` as the project's kernel tests check its own.

    Args:
        module: a module (or object) defining kernels with the names and parameters of
            ``minikeras/_kernels/reference.py``, or ``'reference'`` / ``'cython'``.
        kernels: the names to check (default: every kernel the module defines). A name the
            module does not define, or one this checker has no cases for, fails.
        cases: random geometries per kernel; each runs in float32 and float64 (and the
            backward kernels' first 3 also against finite differences).
        seed: the seed of the geometries, so that a failing case can be replayed.

    Returns:
        A ``KernelReport``: ``print(report)``, ``report.ok``, ``report.failed``.
    """
    module, label, truth = _resolve(module)
    known = _kernels.kernel_names()
    if kernels is None:
        requested = [n for n in known if callable(getattr(module, n, None))]
        not_provided = [n for n in known if n not in requested]
    else:
        requested = [kernels] if isinstance(kernels, str) else list(kernels)
        not_provided = []
    results, no_cases = [], []
    for name in requested:
        function = getattr(module, name, None)
        if not callable(function):
            results.append(KernelResult(name, "missing", message=f"{label} defines no {name}"))
        elif name not in CASES:
            no_cases.append(name)
            if kernels is not None:
                results.append(KernelResult(name, "no cases", message="this checker has no cases for it"))
        else:
            results.append(_check_one(name, function, truth(name), cases, seed))
    return KernelReport(label, results, not_provided, no_cases)


def _check_one(name, function, twin, count, seed):
    rng = np.random.default_rng(seed)
    done = 0
    for index in range(count):
        case = CASES[name](rng)
        for dtype in DTYPES:
            failure = _compare(name, function, twin, case, dtype)
            if failure:
                return KernelResult(name, "fail", done, f"case {index + 1} ({np.dtype(dtype).name}, "
                                    f"agreement with the twin): {case.describe(name)}; {failure}")
            done += 1
        if name in FD_PAIRS and index < 3:
            failure = _finite_differences(name, function, case)
            if failure:
                return KernelResult(name, "fail", done, f"case {index + 1} (float64, finite "
                                    f"differences): {case.describe(name)}; {failure}")
            done += 1
    return KernelResult(name, "pass", done)


def _call(function, case, dtype):
    outputs = case.fresh_outputs(dtype)
    function(*case.typed_inputs(dtype), *outputs, *case.integers)
    return outputs


def _compare(name, function, twin, case, dtype):
    expected = _call(twin, case, dtype)
    try:
        actual = _call(function, case, dtype)
    except Exception as error:  # a student's kernel may fail in any way: report it
        return f"raised {type(error).__name__}: {error}"
    params = list(inspect.signature(getattr(reference, name)).parameters)[len(case.inputs):]
    for param, a, e in zip(params, actual, expected):
        message = _difference(param, a, e, TOLERANCE[dtype] if e.dtype.kind == "f" else {})
        if message:
            return message
    return None


def _difference(param, actual, expected, tolerance):
    if actual.shape != expected.shape:
        return f"{param} has shape {actual.shape}, expected {expected.shape}"
    if tolerance:
        close = np.isclose(actual, expected, **tolerance)
    else:
        close = actual == expected
    if close.all():
        return None
    where = np.unravel_index(int(np.argmin(close.reshape(-1))), actual.shape)
    unwritten = " (never written: still NaN)" if np.isnan(actual[where]) else ""
    with np.errstate(invalid="ignore"):
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    largest = np.nanmax(diff) if np.isfinite(diff).any() else float("nan")
    return (f"{param} differs by up to {largest:.3g}; first at index {tuple(int(i) for i in where)}: "
            f"got {actual[where].item()!r}, expected {expected[where].item()!r}{unwritten}")


def _finite_differences(name, function, case):
    out_shape = case.outputs[0][0]
    x, upstream, forward = FD_PAIRS[name](case, out_shape)
    numeric = _finite_difference_gradient(np.array(x, dtype=np.float64), upstream, forward)
    try:
        analytic = _call(function, case, np.float64)[0]
    except Exception as error:
        return f"raised {type(error).__name__}: {error}"
    return _difference(list(inspect.signature(getattr(reference, name)).parameters)[len(case.inputs)],
                       analytic, numeric, FD_TOLERANCE)
