# How the padding, upsampling and pooling kernels use threads.
#
# Their prange loops run over the batch, one image (or volume) at a time:
#
#     for n in prange(N, nogil=True, schedule="dynamic", use_threads_if=threads):
#
# use_threads_if: a parallel loop wakes the other threads at its start and waits for all
#     of them at its end. That takes microseconds on an idle machine, but up to
#     milliseconds when the cores are busy with other programs, and a gradient check calls
#     the kernels thousands of times on tiny arrays (the tests of these kernels ran 15x
#     slower on a loaded machine). Loops over fewer than PARALLEL_MIN_WORK elements run on
#     the calling thread alone: 65536 float32 numbers take about as long to copy as a
#     wake-up of the other threads.
# schedule="dynamic": threads take the next image when they are free, so a thread that
#     shares its core with another program does less of the work. 2x2 max pooling of
#     (128, 24, 24, 64) with another program busy on one core: 6.8 ms with "static"
#     (half the images each), 1.3 ms with "dynamic"; the same 1.1-1.2 ms on an idle machine.
cdef enum:
    PARALLEL_MIN_WORK = 1 << 16
