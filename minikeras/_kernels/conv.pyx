"""Convolution loops: im2col/col2im (2D), vol2col/col2vol (3D) and depthwise 2D.

A convolution is a matrix product once every receptive field is copied into a row:
``im2col`` lays the windows of ``x`` out as ``cols`` (one row per output pixel, one column
per kernel tap and input channel), ``ops/conv.py`` multiplies ``cols`` by the kernel with
NumPy's BLAS ``matmul``, and ``col2im`` adds the rows of a ``cols`` gradient back onto the
pixels they were copied from (the input gradient, and the transposed convolution).
Depthwise convolutions do too little arithmetic per byte for a matrix product to pay, so
they are direct loops.

Shape letters: ``N`` batch, ``D H W`` input sizes, ``OD OH OW`` output sizes, ``KD KH KW``
kernel, ``SD SH SW`` strides, ``DD DH DW`` dilation, ``PF PT PL`` zeros before the input
(front, top, left), ``C`` channels, ``M`` depth multiplier.

Every array is channels-last and C-contiguous, every output is allocated by the caller and
fully overwritten here, and every argument was checked in Python first (``ops/conv.py``):
the loops run without bounds checks. Only the pads *before* the input are arguments; the
pads after it are implied by the output size, since a window position past the end of the
input reads (or writes) nothing. Each function has a plain-Python twin of the same name in
``reference.py``.

Threads: im2col and col2im run serially on purpose. ``ops/conv.py`` calls them on a few
images at a time, alternating with BLAS products that already use every core; an OpenMP
team between two BLAS calls fought BLAS's threads for the two cores and made the whole
convolution 3 to 15 times slower (benchmarks/kernels.py), while a serial copy of a chunk
that fits in the cache costs about a fifth of the product. The depthwise loops, which
call no BLAS, split the batch over threads with ``prange``.
"""
from cython cimport floating
from cython.parallel cimport prange


cdef inline bint inside(Py_ssize_t i, Py_ssize_t size) noexcept nogil:
    """Whether index ``i`` falls in the input (not in its zero padding)."""
    return 0 <= i < size


# --------------------------------------------------------------------------------------
# 2D: im2col and col2im
# --------------------------------------------------------------------------------------

