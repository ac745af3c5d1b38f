"""The matrix product of the Dense layers and ``ops.matmul``, on minikeras' own threads.

NumPy's ``a @ b`` hands a large product to OpenBLAS' thread pool, whose workers then spin
for a while after the call, waiting for the next one. In a training step the next thing to
run is usually a compiled kernel with OpenMP threads of its own (a convolution, pooling),
and on two cores the spinning worker took a core from it: the Keras MNIST CNN's step took
152 ms with OpenBLAS on two threads against 106 ms on one (measured 2026-12-02, 2 cores).
Here the product is cut into blocks of rows (or of columns, when there are more of them),
and each OpenMP thread multiplies its block by calling BLAS' gemm on one thread: all of
minikeras' threads come from one pool, and OpenBLAS' never wakes up.

``matmul_2d`` has a plain-Python twin in ``reference.py`` that cuts the same blocks and
multiplies each with NumPy.
"""
from cython cimport floating
from cython.parallel cimport prange

from minikeras._kernels.gemm cimport minikeras_max_threads, product
from minikeras._kernels.helpers cimport _max, _min

from minikeras._kernels.blas import single_threaded_blas as _single_threaded_blas

# A thread gets a block only if the block has at least this many multiply-adds: about
# 10 microseconds of one core's work, the order of waking a sleeping thread.
cdef enum:
    MIN_WORK_PER_THREAD = 1 << 20
    # Block edges fall on multiples of this many rows (or columns): whole vector registers.
    BLOCK_ALIGN = 16


cdef Py_ssize_t count_blocks(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k) noexcept:
    """How many blocks (threads) ``matmul_2d`` cuts an (m, k) @ (k, n) product into."""
    cdef Py_ssize_t work = m * n * k
    cdef Py_ssize_t longest = m if m >= n else n
    cdef Py_ssize_t by_work = work // MIN_WORK_PER_THREAD
    cdef Py_ssize_t by_size = (longest + BLOCK_ALIGN - 1) // BLOCK_ALIGN
    return _max(1, _min(minikeras_max_threads(), _min(by_work, by_size)))


def matmul_2d(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out,
              bint trans_a, bint trans_b, size_t sgemm, size_t dgemm, bint ilp64):
    """out = op(a) @ op(b), cut into blocks that threads multiply at once.

    a:   (M, K), or (K, M) stored with ``trans_a`` (op(a) is then a.T)
    b:   (K, N), or (N, K) stored with ``trans_b``
    out: (M, N), overwritten
    The longer of M and N is cut into at most one block per thread, each of at least
    2**20 multiply-adds (edges on multiples of 16); each block of out is op(a) @ op(b) restricted to its rows (or
    columns), with the full K sum. sgemm, dgemm, ilp64: BLAS' cblas_sgemm and cblas_dgemm
    (the run's float type is called; 0 multiplies with a plain loop), and whether they
    take 64-bit integers.
    """
    cdef Py_ssize_t M = out.shape[0], N = out.shape[1]
    cdef Py_ssize_t K = a.shape[0] if trans_a else a.shape[1]
    cdef size_t gemm = sgemm if floating is float else dgemm
    if M == 0 or N == 0:
        return
    if K == 0:
        out[:, :] = 0
        return
    cdef Py_ssize_t blocks = count_blocks(M, N, K)
    cdef bint by_rows = M >= N
    cdef Py_ssize_t longest = M if by_rows else N
    cdef Py_ssize_t size = (longest + blocks - 1) // blocks
    size = (size + BLOCK_ALIGN - 1) // BLOCK_ALIGN * BLOCK_ALIGN
    with _single_threaded_blas():
        multiply_blocks(&a[0, 0], &b[0, 0], &out[0, 0], M, N, K, trans_a, trans_b, by_rows, size,
                        <int>blocks, gemm, ilp64)


cdef void multiply_blocks(const floating* a, const floating* b, floating* out,
                          Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, bint trans_a, bint trans_b,
                          bint by_rows, Py_ssize_t size, int blocks, size_t gemm,
                          bint ilp64) noexcept:
    """The threads of ``matmul_2d``: block i covers rows (or columns) [i*size, (i+1)*size)."""
    cdef Py_ssize_t lda = M if trans_a else K, ldb = K if trans_b else N
    cdef Py_ssize_t block, lo, count
    cdef const floating* a_block
    cdef const floating* b_block
    for block in prange(blocks, nogil=True, schedule="static", num_threads=blocks):
        lo = block * size
        count = _min(size, (M if by_rows else N) - lo)
        if count <= 0:
            continue
        if by_rows:  # rows lo.. of op(a) and of out
            a_block = a + lo if trans_a else a + lo * lda
            product(gemm, ilp64, trans_a, trans_b, count, N, K, a_block, lda, b, ldb,
                    out + lo * N, N)
        else:  # columns lo.. of op(b) and of out
            b_block = b + lo * ldb if trans_b else b + lo
            product(gemm, ilp64, trans_a, trans_b, M, count, K, a, lda, b_block, ldb,
                    out + lo, N)
