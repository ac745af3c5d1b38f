"""The recurrent cells' loops through time, forward and backward (twins in ``reference.py``).

Shape letters: ``T`` timesteps, ``N`` batch, ``U`` units, ``G`` gates (1 SimpleRNN, 3 GRU,
4 LSTM). The arrays are time-major and C-contiguous; ``reference.py`` describes each one
(``xz``, ``R``, ``keep``, ``rmask``, ``hs``, ``cs``, ``gates``, ``dz``) above its twins.

Each step has two parts. The recurrent product ``h_{t-1} @ R`` (a (N, U) by (U, G*U)
matrix product) goes to BLAS through ``np.dot(..., out=...)``: OpenBLAS does one for
N = U = 128 in 0.2 ms on one core (about 80 GFLOP/s with AVX-512), which a plain typed loop
compiled without -march flags cannot approach. Everything else, the gates, the state update and
the masks, is typed loops over (n, u) per step, released from the GIL (on one thread unless
the step is very large: see STEP_MIN_WORK).

Activation codes (``reference.ACTIVATIONS``): 0 linear, 1 tanh, 2 sigmoid, 3 hard sigmoid
``clip(0.2 x + 0.5, 0, 1)``, 4 relu. Derivatives are written with the activation's output.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp

cdef extern from *:
    """
    /* Clear the upper halves of the vector registers after a BLAS call: an AVX-512 matrix
       product that leaves them dirty makes the plain SSE code that follows (this module's
       loops, libm) pay a penalty on every instruction (see _clean_vector_state). */
    #if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    #include <cpuid.h>
    static int minikeras_avx = -1;
    static void minikeras_clean_vector_state(void) {
        if (minikeras_avx < 0) {
            unsigned int a, b, c, d, lo = 0, hi = 0;
            minikeras_avx = 0;
            if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX)) {
                __asm__ volatile ("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
                minikeras_avx = (lo & 6) == 6;
            }
        }
        if (minikeras_avx) __asm__ volatile ("vzeroupper" ::: "memory");
    }
    #else
    static void minikeras_clean_vector_state(void) {}
    #endif
    """
    void minikeras_clean_vector_state() nogil


cdef inline void _clean_vector_state() noexcept nogil:
    """After each np.dot: measured 2026-12-02 on an AVX-512 machine (OpenBLAS SKYLAKEX
    kernels), an LSTM step of 128x128 units took 6 ms with dirty upper registers, 1 ms after
    ``vzeroupper``."""
    minikeras_clean_vector_state()


# A parallel loop ends with a barrier, and a step has one or two of them: 112 barriers for
# an LSTM(128) forward and backward over 28 steps. On the shared 2-core machine (load above
# 15) threads made that 1.4 s instead of 0.1 s in benchmarks/kernels.py (measured
# 2026-12-02), while the vectorized gates of a 128 x 128 step take about 0.3 ms on one core.
# So steps run on one thread unless they are very large (a million gate values).
cdef enum:
    STEP_MIN_WORK = 1 << 20


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* Let GCC compute both sides of the activations' selects (clamps, |x|, the tanh
       series), so that the loops over units vectorize; no FP exception is ever trapped. */
    #if defined(__GNUC__) && !defined(__clang__)
    #pragma GCC optimize ("no-trapping-math")
    #endif
    /* exp for float32 without a library call: x = n ln2 + r, |r| <= ln2/2, exp(r) by the
       Cephes polynomial, 2^n from the exponent bits. Relative error about 2e-7 (1-2 ulp);
       inputs are clamped to [-87, 88], where float32 stays normal and finite. */
    static inline float minikeras_expf(float x) {
        float n, r, p, scale;
        int32_t bits;
        x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
        n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;   /* round(x / ln2) */
        r = x - n * 0.693359375f;
        r = r - n * -2.12194440e-4f;
        p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        p = p * r * r + r + 1.0f;
        bits = ((int32_t)n + 127) << 23;
        memcpy(&scale, &bits, sizeof scale);
        return p * scale;
    }
    """
    float minikeras_expf(float x) nogil


