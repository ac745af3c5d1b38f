"""The plain-Python twins of the compiled kernels: the same algorithms, written to be read.

Each function here has the same name, signature and results as its compiled twin in
``conv.pyx``, ``padding.pyx``, ``upsampling.pyx`` or ``pooling.pyx``: the arrays are
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
