"""Batch normalisation loops: per-channel sums, and the affine maps of forward and backward.

Shape letters: ``O`` the axes before the channel axis (flattened), ``C`` channels, ``I``
the axes after it (flattened). Arrays are C-contiguous ``(O, C * I)``: element
``[o, c * I + i]`` is ``x[o, c, i]``. Channels-last data is ``(N*H*W, C)`` (``I = 1``),
channels_first data ``(N, C * H*W)``; ``C`` is the length of the per-channel arrays. The
sums are float64, allocated and zeroed by the caller.

The op (``ops/normalization.py``) turns the statistics into per-channel coefficients, so
that both element-wise passes are one multiply-add per element:

    forward:   y  = x * scale[c] + offset[c]
    backward:  dx = g * a[c] + x * b[c] + d[c]

Speed decisions, measured on (128, 24, 24, 64) float32 (four passes per training step):

* The rows are flat and contiguous, so that for ``I = 1`` the loop over ``c`` is a plain
  vector loop: a 3-D ``(O, C, 1)`` view with an inner loop of one step ran 5x slower.
* One thread. Each pass reads 19-38 MB at memory speed (1.5-3 ms of CPU, about 9 ms for
  the step), so a second thread gains little, while waiting for it costs much on a busy
  machine: with the other cores taken (load average 20 on 2 cores) the whole step took
  35-52 ms on one thread against 150-220 ms with ``prange`` over two, PyTorch 155-205 ms.
"""
from cython cimport floating


def batch_norm_sums(const floating[:, ::1] x, const double[::1] shift,
                    double[::1] sums, double[::1] squares):
    """sums[c] += x[o, c, i] - shift[c];  squares[c] += (x[o, c, i] - shift[c])**2

    x: (O, C * I); shift, sums, squares: (C,). Shifting by a value of the channel (the op
    passes its first one) keeps ``var = E[(x - shift)**2] - E[x - shift]**2`` exact when
    the mean is large.
    """
    cdef Py_ssize_t O = x.shape[0], C = shift.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t o, c, i
    cdef double v, s, q
    with nogil:
        for o in range(O):
            if I == 1:
                for c in range(C):
                    v = x[o, c] - shift[c]
                    sums[c] += v
                    squares[c] += v * v
            else:
                for c in range(C):
                    s = 0
                    q = 0
                    for i in range(I):
                        v = x[o, c * I + i] - shift[c]
                        s += v
                        q += v * v
                    sums[c] += s
                    squares[c] += q


def batch_norm_apply(const floating[:, ::1] x, const floating[::1] scale,
                     const floating[::1] offset, floating[:, ::1] y):
    """y[o, c, i] = x[o, c, i] * scale[c] + offset[c].  x, y: (O, C * I); scale, offset: (C,)."""
    cdef Py_ssize_t O = x.shape[0], C = scale.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t o, c, i
    with nogil:
        for o in range(O):
            if I == 1:
                for c in range(C):
                    y[o, c] = x[o, c] * scale[c] + offset[c]
            else:
                for c in range(C):
                    for i in range(I):
                        y[o, c * I + i] = x[o, c * I + i] * scale[c] + offset[c]


def batch_norm_backward_sums(const floating[:, ::1] grad, const floating[:, ::1] x,
                             const double[::1] mean, double[::1] grad_sums,
                             double[::1] grad_x_sums):
    """grad_sums[c] += g[o, c, i];  grad_x_sums[c] += g[o, c, i] * (x[o, c, i] - mean[c])

    grad, x: (O, C * I); mean, grad_sums, grad_x_sums: (C,).
    """
    cdef Py_ssize_t O = x.shape[0], C = mean.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t o, c, i, j
    cdef double g, s, q
    with nogil:
        for o in range(O):
            if I == 1:
                for c in range(C):
                    g = grad[o, c]
                    grad_sums[c] += g
                    grad_x_sums[c] += g * (x[o, c] - mean[c])
            else:
                for c in range(C):
                    s = 0
                    q = 0
                    for i in range(I):
                        j = c * I + i
                        g = grad[o, j]
                        s += g
                        q += g * (x[o, j] - mean[c])
                    grad_sums[c] += s
                    grad_x_sums[c] += q


def batch_norm_backward_apply(const floating[:, ::1] grad, const floating[:, ::1] x,
                              const floating[::1] a, const floating[::1] b,
                              const floating[::1] d, floating[:, ::1] grad_x):
    """grad_x[o, c, i] = grad[o, c, i] * a[c] + x[o, c, i] * b[c] + d[c].  (O, C * I) and (C,)."""
    cdef Py_ssize_t O = x.shape[0], C = a.shape[0]
    cdef Py_ssize_t I = x.shape[1] // C
    cdef Py_ssize_t o, c, i, j
    with nogil:
        for o in range(O):
            if I == 1:
                for c in range(C):
                    grad_x[o, c] = grad[o, c] * a[c] + x[o, c] * b[c] + d[c]
            else:
                for c in range(C):
                    for i in range(I):
                        j = c * I + i
                        grad_x[o, j] = grad[o, j] * a[c] + x[o, j] * b[c] + d[c]