cdef inline floating _exp(floating x) noexcept nogil:
    """exp: libm's for float64 (the tests compare float64 with Keras to 1e-9), the inline
    polynomial above for float32, where a library call per value made the gates the slowest
    part of a step (measured 2026-12-02)."""
    if floating is float:
        return minikeras_expf(x)
    return exp(x)


cdef inline floating _tanh(floating x) noexcept nogil:
    """tanh from exp: (1 - e) / (1 + e) with e = exp(-2|x|) (never overflows), and the series
    x - x^3/3 + 2x^5/15 near 0, where 1 - e would lose digits (relative error < 1e-12).

    Why not libm's tanh: right after OpenBLAS' AVX-512 matrix product, glibc's tanhf and
    expm1f (SSE code) ran 10-20x slower here (measured 2026-12-02 with perf: an LSTM step
    of 128x128 units took 15 ms instead of 1 ms). Every constant is cast to ``floating``:
    a bare ``2`` becomes the C double ``2.0`` and turns float32 arithmetic into float64.
    """
    cdef floating zero = 0, one = 1, two = 2
    cdef floating a = x if x >= zero else -x
    cdef floating a2 = a * a
    cdef floating e = _exp(-two * a)
    cdef floating series = a - a * a2 * (<floating>(1.0 / 3.0) - a2 * <floating>(2.0 / 15.0))
    cdef floating y = series if a < <floating>0.004 else (one - e) / (one + e)
    return y if x >= zero else -y


cdef inline floating _sigmoid(floating x) noexcept nogil:
    cdef floating one = 1
    return one / (one + _exp(-x))


cdef inline floating _hard_sigmoid(floating x) noexcept nogil:
    cdef floating zero = 0, one = 1
    cdef floating y = <floating>0.2 * x + <floating>0.5
    return zero if y < zero else (one if y > one else y)


cdef inline floating _act(floating x, int kind) noexcept nogil:
    cdef floating zero = 0
    if kind == 1:
        return _tanh(x)
    if kind == 2:
        return _sigmoid(x)
    if kind == 3:
        return _hard_sigmoid(x)
    if kind == 4:
        return x if x > zero else zero
    return x


cdef inline floating _dact(floating y, int kind) noexcept nogil:
    """d act / dx from the output y (0 at a kink, as in the twin)."""
    cdef floating zero = 0, one = 1
    if kind == 1:
        return one - y * y
    if kind == 2:
        return y * (one - y)
    if kind == 3:
        return <floating>0.2 if (y > zero and y < one) else zero
    if kind == 4:
        return one if y > zero else zero
    return one


cdef inline void _activate(floating* p, Py_ssize_t n, int kind) noexcept nogil:
    """p[j] = act(p[j]) for j < n: one loop per activation, which the compiler can vectorize
    (the float32 exp is inline arithmetic, the selects become blends)."""
    cdef Py_ssize_t j
    cdef floating zero = 0
    if kind == 1:
        for j in range(n):
            p[j] = _tanh(p[j])
    elif kind == 2:
        for j in range(n):
            p[j] = _sigmoid(p[j])
    elif kind == 3:
        for j in range(n):
            p[j] = _hard_sigmoid(p[j])
    elif kind == 4:
        for j in range(n):
            p[j] = p[j] if p[j] > zero else zero


cdef _recurrent_products(h, R, rmask, out, Py_ssize_t first, Py_ssize_t last, buf):
    """out[:, gate*U:(gate+1)*U] = (h * rmask[gate]) @ R_gate for first <= gate < last.

    Without dropout the gates share one product straight into ``out``; with it, each gate
    multiplies its own masked copy of h into ``buf`` (N, U), copied into place.
    """
    cdef Py_ssize_t U = R.shape[0], g
    if rmask.shape[0] == 0:
        if first == 0 and last * U == R.shape[1]:
            np.dot(h, R, out=out)
        else:
            out[:, first * U:last * U] = np.dot(h, R[:, first * U:last * U])
        _clean_vector_state()
        return
    for g in range(first, last):
        np.dot(h * rmask[g], R[:, g * U:(g + 1) * U], out=buf)
        out[:, g * U:(g + 1) * U] = buf
    _clean_vector_state()


