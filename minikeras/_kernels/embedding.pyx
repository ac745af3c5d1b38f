"""The embedding gradient: add each upstream row into the row of the table it came from.

Shape letters: ``P`` looked-up positions (the indices flattened), ``V`` rows of the table
(``input_dim``), ``D`` its width (``output_dim``). The op has checked every index is in
``[0, V)`` before the loop runs without bounds checks.
"""
from cython cimport floating
from libc.stdint cimport int64_t


def embedding_backward(const int64_t[::1] indices, const floating[:, ::1] grad_rows,
                       floating[:, ::1] grad_table):
    """grad_table[indices[p], :] += grad_rows[p, :] for every p (repeated indices add up).

    indices: (P,); grad_rows: (P, D); grad_table: (V, D), zeroed by the caller.
    One thread: two positions with the same index write the same row.
    """
    cdef Py_ssize_t P = grad_rows.shape[0], D = grad_rows.shape[1]
    cdef Py_ssize_t p, j, row
    with nogil:
        for p in range(P):
            row = indices[p]
            for j in range(D):
                grad_table[row, j] += grad_rows[p, j]
