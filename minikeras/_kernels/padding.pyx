"""Zero padding and cropping: copy a block of rows into a bigger or a smaller array.

Shape letters: ``N`` batch, ``D H`` input depth and height, ``OD OH`` output depth and
height, ``WC`` the length of one row, ``OWC`` the length of an output row; ``PF PT PL``
the zeros added before the depth, height and row axes (front, top, left), ``CF CT CL``
what is cut away there.

Every array here is C-contiguous of shape ``(N, D, H, WC)``: a volume of rows. The last
axis flattens a row of ``W`` positions of ``C`` channels each, ``WC = W * C``, because
padding or cropping never mixes channels: ``PL`` positions of zeros on the left of a row
are ``PL * C`` numbers, and the op passes the amounts already counted in numbers. The same
flattening serves every layout and rank (see ``minikeras/ops/padding.py``):

    1D channels_last  (N, W, C)        -> (N, 1, 1, W * C)
    2D channels_last  (N, H, W, C)     -> (N, 1, H, W * C)
    3D channels_last  (N, D, H, W, C)  -> (N, D, H, W * C)
    2D channels_first (N, C, H, W)     -> (N * C, 1, H, W)

so a row is one contiguous run of memory, which the compiler turns into a block copy.
Only the amounts before each axis are passed: those after follow from the shapes
(``PK = OD - D - PF``). The two kernels are each other's adjoint, so the op uses one for
the forward pass and the other for the backward pass.
"""
from cython cimport floating
from cython.parallel cimport prange

from minikeras._kernels.parallel cimport PARALLEL_MIN_WORK


def zero_pad_3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                Py_ssize_t PF, Py_ssize_t PT, Py_ssize_t PL):
    """Write ``x`` surrounded by zeros into ``out`` (every element of ``out`` is written).

    x:   (N, D, H, WC)
    out: (N, OD, OH, OWC) with OD >= PF + D, OH >= PT + H, OWC >= PL + WC

        out[n, od, oh, owc] = x[n, od - PF, oh - PT, owc - PL]   inside x
                            = 0                                   elsewhere
    """
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1], H = x.shape[2], WC = x.shape[3]
    cdef Py_ssize_t OD = out.shape[1], OH = out.shape[2], OWC = out.shape[3]
    cdef Py_ssize_t n, od, oh, owc, d, h, wc
    cdef bint threads = N * OD * OH * OWC >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for od in range(OD):
            d = od - PF
            for oh in range(OH):
                h = oh - PT
                if d < 0 or d >= D or h < 0 or h >= H:
                    # A whole row of padding.
                    for owc in range(OWC):
                        out[n, od, oh, owc] = 0
                else:
                    # Zeros on the left, the input row, zeros on the right.
                    for owc in range(PL):
                        out[n, od, oh, owc] = 0
                    for wc in range(WC):
                        out[n, od, oh, PL + wc] = x[n, d, h, wc]
                    for owc in range(PL + WC, OWC):
                        out[n, od, oh, owc] = 0


def crop_3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
            Py_ssize_t CF, Py_ssize_t CT, Py_ssize_t CL):
    """Copy the block of ``x`` that starts at ``(CF, CT, CL)`` and has ``out``'s shape.

    x:   (N, D, H, WC)
    out: (N, OD, OH, OWC) with CF + OD <= D, CT + OH <= H, CL + OWC <= WC

        out[n, od, oh, owc] = x[n, od + CF, oh + CT, owc + CL]
    """
    cdef Py_ssize_t N = out.shape[0], OD = out.shape[1], OH = out.shape[2]
    cdef Py_ssize_t OWC = out.shape[3]
    cdef Py_ssize_t n, od, oh, owc
    cdef bint threads = N * OD * OH * OWC >= PARALLEL_MIN_WORK
    for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
        for od in range(OD):
            for oh in range(OH):
                for owc in range(OWC):
                    out[n, od, oh, owc] = x[n, od + CF, oh + CT, owc + CL]