cdef _add_recurrent_input_gradient(dz, R, rmask, carry, Py_ssize_t G, buf):
    """carry += sum over gates of (dz_gate @ R_gate.T) * rmask[gate] (the twin's adjoint)."""
    cdef Py_ssize_t U = R.shape[0], g
    if rmask.shape[0] == 0:
        np.dot(dz, R.T, out=buf)
        carry += buf
        _clean_vector_state()
        return
    for g in range(G):
        np.dot(dz[:, g * U:(g + 1) * U], R[:, g * U:(g + 1) * U].T, out=buf)
        buf *= rmask[g]
        carry += buf
    _clean_vector_state()


def simple_rnn_forward(const floating[:, :, ::1] xz, const floating[:, ::1] R,
                       const unsigned char[:, ::1] keep, const floating[:, :, ::1] rmask,
                       int act, floating[:, :, ::1] hs):
    """h_t = act(xz_t + (h_{t-1} * rmask) @ R); a masked step keeps h_{t-1}. See the twin."""
    cdef Py_ssize_t T = xz.shape[0], N = xz.shape[1], U = xz.shape[2], t, n, u
    cdef bint threads = N * U >= STEP_MIN_WORK
    H, Rn, RM = np.asarray(hs), np.asarray(R), np.asarray(rmask)
    rz_array = np.empty((N, U), dtype=H.dtype)
    buf = np.empty((N, U), dtype=H.dtype)
    cdef floating[:, ::1] rz = rz_array
    for t in range(T):
        _recurrent_products(H[t], Rn, RM, rz_array, 0, 1, buf)
        for n in prange(N, nogil=True, use_threads_if=threads):
            for u in range(U):
                if keep[t, n]:
                    hs[t + 1, n, u] = _act(xz[t, n, u] + rz[n, u], act)
                else:
                    hs[t + 1, n, u] = hs[t, n, u]


def simple_rnn_backward(const floating[:, :, ::1] dhs, const floating[:, ::1] R,
                        const unsigned char[:, ::1] keep, const floating[:, :, ::1] rmask,
                        int act, const floating[:, :, ::1] hs, floating[:, :, ::1] dz,
                        floating[:, ::1] dh0):
    """dz_t = (dh_t + carried) * act'(h_t), carried = dz_t @ R.T * rmask. See the twin."""
    cdef Py_ssize_t T = dhs.shape[0], N = dhs.shape[1], U = dhs.shape[2], t, n, u
    cdef bint threads = N * U >= STEP_MIN_WORK
    cdef floating dh
    DZ, Rn, RM = np.asarray(dz), np.asarray(R), np.asarray(rmask)
    carry_array = np.asarray(dh0)
    carry_array[...] = 0
    buf = np.empty((N, U), dtype=DZ.dtype)
    cdef floating[:, ::1] carry = carry_array
    for t in range(T - 1, -1, -1):
        for n in prange(N, nogil=True, use_threads_if=threads):
            for u in range(U):
                dh = dhs[t, n, u] + carry[n, u]
                if keep[t, n]:
                    dz[t, n, u] = dh * _dact(hs[t + 1, n, u], act)
                    carry[n, u] = 0
                else:
                    dz[t, n, u] = 0
                    carry[n, u] = dh
        _add_recurrent_input_gradient(DZ[t], Rn, RM, carry_array, 1, buf)


