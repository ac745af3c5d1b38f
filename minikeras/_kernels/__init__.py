"""The compiled kernels and their plain-Python twins, and the switch between them.

Each family of loops lives in one Cython module (``conv.pyx``, ``padding.pyx``,
``upsampling.pyx``, ``pooling.pyx``, ``recurrent.pyx``); every compiled function has a twin
with the same name and signature in ``reference.py``, written as plain Python loops to be
read. Operations
never import a family directly: they ask ``kernel("im2col_2d")`` for the function of the
backend in use, so ``minikeras.kernels.use("reference")`` switches a whole model at once.
"""
import contextlib
import importlib
import os
import threading

import numpy as np

__all__ = ["kernel", "compute_dtype", "use", "using", "current_backend", "BACKENDS"]

BACKENDS = ("cython", "reference")
_FAMILIES = ("conv", "padding", "upsampling", "pooling", "recurrent")

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
    """``'cython'`` (the default) or ``'reference'``: which kernels operations run."""
    return getattr(_state, "backend", "cython")


def use(backend):
    """Make every operation run the ``'cython'`` kernels or their ``'reference'`` twins.

    The choice holds until the next ``use``. The value returned also works as a context
    manager that puts the previous backend back at the end of the block, so
    ``with use("reference"): ...`` is the same as ``with using("reference"): ...``.
    """
    if backend not in BACKENDS:
        raise ValueError(f"Unknown kernel backend {backend!r}. Expected one of {BACKENDS}.")
    previous = current_backend()
    _state.backend = backend
    return _Restore(backend, previous)


class _Restore:
    """What ``use`` returns: leaving a ``with`` block restores the backend used before."""

    def __init__(self, backend, previous):
        self.backend, self.previous = backend, previous

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _state.backend = self.previous

    def __repr__(self):
        return f"minikeras.kernels.use({self.backend!r})"


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
    """The function ``name`` from the compiled families, or its twin in ``reference.py``."""
    if current_backend() == "reference":
        from minikeras._kernels import reference

        return getattr(reference, name)
    for module in _compiled:
        function = getattr(module, name, None)
        if function is not None:
            return function
    raise LookupError(f"No compiled kernel named {name!r}.")
