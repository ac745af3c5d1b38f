"""Bias and activation in one pass over a layer's output, and the gradient of both in one pass.

A convolution or dense layer computes ``y = activation(z + bias)`` on the output ``z`` of a
matrix product. Written as separate operations, that is two passes forward (add, then ReLU
with its mask) and four backward (the mask cast to floats, the product with the gradient,
and the bias gradient summed over every position); on the second convolution of the MNIST
CNN (19 MB of output) those passes cost more than 20 ms a step. Here:

- ``bias_activation`` adds the bias and applies the activation in place, on rows that the
  matrix product has just written (``ops/conv.py`` calls it on each chunk of images while the
  chunk is still in the cache);
- ``bias_activation_backward`` turns the gradient of ``y`` into the gradient of ``z`` and
  sums the bias gradient, reading each value once.

Arrays are ``(rows, C)``: every position of the output (batch and spatial axes together) by
its channels, C-contiguous. ``relu`` selects ReLU, otherwise the activation is linear.
"""
from cython cimport floating
from cython.parallel cimport prange

from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK


def bias_activation(floating[:, ::1] z, const floating[::1] bias, bint has_bias, bint relu):
    """z[r, c] = activation(z[r, c] + bias[c]), in place (``bias`` unused without ``has_bias``).

    ReLU keeps NaN (as ``np.maximum``) and maps every value <= 0 to 0.
    Serial on purpose: it runs between BLAS products, on data still in this core's cache.
    """
    cdef Py_ssize_t r, c, rows = z.shape[0], C = z.shape[1]
    cdef floating value
    with nogil:
        for r in range(rows):
            for c in range(C):
                value = z[r, c]
                if has_bias:
                    value = value + bias[c]
                if relu and value <= 0:
                    value = 0
                z[r, c] = value


def bias_activation_backward(const floating[:, ::1] grad, const floating[:, ::1] y,
                             floating[:, ::1] dz, double[:, ::1] dbias_parts,
                             bint has_bias, bint relu):
    """The gradients of ``y = activation(z + bias)`` from the gradient of ``y``.

    grad, y:     (rows, C) the gradient of the output, and the output itself
    dz:          (rows, C) written (with ``relu``): dz = grad * (1 if y > 0 else 0), the
                 same product NumPy computes with the mask as floats (so 0 * inf is NaN)
    dbias_parts: (B, C) written (with ``has_bias``): the bias gradient sum over rows of dz,
                 in B partial sums over B equal blocks of rows; the caller adds them up.
                 Each block is summed in float64 by one thread, so the result does not
                 depend on the number of threads.
    """
    cdef Py_ssize_t rows = grad.shape[0], C = grad.shape[1], B = dbias_parts.shape[0]
    cdef Py_ssize_t block, r, c, r0, r1
    cdef floating value, one = 1, zero = 0
    cdef bint threads = rows * C >= PARALLEL_MIN_WORK
    for block in prange(B, nogil=True, schedule="dynamic", use_threads_if=threads):
        r0 = block * rows // B
        r1 = (block + 1) * rows // B
        if has_bias:
            for c in range(C):
                dbias_parts[block, c] = 0
        for r in range(r0, r1):
            for c in range(C):
                value = grad[r, c]
                if relu:
                    value = value * (one if y[r, c] > 0 else zero)
                    dz[r, c] = value
                if has_bias:
                    dbias_parts[block, c] += value
