"""Run a block with NumPy's BLAS on one thread: ``with single_threaded_blas(): ...``.

The recurrent kernels multiply small matrices, one (N, U) by (U, G*U) product per timestep
(0.2 ms each for N = U = 128 on one core). A multi-threaded OpenBLAS hands each of them to
its worker threads and back; on a two-core machine shared with other programs, and beside
the kernels' own OpenMP threads, that hand-over cost more than the products themselves:
measured 2026-12-02, an LSTM(128) forward and backward over 28 steps took 2.2 s with
OpenBLAS' two threads and 0.16 s with one.

NumPy does not expose the thread count, so this finds the OpenBLAS library NumPy loaded
(Linux: ``/proc/self/maps``) and calls its ``*_set_num_threads``; where that is not
possible (another BLAS, another system) the block simply runs unchanged.
"""
import contextlib
import ctypes
import threading

__all__ = ["single_threaded_blas"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
_lock = threading.Lock()
_functions = None


def _find_openblas():
    """(set, get) functions of the loaded OpenBLAS, or (None, None)."""
    import numpy  # noqa: F401  (NumPy's BLAS must be loaded to be found)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None, None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(library, n) for n in _SETTERS if hasattr(library, n)), None)
        getter = next((getattr(library, n) for n in _GETTERS if hasattr(library, n)), None)
        if setter is not None and getter is not None:
            getter.restype = ctypes.c_int
            return setter, getter
    return None, None


@contextlib.contextmanager
def single_threaded_blas():
    """Within the block, OpenBLAS uses one thread; the previous count comes back after."""
    global _functions
    if _functions is None:
        _functions = _find_openblas()
    setter, getter = _functions
    if setter is None:
        yield
        return
    with _lock:
        previous = getter()
        setter(1)
        try:
            yield
        finally:
            setter(previous)
