"""The plain-Python twins of the compiled kernels: the same algorithms, written to be read.

Each function here has the same name, signature and results as its compiled twin in
``conv.pyx``, ``padding.pyx``, ``upsampling.pyx``, ``pooling.pyx`` or ``recurrent.pyx``: the arrays are
channels-last and C-contiguous, the caller allocates the outputs, and every loop index is
named after the shape letters below. Read a twin first, then its Cython version.

Shape letters: ``N`` batch, ``H W D`` input sizes, ``OH OW OD`` output sizes,
``KH KW KD`` kernel, ``SH SW SD`` strides, ``DH DW DD`` dilation, ``PT PB PL PR`` pads
(top, bottom, left, right), ``C_in C_out`` channels.
"""
import numpy as np

# ======================================================================================
# Convolution family (twins of conv.pyx)
# ======================================================================================
# ``im2col`` copies every receptive field into a row, so that the convolution becomes one
# matrix product (done by ``ops/conv.py``); ``col2im`` adds rows back onto the pixels they
# came from. Only the pads *before* the input are arguments: a window position past the end
# of the input reads zeros and writes nothing. ``PF`` is the pad before the depth axis.


def _inside(i, size):
    """Whether index ``i`` falls in the input (not in its zero padding)."""
    return 0 <= i < size


def im2col_2d(x, cols, SH, SW, DH, DW, PT, PL):
    """cols[n, oh, ow, kh, kw, :] = x[n, ih, iw, :], ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL.

    x: (N, H, W, C); cols: (N, OH, OW, KH, KW, C), zeros where (ih, iw) is in the padding.
    """
    N, H, W, C = x.shape
    _, OH, OW, KH, KW, _ = cols.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if _inside(ih, H) and _inside(iw, W):
                            cols[n, oh, ow, kh, kw, :] = x[n, ih, iw, :]
                        else:
                            cols[n, oh, ow, kh, kw, :] = 0


def col2im_2d(cols, dx, SH, SW, DH, DW, PT, PL):
    """dx[n, ih, iw, :] = sum of cols[n, oh, ow, kh, kw, :] over the taps that read (ih, iw).

    cols: (N, OH, OW, KH, KW, C); dx: (N, H, W, C), overwritten; the index relation is that
    of ``im2col_2d``, whose adjoint this is.
    """
    N, H, W, C = dx.shape
    _, OH, OW, KH, KW, _ = cols.shape
    dx[...] = 0
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if _inside(ih, H) and _inside(iw, W):
                            dx[n, ih, iw, :] += cols[n, oh, ow, kh, kw, :]


def vol2col_3d(x, cols, SD, SH, SW, DD, DH, DW, PF, PT, PL):
    """cols[n*OD + od, oh, ow, kd, kh, kw, :] = x[n, id, ih, iw, :] (0 in the padding).

    id = od*SD + kd*DD - PF, ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL.
    x: (N, D, H, W, C); cols: (N*OD, OH, OW, KD, KH, KW, C): batch and output depth share
    one axis (a Cython memoryview has at most 7 dimensions).
    """
    N, D, H, W, C = x.shape
    _, OH, OW, KD, KH, KW, _ = cols.shape
    if N == 0:
        return
    OD = cols.shape[0] // N
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
                                row = cols[n * OD + od, oh, ow, kd, kh, kw]
                                if _inside(id_, D) and _inside(ih, H) and _inside(iw, W):
                                    row[:] = x[n, id_, ih, iw, :]
                                else:
                                    row[:] = 0


def col2vol_3d(cols, dx, SD, SH, SW, DD, DH, DW, PF, PT, PL):
    """dx[n, id, ih, iw, :] = sum of the rows of ``cols`` that ``vol2col_3d`` copied from it.

    cols: (N*OD, OH, OW, KD, KH, KW, C); dx: (N, D, H, W, C), overwritten.
    """
    N, D, H, W, C = dx.shape
    _, OH, OW, KD, KH, KW, _ = cols.shape
    if N == 0:
        return
    OD = cols.shape[0] // N
    dx[...] = 0
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
                                if _inside(id_, D) and _inside(ih, H) and _inside(iw, W):
                                    dx[n, id_, ih, iw, :] += cols[n * OD + od, oh, ow, kd, kh, kw, :]


# Depthwise kernels pair channel c of the input with filter c only. A depth multiplier M
# is handled by ops/depthwise_conv.py, which repeats every input channel M times first.


def depthwise_conv2d(x, kernel, out, SH, SW, DH, DW, PT, PL):
    """out[n, oh, ow, c] = sum over (kh, kw) of x[n, ih, iw, c] * kernel[kh, kw, c].

    x: (N, H, W, C); kernel: (KH, KW, C); out: (N, OH, OW, C), overwritten;
    ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL; padding taps add nothing.
    """
    N, H, W, C = x.shape
    KH, KW, _ = kernel.shape
    _, OH, OW, _ = out.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                total = np.zeros(C, out.dtype)
                for kh in range(KH):
                    ih = oh * SH + kh * DH - PT
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        if _inside(ih, H) and _inside(iw, W):
                            total += x[n, ih, iw, :] * kernel[kh, kw, :]
                out[n, oh, ow, :] = total


