"""Upsampling: nearest-neighbour repetition (1D/2D/3D) and bilinear resizing (2D).

Shape letters: ``N`` batch, ``D H W`` input sizes, ``OD OH OW`` output sizes, ``C``
channels, ``SD SH SW`` the upsampling factors (Keras' ``size``).

Arrays are channels-last and C-contiguous (the op transposes channels_first data).
Nearest upsampling works on volumes ``(N, D, H, W, C)``, the op giving 1D and 2D data
unit depth and height; bilinear resizing works on images ``(N, H, W, C)``.

Each forward kernel has its adjoint (the backward pass) next to it. All four are linear
maps, so the op differentiates a backward kernel with its forward twin and back again.
"""
from cython cimport floating
from cython.parallel cimport prange

from minikeras._kernels.helpers cimport _max, _min
from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK


# --------------------------------------------------------------------------------------
# Nearest neighbour
# --------------------------------------------------------------------------------------
def upsample_nearest_3d(const floating[:, :, :, :, ::1] x, floating[:, :, :, :, ::1] out,
                        Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW):
    """Repeat every element ``SD x SH x SW`` times.

    x:   (N, D, H, W, C)
    out: (N, D * SD, H * SH, W * SW, C)

        out[n, od, oh, ow, c] = x[n, od // SD, oh // SH, ow // SW, c]

    Each input row ``x[n, d, h]`` fills a block of ``SD * SH`` identical output rows: the
    first is built element by element, the others are copies of it, which reads the input
    once and writes the output once, in order.
    """
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t C = x.shape[4], OW = out.shape[3]
    cdef Py_ssize_t n, d, h, w, c, od, oh, ow, a, b, e
    cdef bint threads = N * D * H * W * C * SD * SH * SW >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for d in range(D):
            od = d * SD
            for h in range(H):
                oh = h * SH
                # The first row of the block: each position repeated SW times.
                for w in range(W):
                    for e in range(SW):
                        for c in range(C):
                            out[n, od, oh, w * SW + e, c] = x[n, d, h, w, c]
                # The other SD * SH - 1 rows of the block are copies of it.
                for a in range(SD):
                    for b in range(SH):
                        if a == 0 and b == 0:
                            continue
                        for ow in range(OW):
                            for c in range(C):
                                out[n, od + a, oh + b, ow, c] = out[n, od, oh, ow, c]


def upsample_nearest_3d_backward(const floating[:, :, :, :, ::1] grad_out,
                                 floating[:, :, :, :, ::1] grad_x,
                                 Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW):
    """The adjoint of ``upsample_nearest_3d``: sum each ``SD x SH x SW`` block.

    grad_out: (N, D * SD, H * SH, W * SW, C)
    grad_x:   (N, D, H, W, C), every element written

        grad_x[n, d, h, w, c] = sum over a < SD, b < SH, e < SW of
                                grad_out[n, d * SD + a, h * SH + b, w * SW + e, c]
    """
    cdef Py_ssize_t N = grad_x.shape[0], D = grad_x.shape[1], H = grad_x.shape[2]
    cdef Py_ssize_t W = grad_x.shape[3], C = grad_x.shape[4]
    cdef Py_ssize_t n, d, h, w, c, a, b, e
    cdef bint threads = N * D * H * W * C * SD * SH * SW >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for d in range(D):
            for h in range(H):
                for w in range(W):
                    for c in range(C):
                        grad_x[n, d, h, w, c] = 0
                # Walk the block's rows in memory order, adding into one row of grad_x.
                for a in range(SD):
                    for b in range(SH):
                        for w in range(W):
                            for e in range(SW):
                                for c in range(C):
                                    grad_x[n, d, h, w, c] += grad_out[
                                        n, d * SD + a, h * SH + b, w * SW + e, c]


# --------------------------------------------------------------------------------------
# Bilinear (TensorFlow 2's tf.image.resize(..., 'bilinear'), half-pixel centres)
# --------------------------------------------------------------------------------------
# Output position o along an axis of I inputs and O outputs samples the input at
#     s = (o + 0.5) * I / O - 0.5,
# i.e. the centres of the output cells mapped onto the input's cell centres. Below the
# first centre (s < 0) the sample is clamped to the first input element; past the last,
# the upper neighbour is clamped to I - 1. In integers, s = num / den with
# num = (2o + 1) * I - O and den = 2 * O, so the neighbours and the weight are exact:
#     lo = floor(s),  hi = min(ceil(s), I - 1),  frac = s - lo.
cdef inline Py_ssize_t _sample_numerator(Py_ssize_t o, Py_ssize_t I, Py_ssize_t O) noexcept nogil:
    """``2 * O * s`` for output position ``o``, clamped at 0 (s < 0 samples element 0)."""
    return _max((2 * o + 1) * I - O, 0)


