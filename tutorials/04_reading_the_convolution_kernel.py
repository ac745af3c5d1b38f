# %% [markdown]
# # Lesson 4: reading the convolution kernel
#
# How does `Conv2D` compute its output? minikeras does it in two steps. First **im2col**
# ("image to columns") copies every window the kernel will see into one row of a matrix;
# then one matrix product with the kernel's weights gives every output pixel at once.
# The copying is a loop, and loops are slow in Python: minikeras runs them in Cython
# (`minikeras/_kernels/conv.pyx`). Each compiled loop has a plain-Python twin with the
# same name and arguments (`minikeras/_kernels/reference.py`), written to be read first.
#
# In this lesson we draw im2col for a tiny input, run the Python twin and the Cython
# kernel side by side on the same data, check that they agree exactly, and time them.
#
#     python tutorials/04_reading_the_convolution_kernel.py           # well under a minute
#     python tutorials/04_reading_the_convolution_kernel.py --quick   # seconds
#
# Figures go to `tutorials/figures/04_reading_the_convolution_kernel/`.

# %%
import inspect
import os
import time
import types

import matplotlib.pyplot as plt
import numpy as np

from lesson_setup import Lesson
from minikeras import kernels
from minikeras._kernels import conv as compiled
from minikeras._kernels import reference
from minikeras.datasets import mnist
from minikeras.layers import Conv2D

lesson = Lesson("04_reading_the_convolution_kernel",
                "Lesson 4: im2col, its Python twin and its Cython kernel, side by side.")
np.random.seed(4)

# %% [markdown]
# ## im2col on a 4x4 image
#
# A 3x3 kernel fits in a 4x4 image at 2x2 positions (stride 1, no padding), so the output
# is 2x2. im2col writes, for each output pixel `(oh, ow)`, the 9 input pixels under the
# kernel as one row: a matrix of 4 rows and 9 columns. The index relation, in every twin
# and every kernel, is
#
#     cols[n, oh, ow, kh, kw, c] = x[n, ih, iw, c]   with   ih = oh*SH + kh*DH - PT,   iw = ow*SW + kw*DW - PL
#
# (`SH SW` the strides, `DH DW` the dilation, `PT PL` the zero padding before the input;
# a window position in the padding reads 0).

# %%
x = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)          # (N, H, W, C) = (1, 4, 4, 1)
cols = np.empty((1, 2, 2, 3, 3, 1))                   # (N, OH, OW, KH, KW, C)
reference.im2col_2d(x, cols, 1, 1, 1, 1, 0, 0)        # SH, SW, DH, DW, PT, PL
matrix = cols.reshape(4, 9)
print("the input:\n", x[0, :, :, 0])
print("its im2col matrix (one row per output pixel, one column per kernel tap):\n", matrix)

colours = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[4, 9], layout="constrained")
left.imshow(np.zeros((4, 4)), cmap="Greys", vmin=0, vmax=1)
for (i, j), value in np.ndenumerate(x[0, :, :, 0]):
    left.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=12)
for row, (oh, ow) in enumerate(np.ndindex(2, 2)):
    inset = 0.04 + 0.06 * row  # the four windows overlap: draw each a little inside the last
    left.add_patch(plt.Rectangle((ow - 0.5 + inset, oh - 0.5 + inset), 3 - 2 * inset, 3 - 2 * inset,
                                 fill=False, edgecolor=colours[row], linewidth=2.5))
left.set_title("x (4x4) and the four 3x3 windows")
right.imshow(np.zeros((4, 9)), cmap="Greys", vmin=0, vmax=1)
for (i, j), value in np.ndenumerate(matrix):
    right.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=12, color=colours[i])
