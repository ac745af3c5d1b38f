# A matrix product for kernels that run their own threads: BLAS' cblas_?gemm called by
# address (``minikeras/_kernels/blas.py`` finds it in the OpenBLAS that NumPy loaded, and
# makes OpenBLAS single-threaded while the kernel runs), or a plain loop without one.
# Everything here is `cdef inline`: each family that cimports it compiles its own copy.

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int minikeras_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int minikeras_max_threads(void) { return 1; }
    #endif
    """
    int minikeras_max_threads() noexcept nogil

# cblas_?gemm(order, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), with
# 64-bit integers (the ILP64 OpenBLAS that NumPy's wheels ship) or 32-bit ones.
ctypedef void (*sgemm64_t)(int, int, int, int64_t, int64_t, int64_t, float, const float*, int64_t,
                           const float*, int64_t, float, float*, int64_t) noexcept nogil
ctypedef void (*dgemm64_t)(int, int, int, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t) noexcept nogil
ctypedef void (*sgemm32_t)(int, int, int, int32_t, int32_t, int32_t, float, const float*, int32_t,
                           const float*, int32_t, float, float*, int32_t) noexcept nogil
ctypedef void (*dgemm32_t)(int, int, int, int32_t, int32_t, int32_t, double, const double*, int32_t,
                           const double*, int32_t, double, double*, int32_t) noexcept nogil

cdef enum:
    ROW_MAJOR = 101
    NO_TRANS = 111
    TRANS = 112


cdef inline void product(size_t gemm, bint ilp64, bint trans_a, bint trans_b,
                         Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                         const floating* a, Py_ssize_t lda, const floating* b, Py_ssize_t ldb,
                         floating* c, Py_ssize_t ldc) noexcept nogil:
    """c (m, n) = op(a) (m, k) @ op(b) (k, n), row-major; op transposes with ``trans_a`` /
    ``trans_b`` (a is then stored (k, m), b (n, k)). By BLAS' gemm at address ``gemm``, or
    by a plain loop when ``gemm`` is 0."""
    cdef Py_ssize_t i, j, p
    cdef floating value
    cdef int ta = TRANS if trans_a else NO_TRANS, tb = TRANS if trans_b else NO_TRANS
    if gemm == 0:
        for i in range(m):
            for j in range(n):
                c[i * ldc + j] = 0
            for p in range(k):
                value = a[p * lda + i] if trans_a else a[i * lda + p]
                for j in range(n):
                    c[i * ldc + j] += value * (b[j * ldb + p] if trans_b else b[p * ldb + j])
    elif floating is float:
        if ilp64:
            (<sgemm64_t>gemm)(ROW_MAJOR, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc)
        else:
            (<sgemm32_t>gemm)(ROW_MAJOR, ta, tb, <int32_t>m, <int32_t>n, <int32_t>k, 1.0, a, <int32_t>lda,
                              b, <int32_t>ldb, 0.0, c, <int32_t>ldc)
    else:
        if ilp64:
            (<dgemm64_t>gemm)(ROW_MAJOR, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc)
        else:
            (<dgemm32_t>gemm)(ROW_MAJOR, ta, tb, <int32_t>m, <int32_t>n, <int32_t>k, 1.0, a, <int32_t>lda,
                              b, <int32_t>ldb, 0.0, c, <int32_t>ldc)
