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

``gemm_addresses`` finds, in the same library, the matrix product that the compiled
``conv2d_pipeline_forward`` calls from its own threads.
"""
import contextlib
import ctypes
import threading

__all__ = ["single_threaded_blas", "gemm_addresses"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
# cblas_sgemm / cblas_dgemm: NumPy's wheels ship an ILP64 OpenBLAS (64-bit integers) whose
# symbols carry a scipy_ prefix and a 64_ suffix; a system OpenBLAS has the plain names.
_GEMMS = (("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_", True), ("cblas_sgemm64_", "cblas_dgemm64_", True),
          ("cblas_sgemm", "cblas_dgemm", False))
_lock = threading.Lock()
_functions = None
_library = None
_gemms = None


def _find_openblas():
    """(set, get) functions of the loaded OpenBLAS, or (None, None); keeps the library."""
    global _library
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
            _library = library
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


def gemm_addresses():
    """(sgemm, dgemm, ilp64): the addresses of the loaded OpenBLAS' cblas_sgemm and
    cblas_dgemm, and whether they take 64-bit integers, for compiled loops that call them
    from their own threads (``conv2d_pipeline_forward``); (0, 0, False) when they cannot be
    found, or when OpenBLAS' thread count cannot be set to one for the call."""
    global _functions, _gemms
    if _gemms is None:
        if _functions is None:
            _functions = _find_openblas()
        _gemms = (0, 0, False)
        if _library is not None:
            for sgemm, dgemm, ilp64 in _GEMMS:
                if hasattr(_library, sgemm) and hasattr(_library, dgemm):
                    address = lambda name: ctypes.cast(getattr(_library, name), ctypes.c_void_p).value
                    _gemms = (address(sgemm), address(dgemm), ilp64)
                    break
    return _gemms
