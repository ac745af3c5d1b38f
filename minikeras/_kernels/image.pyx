"""Affine resampling of images with bilinear interpolation (ImageDataGenerator's kernel).

Shape letters: ``N`` batch, ``H W`` input sizes, ``OH OW`` output sizes, ``C`` channels.
Arrays are channels-last and C-contiguous; ``minikeras/preprocessing`` checks the arguments,
moves channels last and builds the matrices before calling in.

Output pixel (oh, ow) of image n reads the input at the real position

    r = M[n, 0, 0] * oh + M[n, 0, 1] * ow + M[n, 0, 2]
    c = M[n, 1, 0] * oh + M[n, 1, 1] * ow + M[n, 1, 2]

and mixes the four pixels around it, as scipy.ndimage.affine_transform(order=1) does. The
fill modes (positions outside the image) follow scipy's conventions; see the twin in
``reference.py`` for them written out.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport floor

from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK

FILL_CONSTANT, FILL_NEAREST, FILL_REFLECT, FILL_WRAP = 0, 1, 2, 3

cdef enum:
    CONSTANT = 0
    NEAREST = 1
    REFLECT = 2
    WRAP = 3


cdef inline Py_ssize_t _reflect_index(Py_ssize_t i, Py_ssize_t L) noexcept nogil:
    """The pixel that index ``i`` reads in the mirrored extension (period 2L)."""
    i = i % (2 * L)
    if i < 0:  # C's % keeps the sign of i
        i += 2 * L
    return 2 * L - 1 - i if i >= L else i


cdef inline bint _axis_taps(double s, Py_ssize_t L, int mode, Py_ssize_t* i0,
                            Py_ssize_t* i1, double* w1) noexcept nogil:
    """The two pixels around position ``s`` and the weight of ``i1``; False: fill with cval."""
    cdef double period = L - 1
    if mode == CONSTANT:
        if s < 0 or s > L - 1:
            return False
    elif mode == NEAREST:
        s = 0.0 if s < 0 else (period if s > period else s)
    elif mode == WRAP:
        if s < 0 or s > period:
            if period == 0:
                s = 0.0
            elif s < 0:
                s += period * (<Py_ssize_t>(-s / period) + 1)  # the cast truncates, as scipy's
            else:
                s -= period * <Py_ssize_t>(s / period)
    cdef double f = floor(s)
    i0[0] = <Py_ssize_t>f
    w1[0] = s - f
    if mode == REFLECT:
        i1[0] = _reflect_index(i0[0] + 1, L)
        i0[0] = _reflect_index(i0[0], L)
    else:
        i1[0] = i0[0] + 1 if i0[0] + 1 < L else L - 1
    return True


def affine_transform_2d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                        const double[:, :, ::1] matrices, int mode, double cval):
    """Resample every image of ``x`` through its affine map into ``out``.

    x:        (N, H, W, C), H > 0 and W > 0
    out:      (N, OH, OW, C), every element written
    matrices: (N, 2, 3) float64, output (oh, ow) -> input (r, c) as above
    mode:     FILL_CONSTANT, FILL_NEAREST, FILL_REFLECT or FILL_WRAP; cval: the constant

    With (r0, r1, wr) the rows around r and (c0, c1, wc) the columns around c:

        top    = (1 - wc) * x[n, r0, c0, k] + wc * x[n, r0, c1, k]
        bottom = (1 - wc) * x[n, r1, c0, k] + wc * x[n, r1, c1, k]
        out[n, oh, ow, k] = (1 - wr) * top + wr * bottom
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t n, oh, ow, k, r0, r1, c0, c1
    cdef double r, c, wr, wc, top, bottom
    cdef bint inside
    cdef bint threads = N * OH * OW * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for oh in range(OH):
            for ow in range(OW):
                r = oh * matrices[n, 0, 0] + ow * matrices[n, 0, 1] + matrices[n, 0, 2]
                c = oh * matrices[n, 1, 0] + ow * matrices[n, 1, 1] + matrices[n, 1, 2]
                # Assigned here so that each thread has its own copies (prange makes the
                # variables assigned in its body private; passing their address is not enough).
                r0 = 0; r1 = 0; c0 = 0; c1 = 0; wr = 0; wc = 0
                inside = (_axis_taps(r, H, mode, &r0, &r1, &wr)
                          and _axis_taps(c, W, mode, &c0, &c1, &wc))
                for k in range(C):
                    if not inside:
                        out[n, oh, ow, k] = <floating>cval
                    else:
                        top = (1 - wc) * x[n, r0, c0, k] + wc * x[n, r0, c1, k]
                        bottom = (1 - wc) * x[n, r1, c0, k] + wc * x[n, r1, c1, k]
                        out[n, oh, ow, k] = <floating>((1 - wr) * top + wr * bottom)
