"""Grade a set of kernels: ``minikeras.kernels.check(module)``.

A kernel is checked the way the project's own kernel tests check the compiled loops:

1. **agreement with the twin**: on many small random calls (sizes, kernels, strides,
   dilations, pads, ``valid`` and ``same`` pooling windows, affine maps and fill modes,
   time masks and recurrent dropout, batch-norm layouts, repeated embedding indices, the
   flags of Adam, the bias and ReLU), in float32 and float64, the module's function and
   the plain-Python twin in ``minikeras/_kernels/reference.py`` are called on the same
   inputs. Outputs start as NaN (argmax as -1), so an element the kernel forgets to write
   is caught; arrays updated in place (Adam's ``m``, a sum the kernel adds to) start from
   the same random values for both. (The twins themselves are checked against the
   compiled loops.)
2. **finite differences** for a backward kernel: in float64, each element of every
   gradient it returns must equal the central difference
   ``(L(x + h e_i) - L(x - h e_i)) / 2h`` of ``L(x) = <forward(x), upstream>``, with the
   project's compiled forward kernel. This does not trust any backward kernel at all.

The cases and the finite-difference oracles are in ``kernel_cases.py`` (the recurrent
kernels' in ``recurrent_cases.py``; batch normalisation's, the embedding's and the
training step's in ``training_cases.py``), one call described by a ``kernel_call.Case``. The report
prints one line per kernel: ``pass`` with the number of cases, or the first
failing case with every argument (arrays by shape, scalars by value) and the largest
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
import numpy as np

from minikeras import _kernels
from minikeras._kernels import reference
from minikeras.inspect.kernel_call import InOut, compiled_kernel
from minikeras.inspect.kernel_cases import CASES, FD_PAIRS, finite_difference_gradient

__all__ = ["check", "KernelReport", "KernelResult", "CASES", "FD_PAIRS"]

DTYPES = (np.float32, np.float64)
TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}
FD_TOLERANCE = dict(rtol=1e-6, atol=1e-7)


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
                         + "; add a generator to minikeras/inspect/kernel_cases.py)")
        return "\n".join(lines)

    __repr__ = __str__


# --- the check --------------------------------------------------------------------------------------
def _resolve(module):
    if isinstance(module, str):
        if module == "reference":
            return reference, "reference", compiled_kernel
        if module == "cython":
            return _CompiledKernels(), "cython", lambda name: getattr(reference, name)
        raise ValueError(f"kernels.check: unknown backend {module!r}; expected 'reference', "
                         "'cython' or a module.")
    label = getattr(module, "__name__", type(module).__name__)
    # The twins are the truth; when the module *is* the twins, the compiled loops are.
    truth = compiled_kernel if module is reference else (lambda name: getattr(reference, name))
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
        case = CASES[name](rng, index)
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
    arguments, outputs = case.arguments_for(dtype)
    function(*arguments)
    return outputs


def _compare(name, function, twin, case, dtype):
    expected = _call(twin, case, dtype)
    try:
        actual = _call(function, case, dtype)
    except Exception as error:  # a student's kernel may fail in any way: report it
        return f"raised {type(error).__name__}: {error}"
    for param, a, e in zip(case.output_names(name), actual, expected):
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
    """Every float output of the backward kernel against central differences of its oracle.

    The gradient in an ``InOut`` output is what the kernel added to it (``embedding_backward``
    adds into ``grad_table``); an output whose ``xs`` entry is None is not a gradient in this
    case (``dz`` of ``bias_activation_backward`` without ``relu``) and is not compared.
    """
    xs, upstream, forward = FD_PAIRS[name](case)
    try:
        analytic = [a for a in _call(function, case, np.float64) if a.dtype.kind == "f"]
    except Exception as error:
        return f"raised {type(error).__name__}: {error}"
    floats = [(p, out) for p, out in zip(case.output_names(name), case.outputs) if out.is_float]
    for i, ((param, out), gradient) in enumerate(zip(floats, analytic)):
        if xs[i] is None:
            continue
        if isinstance(out, InOut):
            gradient = gradient - out.start
        x = np.array(xs[i], dtype=np.float64)
        numeric = finite_difference_gradient(
            x, upstream, lambda v, i=i: forward(*xs[:i], v, *xs[i + 1:]))
        message = _difference(param, gradient, numeric, FD_TOLERANCE)
        if message:
            return message
    return None