def lstm_forward(const floating[:, :, ::1] xz, const floating[:, ::1] R,
                 const unsigned char[:, ::1] keep, const floating[:, :, ::1] rmask,
                 int act, int ract, floating[:, :, ::1] hs, floating[:, :, ::1] cs,
                 floating[:, :, ::1] gates):
    """i, f, g, o = ract, ract, act, ract of (xz_t + recurrent shares); c_t = f c_{t-1} + i g;
    h_t = o act(c_t); a masked step keeps (h, c). See the twin.

    Per step and sample, the gates are computed in place in ``gates[t, n]`` one activation
    at a time, then the state: loops over u alone, which the compiler vectorizes.
    """
    cdef Py_ssize_t T = xz.shape[0], N = xz.shape[1], U = R.shape[0], t, n, u
    cdef bint threads = N * 4 * U >= STEP_MIN_WORK
    cdef floating* z
    cdef floating* tc
    H, Rn, RM = np.asarray(hs), np.asarray(R), np.asarray(rmask)
    rz_array = np.empty((N, 4 * U), dtype=H.dtype)
    tc_array = np.empty((N, U), dtype=H.dtype)
    buf = np.empty((N, U), dtype=H.dtype)
    cdef floating[:, ::1] rz = rz_array
    cdef floating[:, ::1] tcv = tc_array
    for t in range(T):
        _recurrent_products(H[t], Rn, RM, rz_array, 0, 4, buf)
        for n in prange(N, nogil=True, use_threads_if=threads):
            if not keep[t, n]:
                for u in range(U):
                    cs[t + 1, n, u] = cs[t, n, u]
                    hs[t + 1, n, u] = hs[t, n, u]
                for u in range(4 * U):
                    gates[t, n, u] = 0
                continue
            z = &gates[t, n, 0]
            for u in range(4 * U):
                z[u] = xz[t, n, u] + rz[n, u]
            _activate(z, 2 * U, ract)           # i, f
            _activate(z + 2 * U, U, act)        # g
            _activate(z + 3 * U, U, ract)       # o
            tc = &tcv[n, 0]
            for u in range(U):
                tc[u] = z[U + u] * cs[t, n, u] + z[u] * z[2 * U + u]
                cs[t + 1, n, u] = tc[u]
            _activate(tc, U, act)
            for u in range(U):
                hs[t + 1, n, u] = z[3 * U + u] * tc[u]


def lstm_backward(const floating[:, :, ::1] dhs, const floating[:, :, ::1] dcs,
                  const floating[:, ::1] R, const unsigned char[:, ::1] keep,
                  const floating[:, :, ::1] rmask, int act, int ract,
                  const floating[:, :, ::1] hs, const floating[:, :, ::1] cs,
                  const floating[:, :, ::1] gates, floating[:, :, ::1] dz,
                  floating[:, ::1] dh0, floating[:, ::1] dc0):
    """Back through time for ``lstm_forward``; dh0, dc0 end as the initial states' gradients."""
    cdef Py_ssize_t T = dhs.shape[0], N = dhs.shape[1], U = R.shape[0], t, n, u
    cdef bint threads = N * 4 * U >= STEP_MIN_WORK
    cdef floating dh, dc, i, f, g, o
    cdef floating* tc
    DZ, Rn, RM = np.asarray(dz), np.asarray(R), np.asarray(rmask)
    carry_array = np.asarray(dh0)
    carry_array[...] = 0
    np.asarray(dc0)[...] = 0
    buf = np.empty((N, U), dtype=DZ.dtype)
    tc_array = np.empty((N, U), dtype=DZ.dtype)
    cdef floating[:, ::1] carry = carry_array
    cdef floating[:, ::1] tcv = tc_array
    for t in range(T - 1, -1, -1):
        for n in prange(N, nogil=True, use_threads_if=threads):
            if not keep[t, n]:
                for u in range(U):
                    carry[n, u] = dhs[t, n, u] + carry[n, u]
                    dc0[n, u] = dc0[n, u] + dcs[t, n, u]
                for u in range(4 * U):
                    dz[t, n, u] = 0
                continue
            tc = &tcv[n, 0]
            for u in range(U):
                tc[u] = cs[t + 1, n, u]
            _activate(tc, U, act)
            for u in range(U):
                dh = dhs[t, n, u] + carry[n, u]
                i = gates[t, n, u]
                f = gates[t, n, U + u]
                g = gates[t, n, 2 * U + u]
                o = gates[t, n, 3 * U + u]
                dc = dc0[n, u] + dcs[t, n, u] + dh * o * _dact(tc[u], act)
                dz[t, n, u] = dc * g * _dact(i, ract)
                dz[t, n, U + u] = dc * cs[t, n, u] * _dact(f, ract)
                dz[t, n, 2 * U + u] = dc * i * _dact(g, act)
                dz[t, n, 3 * U + u] = dh * tc[u] * _dact(o, ract)
                dc0[n, u] = dc * f
                carry[n, u] = 0
        _add_recurrent_input_gradient(DZ[t], Rn, RM, carry_array, 4, buf)


