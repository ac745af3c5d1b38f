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


# Runs of contiguous values: a channel vector, or a whole window row of KW*C values.
cdef inline void copy_run(floating* dst, const floating* src, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(count):
        dst[i] = src[i]


cdef inline void add_run(floating* dst, const floating* src, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(count):
        dst[i] += src[i]


cdef inline void zero_run(floating* dst, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(count):
        dst[i] = 0


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
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, iw0
    cdef bint row_is_one_run
    # cols is written in memory order. Without dilation, a window row that lies inside the
    # input is one run of KW*C contiguous values in x as in cols: one copy instead of KW
    # (3x faster for a single input channel).
    with nogil:
        for n in range(N):
            for oh in range(OH):
                for ow in range(OW):
                    iw0 = ow * SW - PL
                    row_is_one_run = DW == 1 and iw0 >= 0 and iw0 + KW <= W
                    for kh in range(KH):
                        ih = oh * SH + kh * DH - PT
                        if not inside(ih, H):
                            zero_run(&cols[n, oh, ow, kh, 0, 0], KW * C)
                        elif row_is_one_run:
                            copy_run(&cols[n, oh, ow, kh, 0, 0], &x[n, ih, iw0, 0], KW * C)
                        else:
                            for kw in range(KW):
                                iw = iw0 + kw * DW
                                if inside(iw, W):
                                    copy_run(&cols[n, oh, ow, kh, kw, 0], &x[n, ih, iw, 0], C)
                                else:
                                    zero_run(&cols[n, oh, ow, kh, kw, 0], C)


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
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, iw0
    cdef bint row_is_one_run
    # cols is read in memory order; an image of dx stays in cache while its pixels are
    # updated from every window that covers them. Runs as in im2col_2d.
    with nogil:
        dx[...] = 0
        for n in range(N):
            for oh in range(OH):
                for ow in range(OW):
                    iw0 = ow * SW - PL
                    row_is_one_run = DW == 1 and iw0 >= 0 and iw0 + KW <= W
                    for kh in range(KH):
                        ih = oh * SH + kh * DH - PT
                        if not inside(ih, H):
                            continue
                        if row_is_one_run:
                            add_run(&dx[n, ih, iw0, 0], &cols[n, oh, ow, kh, 0, 0], KW * C)
                        else:
                            for kw in range(KW):
                                iw = iw0 + kw * DW
                                if inside(iw, W):
                                    add_run(&dx[n, ih, iw, 0], &cols[n, oh, ow, kh, kw, 0], C)


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
    cdef Py_ssize_t n, od, oh, ow, kd, kh, kw, id_, ih, iw, iw0, row
    cdef bint row_is_one_run
    if N == 0:
        return
    OD = cols.shape[0] // N
    with nogil:
        for n in range(N):
            for od in range(OD):
                row = n * OD + od
                for oh in range(OH):
                    for ow in range(OW):
                        iw0 = ow * SW - PL
                        row_is_one_run = DW == 1 and iw0 >= 0 and iw0 + KW <= W
                        for kd in range(KD):
                            id_ = od * SD + kd * DD - PF
                            for kh in range(KH):
                                ih = oh * SH + kh * DH - PT
                                if not (inside(id_, D) and inside(ih, H)):
                                    zero_run(&cols[row, oh, ow, kd, kh, 0, 0], KW * C)
                                elif row_is_one_run:
                                    copy_run(&cols[row, oh, ow, kd, kh, 0, 0], &x[n, id_, ih, iw0, 0], KW * C)
                                else:
                                    for kw in range(KW):
                                        iw = iw0 + kw * DW
                                        if inside(iw, W):
                                            copy_run(&cols[row, oh, ow, kd, kh, kw, 0], &x[n, id_, ih, iw, 0], C)
                                        else:
                                            zero_run(&cols[row, oh, ow, kd, kh, kw, 0], C)


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
    cdef Py_ssize_t n, od, oh, ow, kd, kh, kw, id_, ih, iw, iw0, row
    cdef bint row_is_one_run
    if N == 0:
        return
    OD = cols.shape[0] // N
    with nogil:
        dx[...] = 0
        for n in range(N):
            for od in range(OD):
                row = n * OD + od
                for oh in range(OH):
                    for ow in range(OW):
                        iw0 = ow * SW - PL
                        row_is_one_run = DW == 1 and iw0 >= 0 and iw0 + KW <= W
                        for kd in range(KD):
                            id_ = od * SD + kd * DD - PF
                            for kh in range(KH):
                                ih = oh * SH + kh * DH - PT
                                if not (inside(id_, D) and inside(ih, H)):
                                    continue
                                if row_is_one_run:
                                    add_run(&dx[n, id_, ih, iw0, 0], &cols[row, oh, ow, kd, kh, 0, 0], KW * C)
                                else:
                                    for kw in range(KW):
                                        iw = iw0 + kw * DW
                                        if inside(iw, W):
                                            add_run(&dx[n, id_, ih, iw, 0], &cols[row, oh, ow, kd, kh, kw, 0], C)


# --------------------------------------------------------------------------------------
# Depthwise 2D: each input channel has its own M filters (direct loops)
# --------------------------------------------------------------------------------------
# The kernel (KH, KW, C, M) is passed with its last two axes merged, (KH, KW, C*M): filter
# (c, m) is then column j = c*M + m, the output channel it writes, and with M == 1 every
# inner loop runs over contiguous channels in x, kernel and out alike (vectorised).

cdef inline void multiply_add(floating* out, const floating* x, const floating* w,
                              Py_ssize_t C, Py_ssize_t M) noexcept nogil:
    """out[c*M + m] += x[c] * w[c*M + m] for every channel c and multiplier m."""
    cdef Py_ssize_t c, m
    if M == 1:
        for c in range(C):
            out[c] += x[c] * w[c]
    else:
        for c in range(C):
            for m in range(M):
                out[c * M + m] += x[c] * w[c * M + m]


cdef inline void multiply_add_back(floating* dx, const floating* dout, const floating* w,
                                   Py_ssize_t C, Py_ssize_t M) noexcept nogil:
    """dx[c] += sum over m of dout[c*M + m] * w[c*M + m]."""
    cdef Py_ssize_t c, m
    if M == 1:
        for c in range(C):
            dx[c] += dout[c] * w[c]
    else:
        for c in range(C):
            for m in range(M):
                dx[c] += dout[c * M + m] * w[c * M + m]


def depthwise_conv2d(const floating[:, :, :, ::1] x, const floating[:, :, ::1] kernel,
                     floating[:, :, :, ::1] out,
                     Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                     Py_ssize_t PT, Py_ssize_t PL):
    """Depthwise convolution, output channel ``j = c*M + m`` (TensorFlow's order).

    x:      (N, H, W, C)
    kernel: (KH, KW, C*M)     the Keras kernel (KH, KW, C, M) with its last axes merged
    out:    (N, OH, OW, C*M)  overwritten:
            out[n, oh, ow, c*M + m] = sum over (kh, kw) of x[n, ih, iw, c] * kernel[kh, kw, c*M + m]
            with ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL (padding taps add 0).
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t KH = kernel.shape[0], KW = kernel.shape[1], M = kernel.shape[2] // C
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw
    # One output pixel at a time: its C*M sums stay in L1 while the taps are added.
    for n in prange(N, nogil=True, schedule="static"):
        for oh in range(OH):
            for ow in range(OW):
                zero_run(&out[n, oh, ow, 0], C * M)
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        continue
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if inside(iw, W):
                            multiply_add(&out[n, oh, ow, 0], &x[n, ih, iw, 0], &kernel[kh, kw, 0], C, M)


def depthwise_conv2d_backward_input(const floating[:, :, :, ::1] dout,
                                    const floating[:, :, ::1] kernel,
                                    floating[:, :, :, ::1] dx,
                                    Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                                    Py_ssize_t PT, Py_ssize_t PL):
    """Gradient of ``depthwise_conv2d`` with respect to its input.

    dout:   (N, OH, OW, C*M)
    kernel: (KH, KW, C*M)
    dx:     (N, H, W, C)  overwritten: dx[n, ih, iw, c] = sum over (oh, ow, kh, kw, m) of
            dout[n, oh, ow, c*M + m] * kernel[kh, kw, c*M + m], ih = oh*SH + kh*DH - PT,
            iw = ow*SW + kw*DW - PL.
    """
    cdef Py_ssize_t N = dx.shape[0], H = dx.shape[1], W = dx.shape[2], C = dx.shape[3]
    cdef Py_ssize_t OH = dout.shape[1], OW = dout.shape[2]
    cdef Py_ssize_t KH = kernel.shape[0], KW = kernel.shape[1], M = kernel.shape[2] // C
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw
    # Scatter from each output pixel; one image per thread, so no two threads share a pixel.
    for n in prange(N, nogil=True, schedule="static"):
        zero_run(&dx[n, 0, 0, 0], H * W * C)
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        continue
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if inside(iw, W):
                            multiply_add_back(&dx[n, ih, iw, 0], &dout[n, oh, ow, 0], &kernel[kh, kw, 0], C, M)


def depthwise_conv2d_backward_kernel(const floating[:, :, :, ::1] x,
                                     const floating[:, :, :, ::1] dout,
                                     floating[:, :, :, ::1] dkernel,
                                     Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                                     Py_ssize_t PT, Py_ssize_t PL):
    """Gradient of ``depthwise_conv2d`` with respect to its kernel, one per example.

    x:       (N, H, W, C)
    dout:    (N, OH, OW, C*M)
    dkernel: (N, KH, KW, C*M)  overwritten: dkernel[n, kh, kw, c*M + m] = sum over (oh, ow)
             of x[n, ih, iw, c] * dout[n, oh, ow, c*M + m], ih = oh*SH + kh*DH - PT,
             iw = ow*SW + kw*DW - PL. The caller sums over n.
    Keeping one small kernel gradient per example lets each thread own its images with no
    reduction between threads (these are the per-example gradients, a few kB each).
    """
    cdef Py_ssize_t N = x.shape[0], H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t OH = dout.shape[1], OW = dout.shape[2]
    cdef Py_ssize_t KH = dkernel.shape[1], KW = dkernel.shape[2], M = dkernel.shape[3] // C
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw
    for n in prange(N, nogil=True, schedule="static"):
        zero_run(&dkernel[n, 0, 0, 0], KH * KW * C * M)
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        continue
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if inside(iw, W):
                            # d kernel[j] += x[c] * dout[j]: the forward's multiply_add
                            # with the roles of kernel and dout swapped.
                            multiply_add(&dkernel[n, kh, kw, 0], &x[n, ih, iw, 0], &dout[n, oh, ow, 0], C, M)