def depthwise_conv2d_backward_input(dout, kernel, dx, SH, SW, DH, DW, PT, PL):
    """dx[n, ih, iw, c] = sum of dout[n, oh, ow, c] * kernel[kh, kw, c] over the windows that read (ih, iw).

    dout: (N, OH, OW, C); kernel: (KH, KW, C); dx: (N, H, W, C), overwritten. Window
    (oh, ow) reads (ih, iw) with tap (kh, kw) when oh*SH = ih + PT - kh*DH and
    ow*SW = iw + PL - kw*DW: each dx value gathers from those windows.
    """
    N, H, W, C = dx.shape
    KH, KW, _ = kernel.shape
    _, OH, OW, _ = dout.shape
    for n in range(N):
        for ih in range(H):
            for iw in range(W):
                total = np.zeros(C, dx.dtype)
                for kh in range(KH):
                    th = ih + PT - kh * DH
                    if th < 0 or th % SH != 0 or th // SH >= OH:
                        continue
                    for kw in range(KW):
                        tw = iw + PL - kw * DW
                        if tw < 0 or tw % SW != 0 or tw // SW >= OW:
                            continue
                        total += dout[n, th // SH, tw // SW, :] * kernel[kh, kw, :]
                dx[n, ih, iw, :] = total


def depthwise_conv2d_backward_kernel(x, dout, dkernel, SH, SW, DH, DW, PT, PL):
    """dkernel[n, kh, kw, c] = sum over (oh, ow) of x[n, ih, iw, c] * dout[n, oh, ow, c].

    x: (N, H, W, C); dout: (N, OH, OW, C); dkernel: (N, KH, KW, C), overwritten: one
    kernel gradient per example, which the caller sums over n.
    """
    N, H, W, C = x.shape
    _, KH, KW, _ = dkernel.shape
    _, OH, OW, _ = dout.shape
    for n in range(N):
        for kh in range(KH):
            for kw in range(KW):
                total = np.zeros(C, dkernel.dtype)
                for oh in range(OH):
                    ih = oh * SH + kh * DH - PT
                    for ow in range(OW):
                        iw = ow * SW + kw * DW - PL
                        if _inside(ih, H) and _inside(iw, W):
                            total += x[n, ih, iw, :] * dout[n, oh, ow, :]
                dkernel[n, kh, kw, :] = total



def conv2d_pipeline_forward(x, kernel, bias, out, cols, SH, SW, DH, DW, PT, PL, has_bias, relu, sgemm, dgemm,
                            ilp64):
    """out = activation(im2col(x) @ kernel + bias), B images at a time.

    x: (N, H, W, C); kernel: (KH*KW*C, CO), rows in (kh, kw, c) order; bias: (CO,), used
    with ``has_bias``; out: (N, OH, OW, CO), overwritten; cols: (T, B, OH, OW, KH, KW, C)
    scratch, images taken B at a time (the compiled loop gives each of T threads a buffer;
    here one does). ``sgemm``, ``dgemm`` and ``ilp64`` name the BLAS functions the compiled loop calls;
    here NumPy multiplies. With ``relu``, values <= 0 become 0 (NaN stays).
    """
    N, B = x.shape[0], cols.shape[1]
    for n0 in range(0, N, B):
        n1 = min(n0 + B, N)
        buffer = cols[0, : n1 - n0]
        im2col_2d(x[n0:n1], buffer, SH, SW, DH, DW, PT, PL)
        z = buffer.reshape(-1, kernel.shape[0]) @ kernel
        if has_bias:
            z = z + bias
        if relu:
            z[z <= 0] = 0
        out[n0:n1] = z.reshape(out[n0:n1].shape)


def conv2d_pipeline_backward(x, kernel, grad, y, dx, dkernel_parts, dbias_parts, dz, cols, SH, SW, DH, DW, PT, PL,
                             need_dx, need_dw, has_bias, relu, sgemm, dgemm, ilp64):
    """The gradients of ``conv2d_pipeline_forward``, chunk by chunk of B = cols.shape[1] images.

    x: (N, H, W, C); kernel: (KH*KW*C, CO); grad, y: (N, OH, OW, CO), the gradient of the
    output and the output. For chunk b (images b*B <= n < (b+1)*B), dz = grad * (1 if
    y > 0 else 0) with ``relu`` (else grad), and written: with ``need_dx`` its images of
    dx (N, H, W, C) = col2im(dz @ kernel.T); with ``need_dw`` dkernel_parts[b] (chunks, K,
    CO) = im2col(x).T @ dz; with ``has_bias`` dbias_parts[b] (chunks, CO), float64 = dz
    summed over its rows. dz and cols are scratch; the BLAS addresses are not used here.
    """
    N, B, CO = x.shape[0], cols.shape[1], grad.shape[-1]
    for b, n0 in enumerate(range(0, N, B)):
        n1 = min(n0 + B, N)
        g = grad[n0:n1].reshape(-1, CO)
        if relu:
            g = g * (y[n0:n1].reshape(-1, CO) > 0).astype(g.dtype)
        if has_bias:
            dbias_parts[b] = g.astype(np.float64).sum(axis=0)
        buffer = cols[0, : n1 - n0]
        if need_dw:
            im2col_2d(x[n0:n1], buffer, SH, SW, DH, DW, PT, PL)
            dkernel_parts[b] = buffer.reshape(-1, kernel.shape[0]).T @ g
        if need_dx:
            buffer[...] = (g @ kernel.T).reshape(buffer.shape)
            col2im_2d(buffer, dx[n0:n1], SH, SW, DH, DW, PT, PL)

# ======================================================================================
# Matrix product family (twin of linalg.pyx)
# ======================================================================================
def matmul_2d(a, b, out, trans_a, trans_b, sgemm, dgemm, ilp64):
    """out (M, N) = op(a) @ op(b), block by block.

    a: (M, K), or (K, M) with ``trans_a`` (op(a) = a.T); b: (K, N), or (N, K) with
    ``trans_b``; out: (M, N), overwritten. The compiled loop cuts the longer of M and N into
    one block per thread and lets each thread call BLAS on its block; here the blocks are
    cut the same way for two threads and NumPy multiplies them one after the other. The
    BLAS addresses are not used here.
    """
    a = a.T if trans_a else a
    b = b.T if trans_b else b
    M, N = out.shape
    by_rows = M >= N
    longest = M if by_rows else N
    size = max(16, -(-longest // 2 // 16) * 16)  # two blocks, edges on multiples of 16
    for lo in range(0, longest, size):
        hi = min(lo + size, longest)
        if by_rows:
            out[lo:hi] = a[lo:hi] @ b
        else:
            out[:, lo:hi] = a @ b[:, lo:hi]


# ======================================================================================
# Padding and cropping family (twins of padding.pyx)
# ======================================================================================
# Arrays are (N, D, H, WC): a row flattens W positions of C channels. The amounts are
# those before each axis (PF PT PL to pad, CF CT CL to crop); PL and CL count numbers
# along a row (positions times C).
def zero_pad_3d(x, out, PF, PT, PL):
    """Twin of ``padding.zero_pad_3d``: ``x`` surrounded by zeros, written into ``out``.

    x: (N, D, H, WC), out: (N, OD, OH, OWC); a row's last axis flattens W positions times
    C channels, and the amounts count numbers, not positions (PL here is PL * C).

        out[n, od, oh, owc] = x[n, od - PF, oh - PT, owc - PL]   inside x, else 0
    """
    N, D, H, WC = x.shape
    _, OD, OH, OWC = out.shape
    for n in range(N):
        for od in range(OD):
            d = od - PF
            for oh in range(OH):
                h = oh - PT
                if d < 0 or d >= D or h < 0 or h >= H:
                    out[n, od, oh, :] = 0
                else:
                    out[n, od, oh, :PL] = 0
                    out[n, od, oh, PL:PL + WC] = x[n, d, h, :]
                    out[n, od, oh, PL + WC:] = 0


def crop_3d(x, out, CF, CT, CL):
    """Twin of ``padding.crop_3d``: the block of ``x`` at ``(CF, CT, CL)`` of ``out``'s shape.

        out[n, od, oh, owc] = x[n, od + CF, oh + CT, owc + CL]
    """
    N, OD, OH, OWC = out.shape
    for n in range(N):
        for od in range(OD):
            for oh in range(OH):
                out[n, od, oh, :] = x[n, od + CF, oh + CT, CL:CL + OWC]


# ======================================================================================
# Upsampling family (twins of upsampling.pyx)
# ======================================================================================
def upsample_nearest_3d(x, out, SD, SH, SW):
    """Twin of ``upsampling.upsample_nearest_3d``: repeat every element SD x SH x SW times.

    x: (N, D, H, W, C), out: (N, D * SD, H * SH, W * SW, C)

        out[n, od, oh, ow, c] = x[n, od // SD, oh // SH, ow // SW, c]
    """
    N, D, H, W, C = x.shape
    for n in range(N):
        for d in range(D):
            od = d * SD
            for h in range(H):
                oh = h * SH
                # The first row of the block: each position repeated SW times.
                for w in range(W):
                    for e in range(SW):
                        out[n, od, oh, w * SW + e, :] = x[n, d, h, w, :]
                # The other rows of the block are copies of it.
                for a in range(SD):
                    for b in range(SH):
                        if a or b:
                            out[n, od + a, oh + b, :, :] = out[n, od, oh, :, :]


def upsample_nearest_3d_backward(grad_out, grad_x, SD, SH, SW):
    """Twin of ``upsampling.upsample_nearest_3d_backward``: sum each SD x SH x SW block.

        grad_x[n, d, h, w, c] = sum over a, b, e of grad_out[n, d*SD + a, h*SH + b, w*SW + e, c]
    """
    N, D, H, W, C = grad_x.shape
    for n in range(N):
        for d in range(D):
            for h in range(H):
                grad_x[n, d, h, :, :] = 0
                for a in range(SD):
                    for b in range(SH):
                        for w in range(W):
                            for e in range(SW):
                                grad_x[n, d, h, w, :] += grad_out[n, d * SD + a, h * SH + b, w * SW + e, :]


def _bilinear_neighbours(o, I, O):
    """Neighbours ``lo, hi`` and weight ``frac`` of output position ``o`` (I inputs, O outputs).

    Half-pixel centres: s = (o + 0.5) * I / O - 0.5 = num / den, clamped at 0, with
    lo = floor(s), hi = min(ceil(s), I - 1), frac = s - lo, all in exact integers.
    """
    num = max((2 * o + 1) * I - O, 0)
    den = 2 * O
    lo = num // den
    hi = min(lo + (1 if num % den else 0), I - 1)
    return lo, hi, (num - lo * den) / den


def upsample_bilinear_2d(x, out):
    """Twin of ``upsampling.upsample_bilinear_2d``: TensorFlow 2's bilinear resize.

    x: (N, H, W, C), out: (N, OH, OW, C)

        top    = x[n, y0, x0] + (x[n, y0, x1] - x[n, y0, x0]) * dx
        bottom = x[n, y1, x0] + (x[n, y1, x1] - x[n, y1, x0]) * dx
        out[n, oh, ow] = top + (bottom - top) * dy
    """
    N, H, W, C = x.shape
    _, OH, OW, _ = out.shape
    for n in range(N):
        for oh in range(OH):
            y0, y1, dy = _bilinear_neighbours(oh, H, OH)
            for ow in range(OW):
                x0, x1, dx = _bilinear_neighbours(ow, W, OW)
                top = x[n, y0, x0] + (x[n, y0, x1] - x[n, y0, x0]) * dx
                bottom = x[n, y1, x0] + (x[n, y1, x1] - x[n, y1, x0]) * dx
                out[n, oh, ow] = top + (bottom - top) * dy


def upsample_bilinear_2d_backward(grad_out, grad_x):
    """Twin of ``upsampling.upsample_bilinear_2d_backward``: each output's gradient goes
    back to its four neighbours with the forward weights."""
    N, H, W, C = grad_x.shape
    _, OH, OW, _ = grad_out.shape
    grad_x[...] = 0
    for n in range(N):
        for oh in range(OH):
            y0, y1, dy = _bilinear_neighbours(oh, H, OH)
            for ow in range(OW):
                x0, x1, dx = _bilinear_neighbours(ow, W, OW)
                g = grad_out[n, oh, ow]
                grad_x[n, y0, x0] += g * (1 - dy) * (1 - dx)
                grad_x[n, y0, x1] += g * (1 - dy) * dx
                grad_x[n, y1, x0] += g * dy * (1 - dx)
                grad_x[n, y1, x1] += g * dy * dx


# ======================================================================================
# Pooling family (twins of pooling.pyx)
# ======================================================================================
# A window covers [o * S - P, o * S - P + K) clipped to the input, never empty (the op
# guarantees it); padded positions take no part in a max or a mean.
def _window(o, S, P, K, I):
    """The input range ``[lo, hi)`` of output ``o``'s window, clipped to the input."""
    start = o * S - P
    return max(start, 0), min(start + K, I)


def max_pool_3d(x, out, argmax, KD, KH, KW, SD, SH, SW, PF, PT, PL):
    """Twin of ``pooling.max_pool_3d``: the maximum of every window and where it was.

    x: (N, D, H, W, C); out and argmax: (N, OD, OH, OW, C); argmax counts positions in
    x's volume as (d * H + h) * W + w. Ties go to the first maximum in window order
    (TensorFlow's rule in 2D; see the compiled twin for 3D).
    """
    N, D, H, W, C = x.shape
    _, OD, OH, OW, _ = out.shape
    for n in range(N):
        for od in range(OD):
            d0, d1 = _window(od, SD, PF, KD, D)
            for oh in range(OH):
                h0, h1 = _window(oh, SH, PT, KH, H)
                for ow in range(OW):
                    w0, w1 = _window(ow, SW, PL, KW, W)
                    best = x[n, d0, h0, w0].copy()
                    where = np.full(C, (d0 * H + h0) * W + w0)
                    for d in range(d0, d1):
                        for h in range(h0, h1):
                            for w in range(w0, w1):
                                v = x[n, d, h, w]
                                larger = v > best      # strictly: the first maximum stays
                                best[larger] = v[larger]
                                where[larger] = (d * H + h) * W + w
                    out[n, od, oh, ow] = best
                    argmax[n, od, oh, ow] = where


def max_pool_3d_backward(grad_out, argmax, grad_x):
    """Twin of ``pooling.max_pool_3d_backward``: each output's gradient to its maximum.

    grad_out, argmax: (N, OD * OH * OW, C); grad_x: (N, D * H * W, C)

        grad_x[n, argmax[n, o, c], c] += grad_out[n, o, c]
    """
    N, O, C = grad_out.shape
    grad_x[...] = 0
    for n in range(N):
        for o in range(O):
            for c in range(C):
                grad_x[n, argmax[n, o, c], c] += grad_out[n, o, c]


def avg_pool_3d(x, out, KD, KH, KW, SD, SH, SW, PF, PT, PL):
    """Twin of ``pooling.avg_pool_3d``: the mean of every window over the input it covers."""
    N, D, H, W, C = x.shape
    _, OD, OH, OW, _ = out.shape
    for n in range(N):
        for od in range(OD):
            d0, d1 = _window(od, SD, PF, KD, D)
            for oh in range(OH):
                h0, h1 = _window(oh, SH, PT, KH, H)
                for ow in range(OW):
                    w0, w1 = _window(ow, SW, PL, KW, W)
                    count = (d1 - d0) * (h1 - h0) * (w1 - w0)
                    total = np.zeros(C, dtype=out.dtype)
                    for d in range(d0, d1):
                        for h in range(h0, h1):
                            for w in range(w0, w1):
                                total += x[n, d, h, w]
                    out[n, od, oh, ow] = total / count


def avg_pool_3d_backward(grad_out, grad_x, KD, KH, KW, SD, SH, SW, PF, PT, PL):
    """Twin of ``pooling.avg_pool_3d_backward``: each output's gradient spread evenly
    over the input elements of its window."""
    N, D, H, W, C = grad_x.shape
    _, OD, OH, OW, _ = grad_out.shape
    grad_x[...] = 0
    for n in range(N):
        for od in range(OD):
            d0, d1 = _window(od, SD, PF, KD, D)
            for oh in range(OH):
                h0, h1 = _window(oh, SH, PT, KH, H)
                for ow in range(OW):
                    w0, w1 = _window(ow, SW, PL, KW, W)
                    count = (d1 - d0) * (h1 - h0) * (w1 - w0)
                    share = grad_out[n, od, oh, ow] / count
                    for d in range(d0, d1):
                        for h in range(h0, h1):
                            for w in range(w0, w1):
                                grad_x[n, d, h, w] += share


# ======================================================================================
# Image family (twins of image.pyx): affine resampling with bilinear interpolation
# ======================================================================================
# Shape letters: ``N`` batch, ``H W`` input sizes, ``OH OW`` output sizes, ``C`` channels.
# Output pixel (oh, ow) of image n reads the input at the real position
#     r = M[n, 0, 0] * oh + M[n, 0, 1] * ow + M[n, 0, 2]
#     c = M[n, 1, 0] * oh + M[n, 1, 1] * ow + M[n, 1, 2]
# (what scipy.ndimage.affine_transform(image, M[n, :, :2], offset=M[n, :, 2], order=1)
# does), and mixes the four pixels around it (bilinear, spline order 1). Positions outside
# the image follow the fill mode, with scipy's conventions:
#   FILL_CONSTANT  outside [0, L - 1] on either axis: the whole pixel is ``cval``;
#   FILL_NEAREST   the position is clamped to [0, L - 1];
#   FILL_REFLECT   the image is mirrored about its edges (..., x1, x0 | x0, x1, ..., xL-1 |
#                  xL-1, xL-2, ...): a period of 2L;
#   FILL_WRAP      the position is wrapped into [0, L - 1] with a period of L - 1 (scipy's
#                  'wrap': the first and last pixel count as one point of the period).
FILL_CONSTANT, FILL_NEAREST, FILL_REFLECT, FILL_WRAP = 0, 1, 2, 3


def _reflect_index(i, L):
    """The pixel that index ``i`` reads in the mirrored extension (period 2L)."""
    i %= 2 * L
    return 2 * L - 1 - i if i >= L else i


def _axis_taps(s, L, mode):
    """``(i0, i1, w1)``: the two pixels around position ``s`` on an axis of ``L`` pixels and
    the weight of ``i1`` (``i0`` gets ``1 - w1``); None when ``mode`` fills the pixel with cval."""
    if mode == FILL_CONSTANT and (s < 0 or s > L - 1):
        return None
    if mode == FILL_NEAREST:
        s = min(max(s, 0.0), L - 1.0)
    elif mode == FILL_WRAP and (s < 0 or s > L - 1):
        period = L - 1
        if period == 0:
            s = 0.0
        elif s < 0:
            s += period * (int(-s / period) + 1)   # int() truncates, as scipy's C does
        else:
            s -= period * int(s / period)
    i0 = int(np.floor(s))
    w1 = s - i0
    if mode == FILL_REFLECT:
        return _reflect_index(i0, L), _reflect_index(i0 + 1, L), w1
    return i0, min(i0 + 1, L - 1), w1


def affine_transform_2d(x, out, matrices, mode, cval):
    """Twin of ``image.affine_transform_2d``: resample every image through its affine map.

    x: (N, H, W, C); out: (N, OH, OW, C), every element written; matrices: (N, 2, 3)
    float64, the map from output (oh, ow) to input (r, c) above; mode: one of the FILL_*
    numbers; cval: the fill value of FILL_CONSTANT.
    """
    N, H, W, C = x.shape
    _, OH, OW, _ = out.shape
    for n in range(N):
        M = matrices[n]
        for oh in range(OH):
            for ow in range(OW):
                r = oh * M[0, 0] + ow * M[0, 1] + M[0, 2]
                c = oh * M[1, 0] + ow * M[1, 1] + M[1, 2]
                rows, cols = _axis_taps(r, H, mode), _axis_taps(c, W, mode)
                if rows is None or cols is None:
                    out[n, oh, ow, :] = cval
                    continue
                r0, r1, wr = rows
                c0, c1, wc = cols
                top = (1 - wc) * x[n, r0, c0, :] + wc * x[n, r0, c1, :]
                bottom = (1 - wc) * x[n, r1, c0, :] + wc * x[n, r1, c1, :]
                out[n, oh, ow, :] = (1 - wr) * top + wr * bottom


# Recurrent family (twins of recurrent.pyx)
# ======================================================================================
# Shape letters: ``T`` timesteps, ``N`` batch, ``U`` units, ``G`` gates (1 SimpleRNN,
# 3 GRU, 4 LSTM). Time-major, C-contiguous arrays:
#
#   xz     (T, N, G*U)  the input's share of every gate, ``x_t @ kernel + bias``, computed
#                       for all steps at once by the op (one big matrix product)
#   R      (U, G*U)     the recurrent kernel, gates side by side (LSTM i f c o, GRU z r h)
#   keep   (T, N)       uint8, 1 where step t of sample n counts, 0 where it is masked:
#                       a masked step copies the previous state (and output) forward
#   rmask  (G, N, U)    recurrent dropout, one mask per gate, fixed over time (Keras 2);
#                       shape (0, N, U) when there is none
#   hs, cs (T+1, N, U)  the states, ``hs[0]`` the initial state (set by the caller),
#                       ``hs[t+1]`` the state after step t (the output of step t)
#   gates  (T, N, G*U)  the gates after their activation, kept for the backward pass
#
# ``act`` and ``ract`` are activation codes (``ACTIVATIONS`` below). The backward kernels
# only need each activation's *output* ``y`` to get its derivative, so nothing else is
# stored. They return ``dz`` (T, N, G*U), the gradient with respect to ``xz``; the op turns
# it into the gradients of the kernel, bias and recurrent kernel with matrix products.

ACTIVATIONS = ("linear", "tanh", "sigmoid", "hard_sigmoid", "relu")


def _activate(x, kind):
    """The activation number ``kind`` of ``ACTIVATIONS`` applied to ``x``."""
    if kind == 1:
        return np.tanh(x)
    if kind == 2:
        return 1.0 / (1.0 + np.exp(-x))
    if kind == 3:  # Keras 2's hard sigmoid
        return np.clip(0.2 * x + 0.5, 0.0, 1.0)
    if kind == 4:
        return np.maximum(x, 0.0)
    return x.copy()


def _derivative(y, kind):
    """d activation / dx written with the activation's output ``y``.

    At a kink (relu at 0, hard sigmoid at +-2.5) the derivative is 0: from the output
    alone a saturated value cannot be told from one exactly on the edge.
    """
    if kind == 1:
        return 1.0 - y * y
    if kind == 2:
        return y * (1.0 - y)
    if kind == 3:
        return np.where((y > 0) & (y < 1), 0.2, 0.0).astype(y.dtype)
    if kind == 4:
        return (y > 0).astype(y.dtype)
    return np.ones_like(y)


def _recurrent_product(h, R, rmask, gate, G):
    """``(h * rmask[gate]) @ R[:, gate*U:(gate+1)*U]``, the recurrent share of one gate."""
    U = h.shape[1]
    if rmask.shape[0]:
        h = h * rmask[gate]
    return h @ R[:, gate * U:(gate + 1) * U]


def _recurrent_input_gradient(dz, R, rmask, G):
    """The adjoint of ``_recurrent_product`` over all gates: ``sum_g (dz_g @ R_g.T) * rmask_g``."""
    U = R.shape[0]
    total = np.zeros((dz.shape[0], U), dtype=dz.dtype)
    for g in range(G):
        part = dz[:, g * U:(g + 1) * U] @ R[:, g * U:(g + 1) * U].T
        total += part * rmask[g] if rmask.shape[0] else part
    return total


def simple_rnn_forward(xz, R, keep, rmask, act, hs):
    """h_t = act(xz_t + (h_{t-1} * rmask) @ R); a masked step keeps h_{t-1}.

    xz: (T, N, U); R: (U, U); keep: (T, N); rmask: (1 or 0, N, U); hs: (T+1, N, U).
    """
    T = xz.shape[0]
    for t in range(T):
        new = _activate(xz[t] + _recurrent_product(hs[t], R, rmask, 0, 1), act)
        kept = keep[t][:, None] != 0
        hs[t + 1] = np.where(kept, new, hs[t])


def simple_rnn_backward(dhs, R, keep, rmask, act, hs, dz, dh0):
    """Back through time: dz_t = (dh_t + carried) * act'(h_t); carried = dz_t @ R.T * rmask.

    dhs: (T, N, U), the gradient reaching each output h_{t+1}; dz: (T, N, U) and
    dh0: (N, U) are written. A masked step passes its gradient straight to h_{t-1}.
    """
    T = dhs.shape[0]
    carry = np.zeros_like(dh0)
    for t in range(T - 1, -1, -1):
        kept = keep[t][:, None] != 0
        dh = dhs[t] + carry
        dz[t] = np.where(kept, dh * _derivative(hs[t + 1], act), 0.0)
        carry = np.where(kept, 0.0, dh) + _recurrent_input_gradient(dz[t], R, rmask, 1)
    dh0[...] = carry


def lstm_forward(xz, R, keep, rmask, act, ract, hs, cs, gates):
    """One LSTM step per t, gates in Keras' order i, f, c, o:

        i = ract(z_i), f = ract(z_f), g = act(z_c), o = ract(z_o),  z = xz_t + (h*rmask_gate) @ R_gate
        c_t = f * c_{t-1} + i * g,   h_t = o * act(c_t)

    A masked step keeps (h, c) of the step before. gates: (T, N, 4U) holds i, f, g, o.
    """
    T = xz.shape[0]
    U = R.shape[0]
    for t in range(T):
        z = xz[t] + np.concatenate([_recurrent_product(hs[t], R, rmask, k, 4) for k in range(4)], axis=1)
        i = _activate(z[:, :U], ract)
        f = _activate(z[:, U:2 * U], ract)
        g = _activate(z[:, 2 * U:3 * U], act)
        o = _activate(z[:, 3 * U:], ract)
        c = f * cs[t] + i * g
        h = o * _activate(c, act)
        kept = keep[t][:, None] != 0
        cs[t + 1] = np.where(kept, c, cs[t])
        hs[t + 1] = np.where(kept, h, hs[t])
        gates[t] = np.where(kept, np.concatenate([i, f, g, o], axis=1), 0.0)


def lstm_backward(dhs, dcs, R, keep, rmask, act, ract, hs, cs, gates, dz, dh0, dc0):
    """Back through time for ``lstm_forward``. dcs: (T, N, U), the gradient reaching each c_{t+1}.

        dc += dh * o * act'(act(c_t));  d z_o = dh * act(c_t) * ract'(o)
        d z_i = dc * g * ract'(i);  d z_f = dc * c_{t-1} * ract'(f);  d z_c = dc * i * act'(g)
        carried: dc_{t-1} = dc * f,  dh_{t-1} = sum_gate (d z_gate @ R_gate.T) * rmask_gate
    """
    T = dhs.shape[0]
    U = R.shape[0]
    carry_h = np.zeros_like(dh0)
    carry_c = np.zeros_like(dc0)
    for t in range(T - 1, -1, -1):
        kept = keep[t][:, None] != 0
        dh = dhs[t] + carry_h
        carry_c = carry_c + dcs[t]
        i, f, g, o = (gates[t][:, k * U:(k + 1) * U] for k in range(4))
        tc = _activate(cs[t + 1], act)
        dc = carry_c + dh * o * _derivative(tc, act)
        parts = [dc * g * _derivative(i, ract), dc * cs[t] * _derivative(f, ract),
                 dc * i * _derivative(g, act), dh * tc * _derivative(o, ract)]
        dz[t] = np.where(kept, np.concatenate(parts, axis=1), 0.0)
        carry_c = np.where(kept, dc * f, carry_c)
        carry_h = np.where(kept, 0.0, dh) + _recurrent_input_gradient(dz[t], R, rmask, 4)
    dh0[...] = carry_h
    dc0[...] = carry_c


def gru_forward(xz, R, rb, keep, rmask, act, ract, reset_after, mix_dropped, hs, gates, mh):
    """One GRU step per t, gates in Keras' order z, r, h (update, reset, candidate):

        reset_after=False:  z = ract(xz_z + h_z @ R_z),  r = ract(xz_r + h_r @ R_r),
                            hh = act(xz_h + (r * h_h) @ R_h)
        reset_after=True:   m = h_gate @ R_gate + rb  (rb: the recurrent bias, (3U,))
                            z = ract(xz_z + m_z), r = ract(xz_r + m_r), hh = act(xz_h + r * m_h)
        h_t = z * h_{t-1} + (1 - z) * hh

    ``h_gate`` is ``h_{t-1} * rmask[gate]``. ``mix_dropped`` (Keras 2's implementation 2
    with recurrent dropout) mixes ``z * h_{t-1} * rmask[0]`` instead of ``z * h_{t-1}``.
    gates (T, N, 3U) holds z, r, hh; mh (T, N, U) holds m_h (reset_after only).
    """
    T = xz.shape[0]
    U = R.shape[0]
    for t in range(T):
        h = hs[t]
        if reset_after:
            m = np.concatenate([_recurrent_product(h, R, rmask, k, 3) for k in range(3)], axis=1) + rb
            z = _activate(xz[t][:, :U] + m[:, :U], ract)
            r = _activate(xz[t][:, U:2 * U] + m[:, U:2 * U], ract)
            hh = _activate(xz[t][:, 2 * U:] + r * m[:, 2 * U:], act)
            mh[t] = np.where(keep[t][:, None] != 0, m[:, 2 * U:], 0.0)
        else:
            z = _activate(xz[t][:, :U] + _recurrent_product(h, R, rmask, 0, 3), ract)
            r = _activate(xz[t][:, U:2 * U] + _recurrent_product(h, R, rmask, 1, 3), ract)
            h_h = h * rmask[2] if rmask.shape[0] else h
            hh = _activate(xz[t][:, 2 * U:] + (r * h_h) @ R[:, 2 * U:], act)
        mixed = h * rmask[0] if mix_dropped and rmask.shape[0] else h
        new = z * mixed + (1 - z) * hh
        kept = keep[t][:, None] != 0
        hs[t + 1] = np.where(kept, new, h)
        gates[t] = np.where(kept, np.concatenate([z, r, hh], axis=1), 0.0)


def gru_backward(dhs, R, keep, rmask, act, ract, reset_after, mix_dropped, hs, gates, mh, dz, dh0):
    """Back through time for ``gru_forward``; dz (T, N, 3U) is the gradient of xz.

        d z_z = dh * (h_mix - hh) * ract'(z);  d a_h = dh * (1 - z) * act'(hh)
        reset_after=False: q = d a_h @ R_h.T,  d z_r = q * h_h * ract'(r), dh_{t-1} gets q * r * rmask_h
        reset_after=True:  d z_r = d a_h * m_h * ract'(r), and m gets [d z_z, d z_r, d a_h * r]
        dh_{t-1} also gets dh * z (* rmask_0 when mix_dropped) and the gates' recurrent shares.
    """
    T = dhs.shape[0]
    U = R.shape[0]
    carry = np.zeros_like(dh0)
    ones = np.ones_like(dh0)
    for t in range(T - 1, -1, -1):
        kept = keep[t][:, None] != 0
        h = hs[t]
        dh = dhs[t] + carry
        z, r, hh = (gates[t][:, k * U:(k + 1) * U] for k in range(3))
        mix_mask = rmask[0] if mix_dropped and rmask.shape[0] else ones
        dz_z = dh * (h * mix_mask - hh) * _derivative(z, ract)
        da_h = dh * (1 - z) * _derivative(hh, act)
        back = dh * z * mix_mask
        if reset_after:
            dz_r = da_h * mh[t] * _derivative(r, ract)
            dm = np.concatenate([dz_z, dz_r, da_h * r], axis=1)
            back = back + _recurrent_input_gradient(np.where(kept, dm, 0.0), R, rmask, 3)
        else:
            h_h = h * rmask[2] if rmask.shape[0] else h
            q = da_h @ R[:, 2 * U:].T
            dz_r = q * h_h * _derivative(r, ract)
            back = back + q * r * (rmask[2] if rmask.shape[0] else 1.0)
            dm = np.concatenate([dz_z, dz_r, np.zeros_like(da_h)], axis=1)
            back = back + _recurrent_input_gradient(dm, R, rmask, 3)
        dz[t] = np.where(kept, np.concatenate([dz_z, dz_r, da_h], axis=1), 0.0)
        carry = np.where(kept, back, dh)
    dh0[...] = carry


# Batch normalisation family (twins of normalization.pyx)
# ======================================================================================
# ``O`` the axes before the channel axis, ``C`` channels, ``I`` the axes after it; arrays
# are (O, C * I), element [o, c * I + i]; the sums are (C,) float64.


def batch_norm_sums(x, shift, sums, squares):
    """sums[c] += x[o, c, i] - shift[c]; squares[c] += (x[o, c, i] - shift[c])**2."""
    O, C = x.shape[0], shift.shape[0]
    I = x.shape[1] // C
    for o in range(O):
        for c in range(C):
            for i in range(I):
                v = float(x[o, c * I + i]) - shift[c]
                sums[c] += v
                squares[c] += v * v


def batch_norm_apply(x, scale, offset, y):
    """y[o, c, i] = x[o, c, i] * scale[c] + offset[c]."""
    O, C = x.shape[0], scale.shape[0]
    I = x.shape[1] // C
    for o in range(O):
        for c in range(C):
            for i in range(I):
                y[o, c * I + i] = x[o, c * I + i] * scale[c] + offset[c]


def batch_norm_backward_sums(grad, x, mean, grad_sums, grad_x_sums):
    """grad_sums[c] += g[o, c, i]; grad_x_sums[c] += g[o, c, i] * (x[o, c, i] - mean[c])."""
    O, C = x.shape[0], mean.shape[0]
    I = x.shape[1] // C
    for o in range(O):
        for c in range(C):
            for i in range(I):
                g = float(grad[o, c * I + i])
                grad_sums[c] += g
                grad_x_sums[c] += g * (float(x[o, c * I + i]) - mean[c])


def batch_norm_backward_apply(grad, x, a, b, d, grad_x):
    """grad_x[o, c, i] = grad[o, c, i] * a[c] + x[o, c, i] * b[c] + d[c]."""
    O, C = x.shape[0], a.shape[0]
    I = x.shape[1] // C
    for o in range(O):
        for c in range(C):
            for i in range(I):
                j = c * I + i
                grad_x[o, j] = grad[o, j] * a[c] + x[o, j] * b[c] + d[c]


# ======================================================================================
# Embedding family (twin of embedding.pyx)
# ======================================================================================
# ``P`` looked-up positions, ``V`` table rows, ``D`` the table's width.


def embedding_backward(indices, grad_rows, grad_table):
    """grad_table[indices[p], :] += grad_rows[p, :] for every p (repeated indices add up)."""
    P, D = grad_rows.shape
    for p in range(P):
        row = indices[p]
        for j in range(D):
            grad_table[row, j] += grad_rows[p, j]


# Training-step family (issue 10): twins of optimizers.pyx, activation.pyx, dropout.pyx
# ======================================================================================
# These loops fuse what NumPy would do in several passes over large arrays. Their twins are
# those NumPy expressions, written as the formulas they compute: the compiled loops must
# give the same numbers (to the bit for the optimizers).


def adam_update(w, g, m, v, vhat, out, beta_1, beta_2, lr_t, epsilon, amsgrad):
    """m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g**2 (in place), vhat = max(vhat, v) with
    amsgrad, out = w - lr_t m / (sqrt(v or vhat) + eps). 1-D arrays of one length."""
    m[...] = beta_1 * m + (1.0 - beta_1) * g
    v[...] = beta_2 * v + (1.0 - beta_2) * np.square(g)
    denominator_v = v
    if amsgrad:
        vhat[...] = np.maximum(vhat, v)
        denominator_v = vhat
    out[...] = w - np.float64(lr_t) * m / (np.sqrt(denominator_v) + epsilon)


def bias_activation(z, bias, has_bias, relu):
    """z = activation(z + bias) in place; z (rows, C), bias (C,). ReLU: values <= 0 become 0."""
    if has_bias:
        z += bias
    if relu:
        z[z <= 0] = 0


def bias_activation_backward(grad, y, dz, dbias_parts, has_bias, relu):
    """dz = grad * (y > 0) (with ``relu``); dbias_parts[b] = the sum of dz (or grad) over
    block b of B equal blocks of rows, in float64 (with ``has_bias``)."""
    value = grad
    if relu:
        dz[...] = grad * (y > 0).astype(grad.dtype)
        value = dz
    if has_bias:
        rows, B = grad.shape[0], dbias_parts.shape[0]
        for block in range(B):
            r0, r1 = block * rows // B, (block + 1) * rows // B
            dbias_parts[block] = value[r0:r1].sum(axis=0, dtype=np.float64)


def dropout_mask_apply(x, bits, threshold, scale, out):
    """out = x * (scale where bits >= threshold, else 0); 1-D arrays, ``scale`` in x's type."""
    out[...] = x * np.where(bits >= threshold, x.dtype.type(scale), x.dtype.type(0))
