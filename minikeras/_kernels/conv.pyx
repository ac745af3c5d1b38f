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
(front, top, left), ``C`` channels.

Every array is channels-last and C-contiguous, every output is allocated by the caller and
fully overwritten here, and every argument was checked in Python first (``ops/conv_geometry.py``):
the loops run without bounds checks. Only the pads *before* the input are arguments; the
pads after it are implied by the output size, since a window position past the end of the
input reads (or writes) nothing. Each function has a plain-Python twin of the same name in
``reference.py``.

Threads: im2col and col2im run serially on purpose. ``ops/conv.py`` calls them on a few
images at a time, alternating with BLAS products that already use both cores; with an
OpenMP team in between, the idle OpenMP threads spun on the cores BLAS needed and the
forward pass of the MNIST conv took 64 to 300 ms instead of 20 (measured on 2 cores),
while a serial copy of a chunk that is still in the cache costs a fifth of the product.
The depthwise loops, which call no BLAS, split the batch over threads with ``prange``.
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from minikeras._kernels.gemm cimport minikeras_max_threads, product
from minikeras._kernels.helpers cimport _min

from minikeras._kernels.blas import single_threaded_blas as _single_threaded_blas


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

# With few input channels (the first layer of most models has 1 or 3), a window row is
# only KW*C values and copying it run by run is mostly loop overhead: those inputs go
# through the tap-by-tap loops below instead (LeNet's 5x5 'same' layer on 28x28x1,
# batch 128: 4.3 -> 1.5 ms; the Keras CNN's first layer 1.3 -> 0.34 ms). With more
# channels the runs are long and the row-by-row loops are faster (26x26x32: 0.3 against
# 0.8 ms).
cdef enum:
    FEW_CHANNELS = 4


cdef inline Py_ssize_t first_inside(Py_ssize_t offset, Py_ssize_t stride) noexcept nogil:
    """The smallest o >= 0 with o*stride + offset >= 0, i.e. ceil(-offset / stride)."""
    if offset >= 0:
        return 0
    return (-offset + stride - 1) // stride


