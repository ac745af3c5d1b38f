"""Max and average pooling over 1D, 2D and 3D windows, forward and backward.

Shape letters: ``N`` batch, ``D H W`` input sizes, ``OD OH OW`` output sizes, ``C``
channels, ``KD KH KW`` pool size, ``SD SH SW`` strides, ``PF PT PL`` the padding before
the depth, height and width axes (front, top, left).

Arrays are channels-last and C-contiguous volumes ``(N, D, H, W, C)``: the op gives 1D and
2D data unit depth and height (with pool size 1 and stride 1 there) and transposes
channels_first data. Only the padding before each axis is passed: the output size fixes
the rest. Padded positions are not part of any window: the window of
output ``(od, oh, ow)`` covers the input positions

    d in [od * SD - PF, od * SD - PF + KD)  clipped to [0, D)   (and so for h and w),

which the op guarantees is never empty (``valid`` windows fit in the input; TensorFlow's
``same`` padding puts fewer than KD zeros before the input and ends the last window at or
after the input's end). Max pooling therefore never sees a padded value, and average
pooling divides by the number of input elements in the window, as TensorFlow does.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport int32_t

from minikeras._kernels.helpers cimport _max, _min
from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK


def max_pool_3d(const floating[:, :, :, :, ::1] x, floating[:, :, :, :, ::1] out,
                int32_t[:, :, :, :, ::1] argmax,
                Py_ssize_t KD, Py_ssize_t KH, Py_ssize_t KW,
                Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW,
                Py_ssize_t PF, Py_ssize_t PT, Py_ssize_t PL):
    """The maximum of every window, and where it was found.

    x:      (N, D, H, W, C)
    out:    (N, OD, OH, OW, C)
    argmax: (N, OD, OH, OW, C), the position of the maximum in x's volume, counted as
            (d * H + h) * W + w (the index into x viewed as (N, D * H * W, C))

        out[n, od, oh, ow, c] = max over the window of x[n, d, h, w, c]

    Ties go to the first maximum in window order (d, then h, then w), as TensorFlow's
    MaxPool gradient does for 2D (and 1D, which Keras pools as 2D): the running maximum
    starts at the window's first element and moves only to a strictly larger value.
    Starting there, rather than at -inf, also keeps ``argmax`` inside x when a window
    holds only -inf or NaN. (TensorFlow's CPU MaxPool3D gradient instead gives the whole
    gradient to every element within 1e-5 of the maximum; one rule for every rank keeps
    the backward pass the exact adjoint of a gather, which second-order gradients need.)
    """
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t C = x.shape[4], OD = out.shape[1], OH = out.shape[2], OW = out.shape[3]
    cdef Py_ssize_t n, od, oh, ow, c, d, h, w, d0, d1, h0, h1, w0, w1
    cdef int32_t position, where, larger
    cdef floating v, best
    cdef bint threads = N * D * H * W * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for od in range(OD):
            d0 = _max(od * SD - PF, 0)
            d1 = _min(od * SD - PF + KD, D)
            for oh in range(OH):
                h0 = _max(oh * SH - PT, 0)
                h1 = _min(oh * SH - PT + KH, H)
                for ow in range(OW):
                    w0 = _max(ow * SW - PL, 0)
                    w1 = _min(ow * SW - PL + KW, W)
                    position = <int32_t>((d0 * H + h0) * W + w0)
                    for c in range(C):
                        out[n, od, oh, ow, c] = x[n, d0, h0, w0, c]
                        argmax[n, od, oh, ow, c] = position
                    for d in range(d0, d1):
                        for h in range(h0, h1):
                            for w in range(w0, w1):
                                position = <int32_t>((d * H + h) * W + w)
                                # Branch-free update: with an `if` around the two stores
                                # gcc cannot vectorize this loop (SSE2 has no masked
                                # store); as a select and a multiply it does. Measured on
                                # 2x2 pooling of (128, 24, 24, 64), one thread: 23 -> 2.6 ms.
                                for c in range(C):
                                    v = x[n, d, h, w, c]
                                    best = out[n, od, oh, ow, c]
                                    where = argmax[n, od, oh, ow, c]
                                    larger = v > best
                                    out[n, od, oh, ow, c] = v if v > best else best
                                    argmax[n, od, oh, ow, c] = where + larger * (position - where)


def max_pool_3d_backward(const floating[:, :, ::1] grad_out, const int32_t[:, :, ::1] argmax,
                         floating[:, :, ::1] grad_x):
    """Send each output's gradient to the input element that was its maximum.

    grad_out: (N, O, C), the output volume flattened: O = OD * OH * OW
    argmax:   (N, O, C), as written by ``max_pool_3d``
    grad_x:   (N, V, C), the input volume flattened: V = D * H * W; every element written

        grad_x[n, argmax[n, o, c], c] += grad_out[n, o, c]

    (``+=`` because overlapping windows, strides < pool size, can share their maximum.)
    """
    cdef Py_ssize_t N = grad_x.shape[0], V = grad_x.shape[1], C = grad_x.shape[2]
    cdef Py_ssize_t O = grad_out.shape[1]
    cdef Py_ssize_t n, v, o, c
    cdef bint threads = N * V * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for v in range(V):
            for c in range(C):
                grad_x[n, v, c] = 0
        for o in range(O):
            for c in range(C):
                grad_x[n, argmax[n, o, c], c] += grad_out[n, o, c]


def avg_pool_3d(const floating[:, :, :, :, ::1] x, floating[:, :, :, :, ::1] out,
                Py_ssize_t KD, Py_ssize_t KH, Py_ssize_t KW,
                Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW,
                Py_ssize_t PF, Py_ssize_t PT, Py_ssize_t PL):
    """The mean of every window over the input elements it covers.

    x:   (N, D, H, W, C)
    out: (N, OD, OH, OW, C)

        out[n, od, oh, ow, c] = sum over the window of x[n, d, h, w, c] / count
        count = (d1 - d0) * (h1 - h0) * (w1 - w0), the window clipped to the input
    """
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t C = x.shape[4], OD = out.shape[1], OH = out.shape[2], OW = out.shape[3]
    cdef Py_ssize_t n, od, oh, ow, c, d, h, w, d0, d1, h0, h1, w0, w1
    cdef floating count
    cdef bint threads = N * D * H * W * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for od in range(OD):
            d0 = _max(od * SD - PF, 0)
            d1 = _min(od * SD - PF + KD, D)
            for oh in range(OH):
                h0 = _max(oh * SH - PT, 0)
                h1 = _min(oh * SH - PT + KH, H)
                for ow in range(OW):
                    w0 = _max(ow * SW - PL, 0)
                    w1 = _min(ow * SW - PL + KW, W)
                    count = (d1 - d0) * (h1 - h0) * (w1 - w0)
                    for c in range(C):
                        out[n, od, oh, ow, c] = 0
                    for d in range(d0, d1):
                        for h in range(h0, h1):
                            for w in range(w0, w1):
                                for c in range(C):
                                    out[n, od, oh, ow, c] += x[n, d, h, w, c]
                    for c in range(C):
                        out[n, od, oh, ow, c] = out[n, od, oh, ow, c] / count


def avg_pool_3d_backward(const floating[:, :, :, :, ::1] grad_out,
                         floating[:, :, :, :, ::1] grad_x,
                         Py_ssize_t KD, Py_ssize_t KH, Py_ssize_t KW,
                         Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW,
                         Py_ssize_t PF, Py_ssize_t PT, Py_ssize_t PL):
    """The adjoint of ``avg_pool_3d``: spread each output's gradient evenly over its window.

    grad_out: (N, OD, OH, OW, C)
    grad_x:   (N, D, H, W, C), every element written

        grad_x[n, d, h, w, c] += grad_out[n, od, oh, ow, c] / count   for (d, h, w) in the window
    """
    cdef Py_ssize_t N = grad_x.shape[0], D = grad_x.shape[1], H = grad_x.shape[2]
    cdef Py_ssize_t W = grad_x.shape[3], C = grad_x.shape[4]
    cdef Py_ssize_t OD = grad_out.shape[1], OH = grad_out.shape[2], OW = grad_out.shape[3]
    cdef Py_ssize_t n, od, oh, ow, c, d, h, w, d0, d1, h0, h1, w0, w1
    cdef floating count
    cdef bint threads = N * D * H * W * C >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for d in range(D):
            for h in range(H):
                for w in range(W):
                    for c in range(C):
                        grad_x[n, d, h, w, c] = 0
        for od in range(OD):
            d0 = _max(od * SD - PF, 0)
            d1 = _min(od * SD - PF + KD, D)
            for oh in range(OH):
                h0 = _max(oh * SH - PT, 0)
                h1 = _min(oh * SH - PT + KH, H)
                for ow in range(OW):
                    w0 = _max(ow * SW - PL, 0)
                    w1 = _min(ow * SW - PL + KW, W)
                    count = (d1 - d0) * (h1 - h0) * (w1 - w0)
                    for d in range(d0, d1):
                        for h in range(h0, h1):
                            for w in range(w0, w1):
                                for c in range(C):
                                    grad_x[n, d, h, w, c] += grad_out[n, od, oh, ow, c] / count
