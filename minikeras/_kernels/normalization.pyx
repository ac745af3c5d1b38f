"""Batch normalisation loops: per-channel sums, and the affine maps of forward and backward.

Shape letters: ``O`` the axes before the channel axis (flattened), ``C`` channels, ``I``
the axes after it (flattened). Arrays are C-contiguous ``(O, C * I)``: element
``[o, c * I + i]`` is ``x[o, c, i]``. Channels-last data is ``(N*H*W, C)`` (``I = 1``),
channels_first data ``(N, C * H*W)``; ``C`` is the length of the per-channel arrays.
``T`` is the number of chunks the reductions split ``O`` into: chunk ``t`` adds its rows
into row ``t`` of the partial sums (float64, allocated and zeroed by the caller, then
summed over ``t`` by the op), so threads never write the same number.

The op (``ops/normalization.py``) turns the statistics into per-channel coefficients, so
that both element-wise passes are one multiply-add per element:

    forward:   y  = x * scale[c] + offset[c]
    backward:  dx = g * a[c] + x * b[c] + d[c]

Speed: the rows are flat and contiguous, so that for ``I = 1`` the loop over ``c`` is a
plain vector loop (a 3-D ``(O, C, 1)`` view with an inner loop of one step ran 10-20x
slower on (73728, 64): 32 ms against about 2 ms for ``batch_norm_apply``).
"""
from cython cimport floating
from cython.parallel cimport prange

from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK

# The element-wise passes hand rows to the threads in blocks of ROWS_PER_TASK ("dynamic"),
# so that a thread whose core another program holds takes fewer blocks (see parallel.pxd).
cdef enum:
    ROWS_PER_TASK = 256


def batch_norm_sums(const floating[:, ::1] x, const double[::1] shift,
                    double[:, ::1] sums, double[:, ::1] squares):
    """sums[t, c] += x[o, c, i] - shift[c];  squares[t, c] += (x[o, c, i] - shift[c])**2

    for the rows o of chunk t. x: (O, C * I); shift: (C,); sums, squares: (T, C).
    Shifting by a value of the channel (the op passes its first one) keeps
    ``var = E[(x - shift)**2] - E[x - shift]**2`` exact when the mean is large.
    """
    cdef Py_ssize_t O = x.shape[0], C = shift.shape[0], T = sums.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t t, o, c, i, o0, o1
    cdef double v, s, q
    cdef bint threads = O * C * I >= PARALLEL_MIN_WORK
    for t in prange(T, nogil=True, schedule="dynamic", use_threads_if=threads):
        o0 = t * O // T
        o1 = (t + 1) * O // T
        for o in range(o0, o1):
            if I == 1:
                for c in range(C):
                    v = x[o, c] - shift[c]
                    sums[t, c] += v
                    squares[t, c] += v * v
            else:
                for c in range(C):
                    s = 0
                    q = 0
                    for i in range(I):
                        v = x[o, c * I + i] - shift[c]
                        s = s + v
                        q = q + v * v
                    sums[t, c] += s
                    squares[t, c] += q


def batch_norm_apply(const floating[:, ::1] x, const floating[::1] scale,
                     const floating[::1] offset, floating[:, ::1] y):
    """y[o, c, i] = x[o, c, i] * scale[c] + offset[c].  x, y: (O, C * I); scale, offset: (C,)."""
    cdef Py_ssize_t O = x.shape[0], C = scale.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t o, c, i
    cdef bint threads = O * C * I >= PARALLEL_MIN_WORK
    for o in prange(O, nogil=True, schedule="dynamic", chunksize=ROWS_PER_TASK, use_threads_if=threads):
        if I == 1:
            for c in range(C):
                y[o, c] = x[o, c] * scale[c] + offset[c]
        else:
            for c in range(C):
                for i in range(I):
                    y[o, c * I + i] = x[o, c * I + i] * scale[c] + offset[c]


def batch_norm_backward_sums(const floating[:, ::1] grad, const floating[:, ::1] x,
                             const double[::1] mean, double[:, ::1] grad_sums,
                             double[:, ::1] grad_x_sums):
    """grad_sums[t, c] += g[o, c, i];  grad_x_sums[t, c] += g[o, c, i] * (x[o, c, i] - mean[c])

    for the rows o of chunk t. grad, x: (O, C * I); mean: (C,); the sums: (T, C).
    """
    cdef Py_ssize_t O = x.shape[0], C = mean.shape[0], T = grad_sums.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t t, o, c, i, o0, o1, j
    cdef double g, s, q
    cdef bint threads = O * C * I >= PARALLEL_MIN_WORK
    for t in prange(T, nogil=True, schedule="dynamic", use_threads_if=threads):
        o0 = t * O // T
        o1 = (t + 1) * O // T
        for o in range(o0, o1):
            if I == 1:
                for c in range(C):
                    g = grad[o, c]
                    grad_sums[t, c] += g
                    grad_x_sums[t, c] += g * (x[o, c] - mean[c])
            else:
                for c in range(C):
                    s = 0
                    q = 0
                    for i in range(I):
                        j = c * I + i
                        g = grad[o, j]
                        s = s + g
                        q = q + g * (x[o, j] - mean[c])
                    grad_sums[t, c] += s
                    grad_x_sums[t, c] += q


def batch_norm_backward_apply(const floating[:, ::1] grad, const floating[:, ::1] x,
                              const floating[::1] a, const floating[::1] b,
                              const floating[::1] d, floating[:, ::1] grad_x):
    """grad_x[o, c, i] = grad[o, c, i] * a[c] + x[o, c, i] * b[c] + d[c].  (O, C * I) and (C,)."""
    cdef Py_ssize_t O = x.shape[0], C = a.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t o, c, i, j
    cdef bint threads = O * C * I >= PARALLEL_MIN_WORK
    for o in prange(O, nogil=True, schedule="dynamic", chunksize=ROWS_PER_TASK, use_threads_if=threads):
        if I == 1:
            for c in range(C):
                grad_x[o, c] = grad[o, c] * a[c] + x[o, c] * b[c] + d[c]
        else:
            for c in range(C):
                for i in range(I):
                    j = c * I + i
                    grad_x[o, j] = grad[o, j] * a[c] + x[o, j] * b[c] + d[c]
