"""The compiled kernels and their plain-Python twins, and the switch between them.

Each family of loops lives in one Cython module (``conv.pyx``, ``linalg.pyx``, ``padding.pyx``,
``upsampling.pyx``, ``pooling.pyx``, ``image.pyx``, ``recurrent.pyx``); every compiled
function has a twin with the same name and signature in ``reference.py``, written as
plain Python loops to be read. Operations never import a family directly: they ask
``kernel("im2col_2d")`` for the function of the backend in use, so
``minikeras.kernels.use("reference")`` switches a whole model at once.
"""
import contextlib
import importlib
import inspect
import os
import threading

import numpy as np

__all__ = ["kernel", "compute_dtype", "use", "using", "current_backend", "active", "kernel_names",
           "BACKENDS"]

BACKENDS = ("cython", "reference")
_FAMILIES = ("conv", "padding", "upsampling", "pooling", "image", "recurrent", "normalization",
             "embedding", "optimizers", "activation", "dropout", "linalg")

# Idle OpenMP threads otherwise spin for a while after each parallel loop, and on a 2-core
# machine they then fight NumPy's BLAS threads: measured here, a depthwise convolution run
# right after a matmul took 4-11 ms instead of 1.4 ms, and the matmul after it 9-12 ms
# instead of 5.3 ms. Sleeping idle threads remove that. Set before libgomp is loaded (by
# the first compiled module); a value the user chose is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_compiled_families():
    loaded, missing = [], []
    for family in _FAMILIES:
        try:
            loaded.append(importlib.import_module(f"{__name__}.{family}"))
        except ImportError:
            # A family is required once its source ships with the package.
            if os.path.exists(os.path.join(_HERE, family + ".pyx")):
                missing.append(family)
    if missing:
        raise ImportError(
            "minikeras' compiled kernels are not built (missing: "
            + ", ".join(f"minikeras._kernels.{m}" for m in missing)
            + "). Build them from the repository root with:\n"
            '    python -m pip install -e ".[test]"\n'
            "(or `python setup.py build_ext --inplace`). This needs Cython, NumPy and a C compiler."
        )
    return loaded


_compiled = _load_compiled_families()
_state = threading.local()


def current_backend():
    """``'cython'`` (the default), ``'reference'``, or the module given to ``use``."""
    return getattr(_state, "backend", "cython")


def kernel_names():
    """The names of every compiled kernel, family by family (each has a twin)."""
    names = []
    for module in _compiled:
        for name, function in vars(module).items():
            if not name.startswith("_") and callable(function) and not isinstance(function, type):
                names.append(name)
    return names


def use(backend):
    """Make every operation run the ``'cython'`` kernels, their ``'reference'`` twins, or
    the kernels of a module.

    ``backend`` may be a module (or any object) that defines some of the kernels with the
    same names and parameters as ``reference.py``, e.g. a student's own ``im2col_2d``:
    operations then call its functions, and the compiled kernel wherever it defines none
    (``active()`` tells which). The choice holds until the next ``use``. The value
    returned also works as a context manager that puts the previous backend back at the
    end of the block, so ``with use("reference"): ...`` is the same as
    ``with using("reference"): ...``.

    Raises:
        ValueError: for an unknown name, or a module that defines none of the kernels.
        TypeError: for a module kernel whose parameters differ in number from the twin's.
    """
    if isinstance(backend, str) or backend is None:
        if backend not in BACKENDS:
            raise ValueError(f"Unknown kernel backend {backend!r}. Expected one of {BACKENDS}, "
                             "or a module that defines kernels with the same names.")
    else:
        _check_kernel_module(backend)
    previous = current_backend()
    _state.backend = backend
    return _Restore(backend, previous)


def _check_kernel_module(module):
    from minikeras._kernels import reference

    label = getattr(module, "__name__", type(module).__name__)
    provided = [name for name in kernel_names() if callable(getattr(module, name, None))]
    if not provided:
        raise ValueError(
            f"kernels.use: module {label!r} defines none of the kernels; expected functions named "
            f"like those of minikeras/_kernels/reference.py: {', '.join(kernel_names())}."
        )
    for name in provided:
        expected = list(inspect.signature(getattr(reference, name)).parameters)
        try:
            got = list(inspect.signature(getattr(module, name)).parameters)
        except (TypeError, ValueError):  # a builtin without a signature: trust it
            continue
        if len(got) != len(expected):
            raise TypeError(
                f"kernels.use: {label}.{name} takes {len(got)} parameters ({', '.join(got)}), but "
                f"the kernel {name} takes {len(expected)}: ({', '.join(expected)})."
            )


def backend_label(backend):
    """``'cython'``, ``'reference'`` or ``'module <name>'``: how reports name a backend."""
    if isinstance(backend, str):
        return backend
    return f"module {getattr(backend, '__name__', type(backend).__name__)}"


def active():
    """``{kernel name: implementation}`` for every kernel, in the order of ``kernel_names``.

    The implementation is ``'cython'``, ``'reference'`` or ``'module <name>'`` (a module
    given to ``use``; the kernels it does not define stay ``'cython'``).

    Example:
        >>> active()["im2col_2d"]
        'cython'
    """
    backend = current_backend()
    report = {}
    for name in kernel_names():
        if isinstance(backend, str):
            report[name] = backend
        else:
            report[name] = backend_label(backend) if callable(getattr(backend, name, None)) else "cython"
    return report


class _Restore:
    """What ``use`` returns: leaving a ``with`` block restores the backend used before."""

    def __init__(self, backend, previous):
        self.backend, self.previous = backend, previous

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _state.backend = self.previous

    def __repr__(self):
        shown = self.backend if isinstance(self.backend, str) else backend_label(self.backend)
        return f"minikeras.kernels.use({shown!r})"


@contextlib.contextmanager
def using(backend):
    """Run a block with the given kernel backend, then restore the previous one.

    Example:
        >>> with using("reference"):
        ...     current_backend()      # operations here run the plain-Python twins
        'reference'
        >>> current_backend()
        'cython'
    """
    previous = current_backend()
    use(backend)
    try:
        yield
    finally:
        use(previous)


def compute_dtype(*arrays):
    """float32 or float64: the type the kernels compute ``arrays`` in (both backends).

    64-bit floats, in either byte order, and wider ones are computed in float64; float16
    in float32. The ops cast the results back to their inputs' type.
    """
    return np.dtype(np.float64 if np.result_type(*arrays).itemsize >= 8 else np.float32)


def kernel(name):
    """The function ``name`` of the backend in use (see ``use``)."""
    backend = current_backend()
    if backend == "reference":
        from minikeras._kernels import reference

        return getattr(reference, name)
    if not isinstance(backend, str):
        function = getattr(backend, name, None)
        if callable(function):
            return function
    for module in _compiled:
        function = getattr(module, name, None)
        if function is not None:
            return function
    raise LookupError(f"No compiled kernel named {name!r}.")
