# When the kernels' prange loops run on several threads.
#
# A parallel loop wakes the other threads at its start and waits for all of them at its
# end: some microseconds on an idle machine, but up to milliseconds when the cores are
# busy with other work, and a gradient check calls the kernels thousands of times on tiny
# arrays. Loops over fewer elements than this run on the calling thread alone
# (``prange(..., use_threads_if=work >= PARALLEL_MIN_WORK)``); 65536 float32 numbers take
# about as long to copy as a wake-up of the other threads.
cdef enum:
    PARALLEL_MIN_WORK = 1 << 16
