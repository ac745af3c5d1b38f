"""Optimizer updates: one pass over a weight, its gradient and its slots.

Written in NumPy, an Adam update of one weight makes about ten temporary arrays of the
weight's size and walks memory ten times (13 ms a step for the 1.2 M weights of the MNIST
CNN); here each element is read once and its new values written once.

The arithmetic is NumPy's, operation for operation, so the numbers are the same to the
last bit: with float32 weights, the coefficients (``beta_1``, ``1 - beta_1``, ``epsilon``...)
are rounded to float32 as NumPy rounds a Python float that meets a float32 array, the
moment estimates are float32, and the step ``lr_t * m / (sqrt(v) + eps)`` is taken in
float64 (``lr_t`` is a NumPy float64 in ``optimizers/adam.py``) and rounded once at the end.
``setup.py`` compiles without contracting ``a * b + c`` into one fused multiply-add, which
would round differently.

Arrays are 1-D views of C-contiguous arrays of the same length (the op checks that); the
slots are updated in place and the new weight is written to ``out``.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt

from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK


def adam_update(const floating[::1] w, const floating[::1] g, floating[::1] m, floating[::1] v,
                floating[::1] vhat, floating[::1] out, double beta_1, double beta_2,
                double lr_t, double epsilon, bint amsgrad):
    """One Adam step of one weight.

    w, g:        the weight and its gradient (read)
    m, v:        the moment estimates, updated in place:
                 m = beta_1 m + (1 - beta_1) g,  v = beta_2 v + (1 - beta_2) g**2
    vhat:        with ``amsgrad``, the running maximum of v (updated in place, and used in
                 place of v below); ignored otherwise
    out:         written: out = w - lr_t * m / (sqrt(v) + epsilon)
    """
    cdef Py_ssize_t i, size = w.shape[0]
    cdef floating b1 = <floating>beta_1, c1 = <floating>(1.0 - beta_1)
    cdef floating b2 = <floating>beta_2, c2 = <floating>(1.0 - beta_2)
    cdef floating eps = <floating>epsilon
    cdef floating mi, vi, gi, gg, a, b, denominator
    cdef bint threads = size >= PARALLEL_MIN_WORK
    for i in prange(size, nogil=True, schedule="static", use_threads_if=threads):
        gi = g[i]
        # Each product is rounded before the sum, as NumPy's two array expressions are.
        a = b1 * m[i]
        b = c1 * gi
        mi = a + b
        gg = gi * gi
        a = b2 * v[i]
        b = c2 * gg
        vi = a + b
        m[i] = mi
        v[i] = vi
        if amsgrad:
            # np.maximum: NaN wins.
            if vhat[i] > vi or vhat[i] != vhat[i]:
                vi = vhat[i]
            vhat[i] = vi
        denominator = <floating>sqrt(vi)
        denominator = denominator + eps
        out[i] = <floating>(<double>w[i] - lr_t * <double>mi / <double>denominator)
