"""Time ImageDataGenerator's resampling: the Cython kernel, its Python twin, and scipy.ndimage.

    python benchmarks/affine_transform.py          # 128 MNIST-sized images, 15 repeats
    python benchmarks/affine_transform.py --quick  # 8 images, 3 repeats

Three ways to rotate/shift/zoom a batch of (28, 28, 1) images, bilinear, fill 'nearest':

- ``kernel``: ``image.affine_transform_2d`` on the whole batch (one call, its loop over images);
- ``kernel per image``: one call per image, as ``ImageDataGenerator.flow`` does it;
- ``scipy``: ``scipy.ndimage.affine_transform(order=1)`` per image and channel, as Keras 2
  does (skipped when scipy is not installed);
- ``twin``: the plain-Python loops of ``reference.py`` (one repeat: it is slow).

Prints the median in milliseconds and the ratios. Compare ratios from one run only.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minikeras._kernels import image, reference  # noqa: E402
from minikeras.preprocessing.affine_transformations import FILL_MODES, transform_matrix_offset_center  # noqa: E402


def median_ms(function, repeats):
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, repeats = (8, 3) if args.quick else (128, 15)
    rng = np.random.default_rng(0)
    x = rng.random((n, 28, 28, 1)).astype(np.float32)
    matrices = np.empty((n, 2, 3))
    for i in range(n):
        t = np.deg2rad(rng.uniform(-10, 10))
        z = rng.uniform(0.9, 1.1)
        m = np.array([[np.cos(t), -np.sin(t), rng.uniform(-3, 3)], [np.sin(t), np.cos(t), rng.uniform(-3, 3)], [0, 0, 1]])
        matrices[i] = transform_matrix_offset_center(m @ np.diag([z, z, 1]), 28, 28)[:2]
    out = np.empty_like(x)
    mode = FILL_MODES["nearest"]

    rows = [("kernel, whole batch", median_ms(lambda: image.affine_transform_2d(x, out, matrices, mode, 0.0), repeats))]

    def per_image():
        for i in range(n):
            image.affine_transform_2d(x[i:i + 1], out[i:i + 1], matrices[i:i + 1], mode, 0.0)
    rows.append(("kernel, one call per image", median_ms(per_image, repeats)))
    try:
        from scipy import ndimage
    except ImportError:
        ndimage = None
    if ndimage is not None:
        def with_scipy():
            for i in range(n):
                ndimage.affine_transform(x[i, :, :, 0], matrices[i, :, :2], matrices[i, :, 2], order=1, mode="nearest")
        rows.append(("scipy.ndimage, per image (Keras 2)", median_ms(with_scipy, repeats)))
    twin_out = np.empty_like(x)
    start = time.perf_counter()
    reference.affine_transform_2d(x, twin_out, matrices, mode, 0.0)
    rows.append(("Python twin (one run)", 1e3 * (time.perf_counter() - start)))

    base = rows[1][1]
    print(f"{n} images (28, 28, 1) float32, bilinear, fill 'nearest'; median of {repeats}")
    for name, ms in rows:
        print(f"  {name:38s} {ms:10.3f} ms   {ms / base:8.2f} x the kernel called per image")


if __name__ == "__main__":
    main()