cdef inline Py_ssize_t end_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                  Py_ssize_t count) noexcept nogil:
    """One past the largest o < count with o*stride + offset < size (at least 0)."""
    cdef Py_ssize_t room = size - offset
    if room <= 0:
        return 0
    return _min((room + stride - 1) // stride, count)


cdef void im2col_few_channels(const floating[:, :, :, ::1] x, floating* cols,
                              Py_ssize_t n0, Py_ssize_t n1, Py_ssize_t OH, Py_ssize_t OW,
                              Py_ssize_t KH, Py_ssize_t KW,
                              Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                              Py_ssize_t PT, Py_ssize_t PL) noexcept nogil:
    """``im2col_rows`` for inputs of at most FEW_CHANNELS channels, tap by tap."""
    cdef Py_ssize_t H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t K = KH * KW * C, n, oh, ow, kh, kw, ih, lo, hi
    cdef floating* dst
    cdef const floating* src
    # One output row (n, oh) of cols at a time: OW * K values, a few kB that stay in the
    # L1 cache while each tap (kh, kw) fills its column of them. For each tap the window
    # positions ow whose iw falls inside the input form one range [lo, hi), so the inner
    # loop is a plain strided copy without a test; the columns outside it are zeros.
    for n in range(n0, n1):
        for oh in range(OH):
            for kh in range(KH):
                ih = oh * SH + kh * DH - PT
                for kw in range(KW):
                    dst = cols + (((n - n0) * OH + oh) * OW * KH + kh) * KW * C + kw * C
                    lo = first_inside(kw * DW - PL, SW)
                    hi = end_inside(kw * DW - PL, SW, W, OW)
                    if not inside(ih, H) or lo >= hi:
                        lo = hi = OW
                    for ow in range(lo):
                        zero_run(dst + ow * K, C)
                    if lo < hi:
                        src = &x[n, ih, lo * SW + kw * DW - PL, 0]
                        if C == 1:
                            for ow in range(lo, hi):
                                dst[ow * K] = src[(ow - lo) * SW]
                        else:
                            for ow in range(lo, hi):
                                copy_run(dst + ow * K, src + (ow - lo) * SW * C, C)
                    for ow in range(hi, OW):
                        zero_run(dst + ow * K, C)


cdef void im2col_rows(const floating[:, :, :, ::1] x, floating* cols,
                      Py_ssize_t n0, Py_ssize_t n1, Py_ssize_t OH, Py_ssize_t OW,
                      Py_ssize_t KH, Py_ssize_t KW,
                      Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                      Py_ssize_t PT, Py_ssize_t PL) noexcept nogil:
    """The im2col rows of images n0 <= n < n1 of ``x``, into ``cols`` laid out as
    (n1 - n0, OH, OW, KH, KW, C), C-contiguous (see ``im2col_2d``)."""
    cdef Py_ssize_t H = x.shape[1], W = x.shape[2], C = x.shape[3]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, iw0
    cdef bint row_is_one_run
    cdef floating* dst = cols
    if n1 <= n0 or OH == 0 or OW == 0 or KH * KW * C == 0:
        return
    if C <= FEW_CHANNELS:
        im2col_few_channels(x, cols, n0, n1, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL)
        return
    # cols is written in memory order. Without dilation, a window row that lies inside the
    # input is one run of KW*C contiguous values in x as in cols: one copy instead of KW
    # (3x faster for a single input channel).
    for n in range(n0, n1):
        for oh in range(OH):
            for ow in range(OW):
                iw0 = ow * SW - PL
                row_is_one_run = DW == 1 and iw0 >= 0 and iw0 + KW <= W
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if not inside(ih, H):
                        zero_run(dst, KW * C)
                    elif row_is_one_run:
                        copy_run(dst, &x[n, ih, iw0, 0], KW * C)
                    else:
                        for kw in range(KW):
                            iw = iw0 + kw * DW
                            if inside(iw, W):
                                copy_run(dst + kw * C, &x[n, ih, iw, 0], C)
                            else:
                                zero_run(dst + kw * C, C)
                    dst += KW * C


cdef void col2im_few_channels(const floating* cols, floating[:, :, :, ::1] dx,
                              Py_ssize_t n0, Py_ssize_t n1, Py_ssize_t OH, Py_ssize_t OW,
                              Py_ssize_t KH, Py_ssize_t KW,
                              Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                              Py_ssize_t PT, Py_ssize_t PL) noexcept nogil:
    """``col2im_rows`` for at most FEW_CHANNELS channels: the adjoint of im2col_few_channels."""
    cdef Py_ssize_t H = dx.shape[1], W = dx.shape[2], C = dx.shape[3]
    cdef Py_ssize_t K = KH * KW * C, n, oh, ow, kh, kw, ih, lo, hi
    cdef const floating* src
    cdef floating* dst
    # In im2col_few_channels' order: an output row (n, oh) of cols is read tap by tap and
    # added onto the input row ih it came from (both stay in the cache).
    for n in range(n0, n1):
        for oh in range(OH):
            for kh in range(KH):
                ih = oh * SH + kh * DH - PT
                if not inside(ih, H):
                    continue
                for kw in range(KW):
                    lo = first_inside(kw * DW - PL, SW)
                    hi = end_inside(kw * DW - PL, SW, W, OW)
                    if lo >= hi:
                        continue
                    src = cols + (((n - n0) * OH + oh) * OW * KH + kh) * KW * C + kw * C
                    dst = &dx[n, ih, lo * SW + kw * DW - PL, 0]
                    if C == 1:
                        for ow in range(lo, hi):
                            dst[(ow - lo) * SW] += src[ow * K]
                    else:
                        for ow in range(lo, hi):
                            add_run(dst + (ow - lo) * SW * C, src + ow * K, C)


cdef void col2im_rows(const floating* cols, floating[:, :, :, ::1] dx,
                      Py_ssize_t n0, Py_ssize_t n1, Py_ssize_t OH, Py_ssize_t OW,
                      Py_ssize_t KH, Py_ssize_t KW,
                      Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                      Py_ssize_t PT, Py_ssize_t PL) noexcept nogil:
    """Images n0 <= n < n1 of ``dx``, overwritten with the sum of the rows of ``cols`` (laid
    out as (n1 - n0, OH, OW, KH, KW, C), C-contiguous) added back where im2col took them."""
    cdef Py_ssize_t H = dx.shape[1], W = dx.shape[2], C = dx.shape[3]
    cdef Py_ssize_t n, oh, ow, kh, kw, ih, iw, iw0, i
    cdef bint row_is_one_run
    cdef const floating* src = cols
    cdef floating* first
    if n1 <= n0:
        return
    first = &dx[n0, 0, 0, 0]
    for i in range((n1 - n0) * H * W * C):
        first[i] = 0
    if OH == 0 or OW == 0 or KH * KW * C == 0:
        return
    if C <= FEW_CHANNELS:
        col2im_few_channels(cols, dx, n0, n1, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL)
        return
    # cols is read in memory order; an image of dx stays in cache while its pixels are
    # updated from every window that covers them. Runs as in im2col_rows.
    for n in range(n0, n1):
        for oh in range(OH):
            for ow in range(OW):
                iw0 = ow * SW - PL
                row_is_one_run = DW == 1 and iw0 >= 0 and iw0 + KW <= W
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    if inside(ih, H):
                        if row_is_one_run:
                            add_run(&dx[n, ih, iw0, 0], src, KW * C)
                        else:
                            for kw in range(KW):
                                iw = iw0 + kw * DW
                                if inside(iw, W):
                                    add_run(&dx[n, ih, iw, 0], src + kw * C, C)
                    src += KW * C


def im2col_2d(const floating[:, :, :, ::1] x, floating[:, :, :, :, :, ::1] cols,
              Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
              Py_ssize_t PT, Py_ssize_t PL):
    """Copy every receptive field of ``x`` into ``cols``.

    x:    (N, H, W, C)               the input
    cols: (N, OH, OW, KH, KW, C)     written: cols[n, oh, ow, kh, kw, c] = x[n, ih, iw, c]
          with ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL, and 0 where (ih, iw)
          falls in the padding.
    """
    if cols.size == 0:
        return
    with nogil:
        im2col_rows(x, &cols[0, 0, 0, 0, 0, 0], 0, x.shape[0], cols.shape[1], cols.shape[2],
                    cols.shape[3], cols.shape[4], SH, SW, DH, DW, PT, PL)


def col2im_2d(const floating[:, :, :, :, :, ::1] cols, floating[:, :, :, ::1] dx,
              Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
              Py_ssize_t PT, Py_ssize_t PL):
    """Add every row of ``cols`` back onto the pixels ``im2col_2d`` copied it from.

    cols: (N, OH, OW, KH, KW, C)     e.g. the gradient of im2col's output
    dx:   (N, H, W, C)               overwritten: dx[n, ih, iw, c] = sum of
          cols[n, oh, ow, kh, kw, c] over every (oh, ow, kh, kw) with
          ih = oh*SH + kh*DH - PT and iw = ow*SW + kw*DW - PL (padding taps are dropped).
    """
    if dx.size == 0:
        return
    if cols.size == 0:
        with nogil:
            dx[...] = 0
        return
    with nogil:
        col2im_rows(&cols[0, 0, 0, 0, 0, 0], dx, 0, dx.shape[0], cols.shape[1], cols.shape[2],
                    cols.shape[3], cols.shape[4], SH, SW, DH, DW, PT, PL)


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
# Depthwise 2D: each channel convolved with its own filter (direct loops)
# --------------------------------------------------------------------------------------
# A depth multiplier M is handled by ops/depthwise_conv.py, which repeats every input channel M
# times first: output channel c*M + m is then channel c*M + m of the repeated input, so
# these loops only ever pair channel c of the input with filter c.
#
# Speed: channels are processed BLOCK at a time, and each output value is summed over
# its taps in a small local array that the compiler keeps in registers, then written once.
# The inner loops read through plain pointers to the BLOCK contiguous channels: with
# memoryview indexing there the compiler kept the sums in memory. Measured on the MNIST
# shape (benchmarks/kernels.py): adding every tap into the output in memory 2.1 ms,
# register sums through memoryviews 2.0 ms, through pointers 1.3 ms.

cdef enum:
    BLOCK = 16


cdef struct Window:
    # The integers of ih = oh*SH + kh*DH - PT and iw = ow*SW + kw*DW - PL.
    Py_ssize_t SH, SW, DH, DW, PT, PL


cdef inline void depthwise_pixel(floating* out, const floating[:, :, :, ::1] x,
                                 const floating[:, :, ::1] kernel, Window g,
                                 Py_ssize_t n, Py_ssize_t oh, Py_ssize_t ow,
                                 Py_ssize_t c0, Py_ssize_t width) noexcept nogil:
    """out[c] = sum over (kh, kw) of x[n, ih, iw, c0 + c] * kernel[kh, kw, c0 + c], c < width."""
    cdef floating acc[BLOCK]
    cdef Py_ssize_t c, kh, kw, ih, iw
    cdef const floating* xp
    cdef const floating* wp
    for c in range(width):
        acc[c] = 0
    for kh in range(kernel.shape[0]):
        ih = oh * g.SH + kh * g.DH - g.PT
        if not inside(ih, x.shape[1]):
            continue
        for kw in range(kernel.shape[1]):
            iw = ow * g.SW + kw * g.DW - g.PL
            if inside(iw, x.shape[2]):
                xp = &x[n, ih, iw, c0]
                wp = &kernel[kh, kw, c0]
                for c in range(width):
                    acc[c] += xp[c] * wp[c]
    for c in range(width):
        out[c] = acc[c]


cdef inline void depthwise_pixel_backward(floating* dx, const floating[:, :, :, ::1] dout,
                                          const floating[:, :, ::1] kernel, Window g,
                                          Py_ssize_t n, Py_ssize_t ih, Py_ssize_t iw,
                                          Py_ssize_t c0, Py_ssize_t width) noexcept nogil:
    """dx[c] = sum of dout[n, oh, ow, c0 + c] * kernel[kh, kw, c0 + c] over the windows
    (oh, ow) whose tap (kh, kw) reads (ih, iw): oh*SH = ih + PT - kh*DH, ow*SW = iw + PL - kw*DW."""
    cdef floating acc[BLOCK]
    cdef Py_ssize_t c, kh, kw, th, tw, oh, ow
    cdef const floating* dp
    cdef const floating* wp
    for c in range(width):
        acc[c] = 0
    for kh in range(kernel.shape[0]):
        th = ih + g.PT - kh * g.DH
        if th < 0 or th % g.SH != 0:
            continue
        oh = th // g.SH
        if oh >= dout.shape[1]:
            continue
        for kw in range(kernel.shape[1]):
            tw = iw + g.PL - kw * g.DW
            if tw < 0 or tw % g.SW != 0:
                continue
            ow = tw // g.SW
            if ow < dout.shape[2]:
                dp = &dout[n, oh, ow, c0]
                wp = &kernel[kh, kw, c0]
                for c in range(width):
                    acc[c] += dp[c] * wp[c]
    for c in range(width):
        dx[c] = acc[c]


cdef inline void depthwise_tap_gradient(floating* dkernel, const floating[:, :, :, ::1] x,
                                        const floating[:, :, :, ::1] dout, Window g,
                                        Py_ssize_t n, Py_ssize_t kh, Py_ssize_t kw,
                                        Py_ssize_t c0, Py_ssize_t width) noexcept nogil:
    """dkernel[c] = sum over (oh, ow) of x[n, ih, iw, c0 + c] * dout[n, oh, ow, c0 + c]."""
    cdef floating acc[BLOCK]
    cdef Py_ssize_t c, oh, ow, ih, iw
    cdef const floating* xp
    cdef const floating* dp
    for c in range(width):
        acc[c] = 0
    for oh in range(dout.shape[1]):
        ih = oh * g.SH + kh * g.DH - g.PT
        if not inside(ih, x.shape[1]):
            continue
        for ow in range(dout.shape[2]):
            iw = ow * g.SW + kw * g.DW - g.PL
            if inside(iw, x.shape[2]):
                xp = &x[n, ih, iw, c0]
                dp = &dout[n, oh, ow, c0]
                for c in range(width):
                    acc[c] += xp[c] * dp[c]
    for c in range(width):
        dkernel[c] = acc[c]


def depthwise_conv2d(const floating[:, :, :, ::1] x, const floating[:, :, ::1] kernel,
                     floating[:, :, :, ::1] out,
                     Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                     Py_ssize_t PT, Py_ssize_t PL):
    """Depthwise convolution: channel c of x convolved with filter c.

    x:      (N, H, W, C)
    kernel: (KH, KW, C)
    out:    (N, OH, OW, C)  overwritten:
            out[n, oh, ow, c] = sum over (kh, kw) of x[n, ih, iw, c] * kernel[kh, kw, c]
            with ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL (padding taps add 0).
    """
    cdef Window g = Window(SH, SW, DH, DW, PT, PL)
    cdef Py_ssize_t N = out.shape[0], OH = out.shape[1], OW = out.shape[2], C = out.shape[3]
    cdef Py_ssize_t n, oh, ow, block, c0
    # Whole blocks use the constant width BLOCK, which lets the compiler unroll them.
    for n in prange(N, nogil=True, schedule="dynamic"):
        for oh in range(OH):
            for ow in range(OW):
                for block in range(C // BLOCK):
                    c0 = block * BLOCK
                    depthwise_pixel(&out[n, oh, ow, c0], x, kernel, g, n, oh, ow, c0, BLOCK)
                if C % BLOCK:
                    c0 = C - C % BLOCK
                    depthwise_pixel(&out[n, oh, ow, c0], x, kernel, g, n, oh, ow, c0, C % BLOCK)


def depthwise_conv2d_backward_input(const floating[:, :, :, ::1] dout,
                                    const floating[:, :, ::1] kernel,
                                    floating[:, :, :, ::1] dx,
                                    Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                                    Py_ssize_t PT, Py_ssize_t PL):
    """Gradient of ``depthwise_conv2d`` with respect to its input.

    dout:   (N, OH, OW, C)
    kernel: (KH, KW, C)
    dx:     (N, H, W, C)  overwritten: dx[n, ih, iw, c] = sum over the (oh, ow, kh, kw) with
            ih = oh*SH + kh*DH - PT and iw = ow*SW + kw*DW - PL of
            dout[n, oh, ow, c] * kernel[kh, kw, c].
    Each dx value gathers from the windows that read it (rather than every window
    scattering into dx), so it too is summed in registers and written once.
    """
    cdef Window g = Window(SH, SW, DH, DW, PT, PL)
    cdef Py_ssize_t N = dx.shape[0], H = dx.shape[1], W = dx.shape[2], C = dx.shape[3]
    cdef Py_ssize_t n, ih, iw, block, c0
    for n in prange(N, nogil=True, schedule="dynamic"):
        for ih in range(H):
            for iw in range(W):
                for block in range(C // BLOCK):
                    c0 = block * BLOCK
                    depthwise_pixel_backward(&dx[n, ih, iw, c0], dout, kernel, g, n, ih, iw, c0, BLOCK)
                if C % BLOCK:
                    c0 = C - C % BLOCK
                    depthwise_pixel_backward(&dx[n, ih, iw, c0], dout, kernel, g, n, ih, iw, c0, C % BLOCK)


def depthwise_conv2d_backward_kernel(const floating[:, :, :, ::1] x,
                                     const floating[:, :, :, ::1] dout,
                                     floating[:, :, :, ::1] dkernel,
                                     Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                                     Py_ssize_t PT, Py_ssize_t PL):
    """Gradient of ``depthwise_conv2d`` with respect to its kernel, one per example.

    x:       (N, H, W, C)
    dout:    (N, OH, OW, C)
    dkernel: (N, KH, KW, C)  overwritten: dkernel[n, kh, kw, c] = sum over (oh, ow) of
             x[n, ih, iw, c] * dout[n, oh, ow, c], ih = oh*SH + kh*DH - PT,
             iw = ow*SW + kw*DW - PL. The caller sums over n.
    One kernel gradient per example lets each thread own its images with no reduction
    between threads (these are the per-example gradients, a few kB each).
    """
    cdef Window g = Window(SH, SW, DH, DW, PT, PL)
    cdef Py_ssize_t N = x.shape[0], KH = dkernel.shape[1], KW = dkernel.shape[2], C = x.shape[3]
    cdef Py_ssize_t n, kh, kw, block, c0
    for n in prange(N, nogil=True, schedule="dynamic"):
        for kh in range(KH):
            for kw in range(KW):
                for block in range(C // BLOCK):
                    c0 = block * BLOCK
                    depthwise_tap_gradient(&dkernel[n, kh, kw, c0], x, dout, g, n, kh, kw, c0, BLOCK)
                if C % BLOCK:
                    c0 = C - C % BLOCK
                    depthwise_tap_gradient(&dkernel[n, kh, kw, c0], x, dout, g, n, kh, kw, c0, C % BLOCK)


# --------------------------------------------------------------------------------------
# 2D forward pass as a pipeline: im2col, product, bias and ReLU per chunk, chunks on threads
# --------------------------------------------------------------------------------------
# ``ops/conv.py`` otherwise builds the columns of a few images, hands them to NumPy's BLAS
# (which wakes its second thread for each product) and runs the bias and ReLU, one step
# after the other: the copies and the passes run on one core, and each product pays a
# hand-over between threads. Here each thread takes whole chunks of images and runs all
# three steps on them, calling BLAS' own gemm on one thread (the caller makes BLAS single-
# threaded for the call): every step uses every core, and a chunk's columns are still in
# that core's cache when they are multiplied. Measured on 2 cores, the Keras CNN's second
# convolution (26x26x32 -> 64): 27 -> 22 ms for 128 images, 350 -> 167 ms for 1000.

def conv2d_pipeline_forward(const floating[:, :, :, ::1] x, const floating[:, ::1] kernel,
                            const floating[::1] bias, floating[:, :, :, ::1] out,
                            floating[:, :, :, :, :, :, ::1] cols,
                            Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                            Py_ssize_t PT, Py_ssize_t PL, bint has_bias, bint relu,
                            size_t sgemm, size_t dgemm, bint ilp64):
    """out = activation(im2col(x) @ kernel + bias), chunk by chunk of images, on threads.

    x:      (N, H, W, C)
    kernel: (KH*KW*C, CO)              the kernel as a matrix, rows in (kh, kw, c) order
    bias:   (CO,)                      used with ``has_bias``
    out:    (N, OH, OW, CO)            overwritten: the rows of im2col_2d(x) times kernel,
            then + bias[o], then ReLU (values <= 0 become 0, NaN stays) with ``relu``
    cols:   (T, B, OH, OW, KH, KW, C)  scratch: one buffer of B images for each of up to T
            threads; images are taken B at a time
    sgemm, dgemm: the addresses of BLAS' cblas_sgemm and cblas_dgemm (the one of the run's
            float type is called), with 64-bit integers if ``ilp64``, called by the threads
            at once (OpenBLAS is made single-threaded for the call); 0 multiplies with a
            plain loop instead.
    """
    cdef Py_ssize_t N = x.shape[0], OH = out.shape[1], OW = out.shape[2], CO = out.shape[3]
    cdef Py_ssize_t KH = cols.shape[4], KW = cols.shape[5], K = kernel.shape[0]
    cdef Py_ssize_t T = cols.shape[0], B = cols.shape[1]
    cdef Py_ssize_t chunks = (N + B - 1) // B if B > 0 else 0
    cdef int threads = <int>_min(T, minikeras_max_threads())
    if N == 0 or OH == 0 or OW == 0 or CO == 0:
        return
    cdef size_t gemm = sgemm if floating is float else dgemm
    with _single_threaded_blas():
        pipeline_chunks(x, kernel, bias, out, cols, SH, SW, DH, DW, PT, PL, has_bias, relu, gemm,
                        ilp64, threads, chunks)


cdef void pipeline_chunks(const floating[:, :, :, ::1] x, const floating[:, ::1] kernel,
                          const floating[::1] bias, floating[:, :, :, ::1] out,
                          floating[:, :, :, :, :, :, ::1] cols,
                          Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                          Py_ssize_t PT, Py_ssize_t PL, bint has_bias, bint relu,
                          size_t gemm, bint ilp64, int threads, Py_ssize_t chunks) noexcept:
    """The threads of ``conv2d_pipeline_forward``: each takes the next chunk of images."""
    cdef Py_ssize_t N = x.shape[0], OH = out.shape[1], OW = out.shape[2], CO = out.shape[3]
    cdef Py_ssize_t KH = cols.shape[4], KW = cols.shape[5], K = kernel.shape[0], B = cols.shape[1]
    cdef Py_ssize_t chunk, n0, n1, rows, r, o, t
    cdef floating* buffer
    cdef floating* z
    cdef floating value
    for chunk in prange(chunks, nogil=True, schedule="dynamic", num_threads=threads):
        t = threadid()
        n0 = chunk * B
        n1 = _min(n0 + B, N)
        rows = (n1 - n0) * OH * OW
        buffer = &cols[t, 0, 0, 0, 0, 0, 0]
        z = &out[n0, 0, 0, 0]
        im2col_rows(x, buffer, n0, n1, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL)
        product(gemm, ilp64, False, False, rows, CO, K, buffer, K, &kernel[0, 0], CO, z, CO)
        if has_bias or relu:
            for r in range(rows):
                for o in range(CO):
                    value = z[r * CO + o]
                    if has_bias:
                        value = value + bias[o]
                    if relu and value <= 0:
                        value = 0
                    z[r * CO + o] = value



def conv2d_pipeline_backward(const floating[:, :, :, ::1] x, const floating[:, ::1] kernel,
                             const floating[:, :, :, ::1] grad, const floating[:, :, :, ::1] y,
                             floating[:, :, :, ::1] dx, floating[:, :, ::1] dkernel_parts,
                             double[:, ::1] dbias_parts, floating[:, :, ::1] dz,
                             floating[:, :, :, :, :, :, ::1] cols,
                             Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                             Py_ssize_t PT, Py_ssize_t PL, bint need_dx, bint need_dw,
                             bint has_bias, bint relu, size_t sgemm, size_t dgemm, bint ilp64):
    """The gradients of out = activation(im2col(x) @ kernel + bias), chunk by chunk of
    images, on threads (``conv2d_pipeline_forward``'s backward pass).

    x:      (N, H, W, C); kernel: (KH*KW*C, CO); y: (N, OH, OW, CO) the output (read with
            ``relu``); grad: (N, OH, OW, CO) the gradient of the output
    For the chunk of images b*B <= n < (b+1)*B (B = cols.shape[1]), with
    dz = grad * (1 if y > 0 else 0) with ``relu`` (else grad), written:
    dx:            (N, H, W, C) with ``need_dx``: col2im(dz @ kernel.T), the chunk's images
    dkernel_parts: (chunks, KH*KW*C, CO) with ``need_dw``: part b = im2col(x).T @ dz
    dbias_parts:   (chunks, CO) float64 with ``has_bias``: part b = dz summed over its rows
    The caller adds the parts up (in a fixed order: the result does not depend on the
    threads). dz: (T, B*OH*OW, CO) and cols: (T, B, OH, OW, KH, KW, C) are per-thread
    scratch. sgemm, dgemm, ilp64: as for ``conv2d_pipeline_forward``.
    """
    cdef Py_ssize_t N = x.shape[0], T = cols.shape[0], B = cols.shape[1]
    cdef Py_ssize_t chunks = (N + B - 1) // B if B > 0 else 0
    cdef int threads = <int>_min(T, minikeras_max_threads())
    cdef size_t gemm = sgemm if floating is float else dgemm
    if N == 0:
        return
    with _single_threaded_blas():
        backward_chunks(x, kernel, grad, y, dx, dkernel_parts, dbias_parts, dz, cols,
                        SH, SW, DH, DW, PT, PL, need_dx, need_dw, has_bias, relu, gemm, ilp64,
                        threads, chunks)


cdef void backward_chunks(const floating[:, :, :, ::1] x, const floating[:, ::1] kernel,
                          const floating[:, :, :, ::1] grad, const floating[:, :, :, ::1] y,
                          floating[:, :, :, ::1] dx, floating[:, :, ::1] dkernel_parts,
                          double[:, ::1] dbias_parts, floating[:, :, ::1] dz,
                          floating[:, :, :, :, :, :, ::1] cols,
                          Py_ssize_t SH, Py_ssize_t SW, Py_ssize_t DH, Py_ssize_t DW,
                          Py_ssize_t PT, Py_ssize_t PL, bint need_dx, bint need_dw,
                          bint has_bias, bint relu, size_t gemm, bint ilp64,
                          int threads, Py_ssize_t chunks) noexcept:
    """The threads of ``conv2d_pipeline_backward``: each takes the next chunk of images."""
    cdef Py_ssize_t N = x.shape[0], OH = grad.shape[1], OW = grad.shape[2], CO = grad.shape[3]
    cdef Py_ssize_t KH = cols.shape[4], KW = cols.shape[5], K = kernel.shape[0], B = cols.shape[1]
    cdef Py_ssize_t chunk, n0, n1, rows, r, o, t
    cdef floating* buffer
    cdef const floating* g
    cdef const floating* out
    cdef floating* d
    cdef floating one = 1, zero = 0
    if OH == 0 or OW == 0 or CO == 0:
        return
    for chunk in prange(chunks, nogil=True, schedule="dynamic", num_threads=threads):
        t = threadid()
        n0 = chunk * B
        n1 = _min(n0 + B, N)
        rows = (n1 - n0) * OH * OW
        buffer = &cols[t, 0, 0, 0, 0, 0, 0]
        g = &grad[n0, 0, 0, 0]
        if relu:
            out = &y[n0, 0, 0, 0]
            d = &dz[t, 0, 0]
            for r in range(rows * CO):
                d[r] = g[r] * (one if out[r] > 0 else zero)
            g = d
        if has_bias:
            for o in range(CO):
                dbias_parts[chunk, o] = 0
            for r in range(rows):
                for o in range(CO):
                    dbias_parts[chunk, o] += g[r * CO + o]
        if need_dw:
            im2col_rows(x, buffer, n0, n1, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL)
            product(gemm, ilp64, True, False, K, CO, rows, buffer, K, g, CO,
                    &dkernel_parts[chunk, 0, 0], CO)
        if need_dx:
            product(gemm, ilp64, False, True, rows, K, CO, g, CO, &kernel[0, 0], CO, buffer, K)
            col2im_rows(buffer, dx, n0, n1, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL)