def upsample_bilinear_2d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out):
    """Resize ``x`` to ``out``'s height and width by bilinear interpolation.

    x:   (N, H, W, C)
    out: (N, OH, OW, C), H > 0 and W > 0

    With (y0, y1, dy) the neighbours and weight of row oh and (x0, x1, dx) those of
    column ow (see above), in the order of operations TensorFlow uses:

        top    = x[n, y0, x0, c] + (x[n, y0, x1, c] - x[n, y0, x0, c]) * dx
        bottom = x[n, y1, x0, c] + (x[n, y1, x1, c] - x[n, y1, x0, c]) * dx
        out[n, oh, ow, c] = top + (bottom - top) * dy
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t n, oh, ow, c, num, y0, y1, x0, x1
    cdef floating dy, dx, top, bottom
    cdef bint threads = N * OH * OW * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for oh in range(OH):
            num = _sample_numerator(oh, H, OH)
            y0 = num // (2 * OH)
            y1 = _min(y0 + (num % (2 * OH) > 0), H - 1)
            dy = <floating>(num - y0 * 2 * OH) / (2 * OH)
            for ow in range(OW):
                num = _sample_numerator(ow, W, OW)
                x0 = num // (2 * OW)
                x1 = _min(x0 + (num % (2 * OW) > 0), W - 1)
                dx = <floating>(num - x0 * 2 * OW) / (2 * OW)
                for c in range(C):
                    top = x[n, y0, x0, c] + (x[n, y0, x1, c] - x[n, y0, x0, c]) * dx
                    bottom = x[n, y1, x0, c] + (x[n, y1, x1, c] - x[n, y1, x0, c]) * dx
                    out[n, oh, ow, c] = top + (bottom - top) * dy


def upsample_bilinear_2d_backward(const floating[:, :, :, ::1] grad_out,
                                  floating[:, :, :, ::1] grad_x):
    """The adjoint of ``upsample_bilinear_2d``: each output sends its gradient back to its
    four neighbours, weighted as in the forward pass.

    grad_out: (N, OH, OW, C)
    grad_x:   (N, H, W, C), every element written

        grad_x[n, y0, x0, c] += grad_out[n, oh, ow, c] * (1 - dy) * (1 - dx)
        grad_x[n, y0, x1, c] += grad_out[n, oh, ow, c] * (1 - dy) * dx
        grad_x[n, y1, x0, c] += grad_out[n, oh, ow, c] * dy * (1 - dx)
        grad_x[n, y1, x1, c] += grad_out[n, oh, ow, c] * dy * dx
    """
    cdef Py_ssize_t N = grad_x.shape[0], H = grad_x.shape[1], W = grad_x.shape[2]
    cdef Py_ssize_t C = grad_x.shape[3], OH = grad_out.shape[1], OW = grad_out.shape[2]
    cdef Py_ssize_t n, h, w, oh, ow, c, num, y0, y1, x0, x1
    cdef floating dy, dx, g
    cdef bint threads = N * OH * OW * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for h in range(H):
            for w in range(W):
                for c in range(C):
                    grad_x[n, h, w, c] = 0
        for oh in range(OH):
            num = _sample_numerator(oh, H, OH)
            y0 = num // (2 * OH)
            y1 = _min(y0 + (num % (2 * OH) > 0), H - 1)
            dy = <floating>(num - y0 * 2 * OH) / (2 * OH)
            for ow in range(OW):
                num = _sample_numerator(ow, W, OW)
                x0 = num // (2 * OW)
                x1 = _min(x0 + (num % (2 * OW) > 0), W - 1)
                dx = <floating>(num - x0 * 2 * OW) / (2 * OW)
                for c in range(C):
                    g = grad_out[n, oh, ow, c]
                    grad_x[n, y0, x0, c] += g * (1 - dy) * (1 - dx)
                    grad_x[n, y0, x1, c] += g * (1 - dy) * dx
                    grad_x[n, y1, x0, c] += g * dy * (1 - dx)
                    grad_x[n, y1, x1, c] += g * dy * dx
