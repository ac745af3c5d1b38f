# Small index helpers shared by the kernel families. A `cdef inline` function declared in a
# .pxd is compiled into every module that cimports it, so calling it costs nothing.

cdef inline Py_ssize_t _min(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a < b else b


cdef inline Py_ssize_t _max(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a > b else b