def im2col_2d(const floating[:, :, :, ::1] x, floating[:, :, :, :, :, ::1] cols,
              Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
              Py_ssize_t PT, Py_ssize_t PL):
    """Copy every receptive field of ``x`` into ``cols``.

    x:    (N, H, W, C)               the input
    cols: (N, OH, OW, KH, KW, C)     written: cols[n, oh, ow, kh, kw, c] = x[n, ih, iw, c]
          with ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL, and 0 where (ih, iw)
          falls in the padding.
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = cols.shape[1], OW = cols.shape[2], KH = cols.shape[3], KW = cols.shape[4]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, c
    # Rows of cols are written in memory order; x is read C contiguous values at a time.
    with nogil:
        for n in range(N):
            for oh in range(OH):
                for ow in range(OW):
                    for kh in range(KH):
                        ih = oh * SH + kh * DH - PT
                        for kw in range(KW):
                            iw = ow * SW + kw * DW - PL
                            if inside(ih, H) and inside(iw, W):
                                for c in range(C):
                                    cols[n, oh, ow, kh, kw, c] = x[n, ih, iw, c]
                            else:
                                for c in range(C):
                                    cols[n, oh, ow, kh, kw, c] = 0


def col2im_2d(const floating[:, :, :, :, :, ::1] cols, floating[:, :, :, ::1] dx,
              Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
              Py_ssize_t PT, Py_ssize_t PL):
    """Add every row of ``cols`` back onto the pixels ``im2col_2d`` copied it from.

    cols: (N, OH, OW, KH, KW, C)     e.g. the gradient of im2col's output
    dx:   (N, H, W, C)               overwritten: dx[n, ih, iw, c] = sum of
          cols[n, oh, ow, kh, kw, c] over every (oh, ow, kh, kw) with
          ih = oh*SH + kh*DH - PT and iw = ow*SW + kw*DW - PL (padding taps are dropped).
    """
    cdef Py_ssize_t N = dx.shape[0], H = dx.shape[1], W = dx.shape[2], C = dx.shape[3]
    cdef Py_ssize_t OH = cols.shape[1], OW = cols.shape[2], KH = cols.shape[3], KW = cols.shape[4]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, c
    # cols is read in memory order; an image of dx stays in cache while its pixels are
    # updated from every window that covers them.
    with nogil:
        dx[...] = 0
        for n in range(N):
            for oh in range(OH):
                for ow in range(OW):
                    for kh in range(KH):
                        ih = oh * SH + kh * DH - PT
                        if not inside(ih, H):
                            continue
                        for kw in range(KW):
                            iw = ow * SW + kw * DW - PL
                            if inside(iw, W):
                                for c in range(C):
                                    dx[n, ih, iw, c] += cols[n, oh, ow, kh, kw, c]


# --------------------------------------------------------------------------------------
# 3D: vol2col and col2vol (the same loops with a depth axis)
# --------------------------------------------------------------------------------------

def vol2col_3d(const floating[:, :, :, :, ::1] x, floating[:, :, :, :, :, :, ::1] cols,
               Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW,
               Py_ssize_t DD, Py_ssize_t DH, Py_ssize_t DW,
               Py_ssize_t PF, Py_ssize_t PT, Py_ssize_t PL):
    """Copy every receptive field of the volume ``x`` into ``cols``.

    x:    (N, D, H, W, C)
    cols: (N*OD, OH, OW, KD, KH, KW, C)  written:
          cols[n*OD + od, oh, ow, kd, kh, kw, c] = x[n, id, ih, iw, c] with
          id = od*SD + kd*DD - PF, ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL
          (0 in the padding). Batch and output depth share the first axis because a
          memoryview has at most 7 dimensions; the memory layout is that of
          (N, OD, OH, OW, KD, KH, KW, C).
    """
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t C = x.shape[4]
    cdef Py_ssize_t OD, OH = cols.shape[1], OW = cols.shape[2]
    cdef Py_ssize_t KD = cols.shape[3], KH = cols.shape[4], KW = cols.shape[5]
    cdef Py_ssize_t n, od, oh, ow, kd, kh, kw, id_, ih, iw, c
    if N == 0:
        return
    OD = cols.shape[0] // N
    with nogil:
        for n in range(N):
            for od in range(OD):
                for oh in range(OH):
                    for ow in range(OW):
                        for kd in range(KD):
                            id_ = od * SD + kd * DD - PF
                            for kh in range(KH):
                                ih = oh * SH + kh * DH - PT
                                for kw in range(KW):
                                    iw = ow * SW + kw * DW - PL
                                    if inside(id_, D) and inside(ih, H) and inside(iw, W):
                                        for c in range(C):
                                            cols[n * OD + od, oh, ow, kd, kh, kw, c] = x[n, id_, ih, iw, c]
                                    else:
                                        for c in range(C):
                                            cols[n * OD + od, oh, ow, kd, kh, kw, c] = 0


def col2vol_3d(const floating[:, :, :, :, :, :, ::1] cols, floating[:, :, :, :, ::1] dx,
               Py_ssize_t SD, Py_ssize_t SH, Py_ssize_t SW,
               Py_ssize_t DD, Py_ssize_t DH, Py_ssize_t DW,
               Py_ssize_t PF, Py_ssize_t PT, Py_ssize_t PL):
    """Add every row of ``cols`` back onto the voxels ``vol2col_3d`` copied it from.

    cols: (N*OD, OH, OW, KD, KH, KW, C)  (the layout of ``vol2col_3d``)
    dx:   (N, D, H, W, C)  overwritten: dx[n, id, ih, iw, c] = sum of
          cols[n*OD + od, oh, ow, kd, kh, kw, c] with id = od*SD + kd*DD - PF,
          ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL.
    """
    cdef Py_ssize_t N = dx.shape[0], D = dx.shape[1], H = dx.shape[2], W = dx.shape[3]
    cdef Py_ssize_t C = dx.shape[4]
    cdef Py_ssize_t OD, OH = cols.shape[1], OW = cols.shape[2]
    cdef Py_ssize_t KD = cols.shape[3], KH = cols.shape[4], KW = cols.shape[5]
    cdef Py_ssize_t n, od, oh, ow, kd, kh, kw, id_, ih, iw, c
    if N == 0:
        return
    OD = cols.shape[0] // N
    with nogil:
        dx[...] = 0
        for n in range(N):
            for od in range(OD):
                for oh in range(OH):
                    for ow in range(OW):
                        for kd in range(KD):
                            id_ = od * SD + kd * DD - PF
                            if not inside(id_, D):
                                continue
                            for kh in range(KH):
                                ih = oh * SH + kh * DH - PT
                                if not inside(ih, H):
                                    continue
                                for kw in range(KW):
                                    iw = ow * SW + kw * DW - PL
                                    if inside(iw, W):
                                        for c in range(C):
                                            dx[n, id_, ih, iw, c] += cols[n * OD + od, oh, ow, kd, kh, kw, c]


# --------------------------------------------------------------------------------------
# Depthwise 2D: each input channel has its own M filters (direct loops)
# --------------------------------------------------------------------------------------

def depthwise_conv2d(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] kernel,
                     floating[:, :, :, ::1] out,
                     Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                     Py_ssize_t PT, Py_ssize_t PL):
    """Depthwise convolution, output channel ``c*M + m`` (TensorFlow's order).

    x:      (N, H, W, C)
    kernel: (KH, KW, C, M)
    out:    (N, OH, OW, C*M)  overwritten:
            out[n, oh, ow, c*M + m] = sum over (kh, kw) of x[n, ih, iw, c] * kernel[kh, kw, c, m]
            with ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL (padding taps add 0).
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t KH = kernel.shape[0], KW = kernel.shape[1], M = kernel.shape[3]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, c, m
    for n in prange(N, nogil=True, schedule="static"):
        for oh in range(OH):
            for ow in range(OW):
                out[n, oh, ow, :] = 0
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        continue
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if not inside(iw, W):
                            continue
                        if M == 1:
                            # The common case, kept apart so that the compiler vectorises
                            # the channel loop (contiguous in x, kernel and out).
                            for c in range(C):
                                out[n, oh, ow, c] += x[n, ih, iw, c] * kernel[kh, kw, c, 0]
                        else:
                            for c in range(C):
                                for m in range(M):
                                    out[n, oh, ow, c * M + m] += x[n, ih, iw, c] * kernel[kh, kw, c, m]


def depthwise_conv2d_backward_input(const floating[:, :, :, ::1] dout,
                                    const floating[:, :, :, ::1] kernel,
                                    floating[:, :, :, ::1] dx,
                                    Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                                    Py_ssize_t PT, Py_ssize_t PL):
    """Gradient of ``depthwise_conv2d`` with respect to its input.

    dout:   (N, OH, OW, C*M)
    kernel: (KH, KW, C, M)
    dx:     (N, H, W, C)  overwritten: dx[n, ih, iw, c] = sum over (oh, ow, kh, kw, m) of
            dout[n, oh, ow, c*M + m] * kernel[kh, kw, c, m], ih = oh*SH + kh*DH - PT,
            iw = ow*SW + kw*DW - PL.
    """
    cdef Py_ssize_t N = dx.shape[0], H = dx.shape[1], W = dx.shape[2], C = dx.shape[3]
    cdef Py_ssize_t OH = dout.shape[1], OW = dout.shape[2]
    cdef Py_ssize_t KH = kernel.shape[0], KW = kernel.shape[1], M = kernel.shape[3]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, c, m
    # Scatter from each output pixel; one image per thread, so no two threads share a pixel.
    for n in prange(N, nogil=True, schedule="static"):
        dx[n, :, :, :] = 0
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        continue
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if not inside(iw, W):
                            continue
                        if M == 1:
                            for c in range(C):
                                dx[n, ih, iw, c] += dout[n, oh, ow, c] * kernel[kh, kw, c, 0]
                        else:
                            for c in range(C):
                                for m in range(M):
                                    dx[n, ih, iw, c] += dout[n, oh, ow, c * M + m] * kernel[kh, kw, c, m]


def depthwise_conv2d_backward_kernel(const floating[:, :, :, ::1] x,
                                     const floating[:, :, :, ::1] dout,
                                     floating[:, :, :, :, ::1] dkernel,
                                     Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                                     Py_ssize_t PT, Py_ssize_t PL):
    """Gradient of ``depthwise_conv2d`` with respect to its kernel, one per example.

    x:       (N, H, W, C)
    dout:    (N, OH, OW, C*M)
    dkernel: (N, KH, KW, C, M)  overwritten: dkernel[n, kh, kw, c, m] = sum over (oh, ow) of
             x[n, ih, iw, c] * dout[n, oh, ow, c*M + m], ih = oh*SH + kh*DH - PT,
             iw = ow*SW + kw*DW - PL. The caller sums over n.
    Keeping one small kernel gradient per example lets each thread own its images with no
    reduction between threads (these are the per-example gradients, a few kB each).
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = dout.shape[1], OW = dout.shape[2]
    cdef Py_ssize_t KH = dkernel.shape[1], KW = dkernel.shape[2], M = dkernel.shape[4]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, c, m
    for n in prange(N, nogil=True, schedule="static"):
        dkernel[n, :, :, :, :] = 0
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        continue
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if not inside(iw, W):
                            continue
                        if M == 1:
                            for c in range(C):
                                dkernel[n, kh, kw, c, 0] += x[n, ih, iw, c] * dout[n, oh, ow, c]
                        else:
                            for c in range(C):
                                for m in range(M):
                                    dkernel[n, kh, kw, c, m] += x[n, ih, iw, c] * dout[n, oh, ow, c * M + m]