def gru_forward(const floating[:, :, ::1] xz, const floating[:, ::1] R,
                const floating[::1] rb, const unsigned char[:, ::1] keep,
                const floating[:, :, ::1] rmask, int act, int ract, bint reset_after,
                bint mix_dropped, floating[:, :, ::1] hs, floating[:, :, ::1] gates,
                floating[:, :, ::1] mh):
    """z, r, hh (update, reset, candidate) and h_t = z h_{t-1} + (1 - z) hh. See the twin."""
    cdef Py_ssize_t T = xz.shape[0], N = xz.shape[1], U = R.shape[0], t, n, u
    cdef bint threads = N * 3 * U >= STEP_MIN_WORK
    cdef bint dropped = rmask.shape[0] > 0
    cdef floating z, r, hh, h, mixed
    cdef floating one = 1
    H, Rn, RM = np.asarray(hs), np.asarray(R), np.asarray(rmask)
    rz_array = np.empty((N, 3 * U), dtype=H.dtype)
    rh_array = np.empty((N, U), dtype=H.dtype)
    buf = np.empty((N, U), dtype=H.dtype)
    cdef floating[:, ::1] rz = rz_array
    cdef floating[:, ::1] rh = rh_array
    for t in range(T):
        _recurrent_products(H[t], Rn, RM, rz_array, 0, 3 if reset_after else 2, buf)
        if not reset_after:
            # The candidate's product needs the reset gate first: r * h, then @ R_h.
            for n in prange(N, nogil=True, use_threads_if=threads):
                for u in range(U):
                    r = _act(xz[t, n, U + u] + rz[n, U + u], ract)
                    rh[n, u] = r * hs[t, n, u] * (rmask[2, n, u] if dropped else one)
            np.dot(rh_array, Rn[:, 2 * U:], out=buf)
            rz_array[:, 2 * U:] = buf
            _clean_vector_state()
        for n in prange(N, nogil=True, use_threads_if=threads):
            for u in range(U):
                h = hs[t, n, u]
                if keep[t, n]:
                    if reset_after:
                        z = _act(xz[t, n, u] + rz[n, u] + rb[u], ract)
                        r = _act(xz[t, n, U + u] + rz[n, U + u] + rb[U + u], ract)
                        mh[t, n, u] = rz[n, 2 * U + u] + rb[2 * U + u]
                        hh = _act(xz[t, n, 2 * U + u] + r * mh[t, n, u], act)
                    else:
                        z = _act(xz[t, n, u] + rz[n, u], ract)
                        r = _act(xz[t, n, U + u] + rz[n, U + u], ract)
                        hh = _act(xz[t, n, 2 * U + u] + rz[n, 2 * U + u], act)
                    mixed = h * rmask[0, n, u] if (mix_dropped and dropped) else h
                    hs[t + 1, n, u] = z * mixed + (one - z) * hh
                else:
                    z = 0
                    r = 0
                    hh = 0
                    hs[t + 1, n, u] = h
                    if reset_after:
                        mh[t, n, u] = 0
                gates[t, n, u] = z
                gates[t, n, U + u] = r
                gates[t, n, 2 * U + u] = hh


