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


# ======================================================================================
# Padding and cropping family (twins of padding.pyx)
# ======================================================================================


# ======================================================================================
# Upsampling family (twins of upsampling.pyx)
# ======================================================================================


# ======================================================================================
# Pooling family (twins of pooling.pyx)
# ======================================================================================