right.set_yticks(range(4), [f"(oh={oh}, ow={ow})" for oh, ow in np.ndindex(2, 2)])
right.set_xticks(range(9), [f"{kh},{kw}" for kh, kw in np.ndindex(3, 3)])
right.set_xlabel("kernel tap (kh, kw)")
right.set_title("im2col: one row per window (4 x 9)")
for ax in (left, right):
    ax.set_xticks(np.arange(-0.5, ax.get_xlim()[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, ax.get_ylim()[0], 1), minor=True)
    ax.grid(which="minor", color="0.8")
    ax.tick_params(which="minor", length=0)
left.set_xticks([])
left.set_yticks([])
lesson.save(figure, "im2col.png")

# %% [markdown]
# ## The convolution is now one matrix product
#
# With the kernel's 9 weights as a column, `matrix @ w` gives the 4 output pixels. The
# `Conv2D` layer, given the same weights, computes the same numbers. (Our image grows by 1
# from each column to the next, so the vertical-edge filter below finds the same slope, -8,
# everywhere.) (With `C_in` input
# channels and `C_out` filters, the matrix has `KH*KW*C_in` columns and `w` becomes a
# `(KH*KW*C_in, C_out)` matrix: still one product.)

# %%
w = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # a vertical-edge filter
by_product = (matrix @ w.reshape(9, 1)).reshape(2, 2)
layer = Conv2D(1, (3, 3), use_bias=False, dtype="float64")
layer.build((None, 4, 4, 1))
layer.set_weights([w.reshape(3, 3, 1, 1)])
by_layer = np.asarray(layer(x))[0, :, :, 0]
print("matrix @ w:\n", by_product, "\nConv2D:\n", by_layer)
assert np.array_equal(by_product, by_layer)

# %% [markdown]
# ## The Python twin and the Cython kernel
#
# Here is the twin, as it stands in `minikeras/_kernels/reference.py`: four nested loops
# with named indices. Then the compiled version from `conv.pyx`: the same loops over
# typed memoryviews, run without the Python interpreter (`with nogil`), with one
# optimisation: a window row that lies inside the image is copied in one run.

# %%
print(inspect.getsource(reference.im2col_2d))
pyx = os.path.join(os.path.dirname(reference.__file__), "conv.pyx")
if os.path.exists(pyx):
    with open(pyx, encoding="utf-8") as f:
        source = f.read()
    start = source.index("def im2col_2d")
    print(source[start:source.index("\ndef ", start + 1)].rstrip())

# %% [markdown]
# Both on the same batch of digits, with padding 1 on every side (Keras' `padding="same"`):
# the two outputs are equal to the last bit, because both only copy numbers.

# %%
(x_train, _), _ = mnist.load_data()
count = 4 if lesson.quick else 32
digits = np.ascontiguousarray(x_train[:count, :, :, None], dtype="float32") / 255
cols_python = np.empty((count, 28, 28, 3, 3, 1), dtype="float32")
cols_cython = np.empty_like(cols_python)


def best_time(function, repeat):
    """The fastest of ``repeat`` runs, in seconds (the others were disturbed by something else)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


seconds_python = best_time(lambda: reference.im2col_2d(digits, cols_python, 1, 1, 1, 1, 1, 1), 1 if lesson.quick else 2)
seconds_cython = best_time(lambda: compiled.im2col_2d(digits, cols_cython, 1, 1, 1, 1, 1, 1), 5)
print(f"im2col of {count} digits, {cols_python.size:,} values: equal: {np.array_equal(cols_python, cols_cython)}")
print(f"  Python twin {1000 * seconds_python:9.2f} ms")
print(f"  Cython      {1000 * seconds_cython:9.2f} ms   ({seconds_python / seconds_cython:,.0f} times faster)")
assert np.array_equal(cols_python, cols_cython)

# %% [markdown]
# ## A whole layer on either backend
#
# `minikeras.kernels.use("reference")` makes every layer run the Python twins instead of the
# compiled loops (until `use("cython")`; as a `with` block, only inside it). The matrix
# product is NumPy's in both cases, so a whole `Conv2D` layer gives the same numbers up to
# the rounding of float32 sums (the products are the same; the order of the additions may
# differ), and the Python loops' share of the time shows how much the compiled kernel saves.

# %%
conv = Conv2D(32, (3, 3), padding="same", activation="relu")
conv.build(digits.shape)
with kernels.use("reference"):
    print("inside the block:", kernels.current_backend())
    out_python = np.asarray(conv(digits))
    layer_python = best_time(lambda: conv(digits), 1)
print("after the block:", kernels.current_backend())
out_cython = np.asarray(conv(digits))
layer_cython = best_time(lambda: conv(digits), 5)
difference = np.abs(out_python - out_cython).max()
print(f"Conv2D(32, 3x3) on {count} digits: largest difference {difference:.1e}")
print(f"  reference kernels {1000 * layer_python:9.2f} ms")
print(f"  Cython kernels    {1000 * layer_cython:9.2f} ms   ({layer_python / layer_cython:,.0f} times faster)")
assert difference < 1e-5

figure, ax = plt.subplots(figsize=(7, 2.8), layout="constrained")
names = ["im2col, Python twin", "im2col, Cython", "Conv2D, reference", "Conv2D, Cython"]
values = 1000 * np.array([seconds_python, seconds_cython, layer_python, layer_cython])
bars = ax.barh(names, values, color=["tab:orange", "tab:blue", "tab:orange", "tab:blue"])
ax.bar_label(bars, [f"{v:,.0f} ms" if v >= 100 else f"{v:.2g} ms" for v in values], padding=3)
ax.set_xscale("log")
ax.set_xlim(right=values.max() * 20)
ax.invert_yaxis()
ax.set_xlabel("milliseconds (log scale), the best of several runs")
ax.set_title(f"{count} digits of 28x28, 3x3 kernel, padding 'same'")
lesson.save(figure, "timings.png")

# %% [markdown]
# ## Your own kernel, graded
#
# `minikeras.kernels.check(module)` runs on a module the checks the project's own tests run
# on its kernels: the same arguments given to the module's function and to the twin, on many
# shapes, strides, dilations and paddings, in float32 and float64. It prints `pass` per
# kernel, or the first case that failed, with its arguments and the largest difference.
# First the twins themselves, checked against the compiled loops:

# %%
print(kernels.check("reference", kernels=["im2col_2d", "col2im_2d"]))

# %% [markdown]
# Now a student's `im2col_2d`, written from the index relation above, with one slip: the
# row index forgot the padding (`- PT`). With no padding on top the answer is right, so a
# test on a `valid` convolution would miss it; the check finds a case with padding and names
# it. `kernels.use(student)` (here as a `with` block) then makes every layer use the
# student's `im2col_2d` and the compiled loops for the rest, and `kernels.active()` says so.
# A `Conv2D` with `padding="same"` runs on it, and its output is shifted by one row.


# %%
def im2col_2d(x, cols, SH, SW, DH, DW, PT, PL):
    N, H, W, C = x.shape
    _, OH, OW, KH, KW, _ = cols.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    for kw in range(KW):
                        ih = oh * SH + kh * DH  # the slip: should be - PT
                        iw = ow * SW + kw * DW - PL
                        inside = 0 <= ih < H and 0 <= iw < W
                        cols[n, oh, ow, kh, kw, :] = x[n, ih, iw, :] if inside else 0


student = types.ModuleType("student")
student.im2col_2d = im2col_2d
report = kernels.check(student)
print(report)
print("report.ok:", report.ok)

small = digits[:2]
layer = Conv2D(4, 3, padding="same")
expected = np.asarray(layer(small))
with kernels.use(student):
    print("im2col_2d runs:", kernels.active()["im2col_2d"], "| col2im_2d runs:", kernels.active()["col2im_2d"])
    shifted = np.asarray(layer(small))
print(f"Conv2D(4, 3, padding='same') on the student's kernel: largest difference {np.abs(shifted - expected).max():.3f}")

# %% [markdown]
# The fix is one term. The same check now passes, and the layer gives the compiled
# kernel's numbers.

# %%
def im2col_2d(x, cols, SH, SW, DH, DW, PT, PL):
    N, H, W, C = x.shape
    _, OH, OW, KH, KW, _ = cols.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    for kw in range(KW):
                        ih = oh * SH + kh * DH - PT
                        iw = ow * SW + kw * DW - PL
                        inside = 0 <= ih < H and 0 <= iw < W
                        cols[n, oh, ow, kh, kw, :] = x[n, ih, iw, :] if inside else 0


student.im2col_2d = im2col_2d
print(kernels.check(student))
with kernels.use(student):
    fixed = np.asarray(layer(small))
print(f"after the fix: largest difference {np.abs(fixed - expected).max():.1e}")

# %%
lesson.finish()
