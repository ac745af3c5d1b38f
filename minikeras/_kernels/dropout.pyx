"""Inverted dropout from random bits, in one pass.

``layers/core/dropout.py`` draws one random 32-bit integer per element (``bits``); an element
is kept when its integer is at least ``threshold`` = round(rate * 2**32), which happens with
probability 1 - rate (to 2**-32). Kept elements are multiplied by ``scale`` = 1 / (1 - rate),
dropped ones by 0: the same product NumPy computes with a mask of floats, without making
the floats (the random doubles, their comparison, the cast and the division each walked the
whole array).

The same loop is the backward pass: dropout is linear in x, so the gradient of the input is
the output gradient through the same mask.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport uint32_t, uint64_t

from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK


def dropout_mask_apply(const floating[::1] x, const uint32_t[::1] bits, uint64_t threshold,
                       double scale, floating[::1] out):
    """out[i] = x[i] * (scale if bits[i] >= threshold else 0); 1-D arrays of one length.

    ``scale`` is rounded to x's type first, as NumPy rounds a float mask.
    """
    cdef Py_ssize_t i, size = x.shape[0]
    cdef floating kept = <floating>scale, dropped = 0
    cdef bint threads = size >= PARALLEL_MIN_WORK
    for i in prange(size, nogil=True, schedule="static", use_threads_if=threads):
        out[i] = x[i] * (kept if bits[i] >= threshold else dropped)