def gru_backward(const floating[:, :, ::1] dhs, const floating[:, ::1] R,
                 const unsigned char[:, ::1] keep, const floating[:, :, ::1] rmask,
                 int act, int ract, bint reset_after, bint mix_dropped,
                 const floating[:, :, ::1] hs, const floating[:, :, ::1] gates,
                 const floating[:, :, ::1] mh, floating[:, :, ::1] dz, floating[:, ::1] dh0):
    """Back through time for ``gru_forward``; dh0 ends as the initial state's gradient."""
    cdef Py_ssize_t T = dhs.shape[0], N = dhs.shape[1], U = R.shape[0], t, n, u
    cdef bint threads = N * 3 * U >= STEP_MIN_WORK
    cdef bint dropped = rmask.shape[0] > 0
    cdef floating dh, z, r, hh, h, mix_mask, da_h, rm_h
    cdef floating one = 1
    DZ, Rn, RM = np.asarray(dz), np.asarray(R), np.asarray(rmask)
    carry_array = np.asarray(dh0)
    carry_array[...] = 0
    dh_array = np.empty((N, U), dtype=DZ.dtype)   # dh of this step
    dm_array = np.empty((N, 3 * U), dtype=DZ.dtype)  # what reaches the recurrent products
    q_array = np.empty((N, U), dtype=DZ.dtype)
    buf = np.empty((N, U), dtype=DZ.dtype)
    cdef floating[:, ::1] carry = carry_array
    cdef floating[:, ::1] dhv = dh_array
    cdef floating[:, ::1] dm = dm_array
    cdef floating[:, ::1] q = q_array
    for t in range(T - 1, -1, -1):
        for n in prange(N, nogil=True, use_threads_if=threads):
            for u in range(U):
                dh = dhs[t, n, u] + carry[n, u]
                dhv[n, u] = dh
                h = hs[t, n, u]
                z = gates[t, n, u]
                hh = gates[t, n, 2 * U + u]
                mix_mask = rmask[0, n, u] if (mix_dropped and dropped) else one
                if keep[t, n]:
                    dz[t, n, u] = dh * (h * mix_mask - hh) * _dact(z, ract)
                    da_h = dh * (one - z) * _dact(hh, act)
                    carry[n, u] = dh * z * mix_mask
                else:
                    dz[t, n, u] = 0
                    da_h = 0
                    carry[n, u] = dh
                dz[t, n, 2 * U + u] = da_h
        if not reset_after:
            np.dot(DZ[t][:, 2 * U:], Rn[:, 2 * U:].T, out=q_array)
            _clean_vector_state()
        for n in prange(N, nogil=True, use_threads_if=threads):
            for u in range(U):
                r = gates[t, n, U + u]
                da_h = dz[t, n, 2 * U + u]
                rm_h = rmask[2, n, u] if dropped else one
                dm[n, u] = dz[t, n, u]
                if not keep[t, n]:
                    dz[t, n, U + u] = 0
                    dm[n, U + u] = 0
                    dm[n, 2 * U + u] = 0
                elif reset_after:
                    dz[t, n, U + u] = da_h * mh[t, n, u] * _dact(r, ract)
                    dm[n, U + u] = dz[t, n, U + u]
                    dm[n, 2 * U + u] = da_h * r
                else:
                    dz[t, n, U + u] = q[n, u] * hs[t, n, u] * rm_h * _dact(r, ract)
                    dm[n, U + u] = dz[t, n, U + u]
                    dm[n, 2 * U + u] = 0
                    carry[n, u] = carry[n, u] + q[n, u] * r * rm_h
        _add_recurrent_input_gradient(dm_array, Rn, RM, carry_array, 3, buf)
