# %% [markdown]
# # 4강: 컨볼루션 커널 읽기
#
# `Conv2D`는 출력을 어떻게 계산할까요? minikeras는 두 단계로 합니다. 먼저 **im2col**
# ("image to columns")이 커널이 보게 될 모든 창(window)을 행렬의 한 행으로 복사하고, 이어서
# 커널 가중치와의 행렬 곱 한 번으로 모든 출력 픽셀을 한꺼번에 얻습니다. 복사는 반복문이고,
# 파이썬에서 반복문은 느립니다. 그래서 minikeras는 이를 Cython(`minikeras/_kernels/conv.pyx`)으로
# 실행합니다. 컴파일된 반복문마다 이름과 인자가 같은 순수 파이썬 쌍둥이
# (`minikeras/_kernels/reference.py`)가 있으며, 먼저 읽으라고 쓴 코드입니다.
#
# 이번 강의에서는 아주 작은 입력에 대해 im2col을 그려 보고, 같은 데이터에 파이썬 쌍둥이와
# Cython 커널을 나란히 실행해 정확히 일치하는지 확인하고, 시간을 잽니다. 마지막으로 학생이 직접
# 쓴 커널을 채점하고 레이어에 끼워 봅니다.
#
#     python tutorials/ko/04_reading_the_convolution_kernel.py           # 1분이 채 안 걸립니다
#     python tutorials/ko/04_reading_the_convolution_kernel.py --quick   # 몇 초
#
# 그림은 `tutorials/figures/ko/04_reading_the_convolution_kernel/`에 저장됩니다.

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
                "4강: im2col, 그 파이썬 쌍둥이와 Cython 커널을 나란히 봅니다.")
np.random.seed(4)

# %% [markdown]
# ## 4x4 이미지의 im2col
#
# 3x3 커널은 4x4 이미지 안에 2x2 위치로 들어갑니다(보폭 1, 패딩 없음). 그래서 출력은 2x2입니다.
# im2col은 출력 픽셀 `(oh, ow)`마다 커널 아래의 입력 픽셀 9개를 한 행으로 씁니다. 4행 9열의
# 행렬입니다. 모든 쌍둥이와 모든 커널에서 인덱스 관계는 다음과 같습니다.
#
#     cols[n, oh, ow, kh, kw, c] = x[n, ih, iw, c]   여기서   ih = oh*SH + kh*DH - PT,   iw = ow*SW + kw*DW - PL
#
# (`SH SW`는 보폭(strides), `DH DW`는 팽창(dilation), `PT PL`은 입력 앞쪽의 0 패딩입니다.
# 패딩 위에 놓인 창의 위치는 0을 읽습니다.)

# %%
x = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)          # (N, H, W, C) = (1, 4, 4, 1)
cols = np.empty((1, 2, 2, 3, 3, 1))                   # (N, OH, OW, KH, KW, C)
reference.im2col_2d(x, cols, 1, 1, 1, 1, 0, 0)        # SH, SW, DH, DW, PT, PL
matrix = cols.reshape(4, 9)
print("입력:\n", x[0, :, :, 0])
print("그 im2col 행렬 (출력 픽셀마다 한 행, 커널 탭마다 한 열):\n", matrix)

colours = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[4, 9], layout="constrained")
left.imshow(np.zeros((4, 4)), cmap="Greys", vmin=0, vmax=1)
for (i, j), value in np.ndenumerate(x[0, :, :, 0]):
    left.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=12)
for row, (oh, ow) in enumerate(np.ndindex(2, 2)):
    inset = 0.04 + 0.06 * row  # 네 창은 겹칩니다: 하나씩 조금 더 안쪽에 그립니다
    left.add_patch(plt.Rectangle((ow - 0.5 + inset, oh - 0.5 + inset), 3 - 2 * inset, 3 - 2 * inset,
                                 fill=False, edgecolor=colours[row], linewidth=2.5))
left.set_title("x (4x4)와 3x3 창 네 개")
right.imshow(np.zeros((4, 9)), cmap="Greys", vmin=0, vmax=1)
for (i, j), value in np.ndenumerate(matrix):
    right.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=12, color=colours[i])
right.set_yticks(range(4), [f"(oh={oh}, ow={ow})" for oh, ow in np.ndindex(2, 2)])
right.set_xticks(range(9), [f"{kh},{kw}" for kh, kw in np.ndindex(3, 3)])
right.set_xlabel("커널 탭 (kh, kw)")
right.set_title("im2col: 창마다 한 행 (4 x 9)")
for ax in (left, right):
    ax.set_xticks(np.arange(-0.5, ax.get_xlim()[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, ax.get_ylim()[0], 1), minor=True)
    ax.grid(which="minor", color="0.8")
    ax.tick_params(which="minor", length=0)
left.set_xticks([])
left.set_yticks([])
lesson.save(figure, "im2col.png")

# %% [markdown]
# ## 이제 컨볼루션은 행렬 곱 한 번
#
# 커널의 가중치 9개를 열 하나로 세우면, `matrix @ w`가 출력 픽셀 4개를 줍니다. 같은 가중치를
# 받은 `Conv2D` 레이어도 같은 숫자를 계산합니다. (이 이미지는 열마다 1씩 커지므로, 아래의 세로
# 경계 필터는 어디서나 같은 기울기 -8을 찾습니다.) (입력 채널이 `C_in`개이고 필터가 `C_out`개면
# 행렬의 열은 `KH*KW*C_in`개이고 `w`는 `(KH*KW*C_in, C_out)` 행렬이 됩니다. 여전히 곱 한
# 번입니다.)

# %%
w = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # 세로 경계 필터
by_product = (matrix @ w.reshape(9, 1)).reshape(2, 2)
layer = Conv2D(1, (3, 3), use_bias=False, dtype="float64")
layer.build((None, 4, 4, 1))
layer.set_weights([w.reshape(3, 3, 1, 1)])
by_layer = np.asarray(layer(x))[0, :, :, 0]
print("matrix @ w:\n", by_product, "\nConv2D:\n", by_layer)
assert np.array_equal(by_product, by_layer)

# %% [markdown]
# ## 파이썬 쌍둥이와 Cython 커널
#
# 아래는 `minikeras/_kernels/reference.py`에 있는 그대로의 쌍둥이입니다. 이름 붙은 인덱스의
# 네 겹 반복문입니다. 이어서 `conv.pyx`의 컴파일된 버전입니다. 같은 반복문을 타입이 정해진
# 메모리뷰 위에서, 파이썬 인터프리터 없이(`with nogil`) 실행하며, 최적화가 하나 있습니다.
# 이미지 안에 놓인 창의 한 행은 한 번에 복사합니다.

# %%
print(inspect.getsource(reference.im2col_2d))
pyx = os.path.join(os.path.dirname(reference.__file__), "conv.pyx")
if os.path.exists(pyx):
    with open(pyx, encoding="utf-8") as f:
        source = f.read()
    start = source.index("def im2col_2d")
    print(source[start:source.index("\ndef ", start + 1)].rstrip())

# %% [markdown]
# 같은 숫자 이미지 배치에 둘 다 실행합니다. 사방으로 패딩 1(Keras의 `padding="same"`)입니다.
# 둘 다 숫자를 복사할 뿐이므로 두 출력은 마지막 비트까지 같습니다.

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
print(f"숫자 {count}개의 im2col, 값 {cols_python.size:,}개: 같은가: {np.array_equal(cols_python, cols_cython)}")
print(f"  파이썬 쌍둥이 {1000 * seconds_python:9.2f} ms")
print(f"  Cython        {1000 * seconds_cython:9.2f} ms   ({seconds_python / seconds_cython:,.0f}배 빠름)")
assert np.array_equal(cols_python, cols_cython)

# %% [markdown]
# ## 어느 백엔드에서든 레이어 전체를
#
# `minikeras.kernels.use("reference")`는 모든 레이어가 컴파일된 반복문 대신 파이썬 쌍둥이를
# 실행하게 합니다(`use("cython")`까지, `with` 블록이면 블록 안에서만). 행렬 곱은 두 경우 모두
# NumPy의 것이므로 `Conv2D` 레이어 전체가 float32 합의 반올림 범위 안에서 같은 숫자를 줍니다
# (곱은 같고, 덧셈의 순서만 다를 수 있습니다). 파이썬 반복문이 차지하는 시간을 보면 컴파일된
# 커널이 얼마나 아끼는지 알 수 있습니다.

# %%
conv = Conv2D(32, (3, 3), padding="same", activation="relu")
conv.build(digits.shape)
with kernels.use("reference"):
    print("블록 안:", kernels.current_backend())
    out_python = np.asarray(conv(digits))
    layer_python = best_time(lambda: conv(digits), 1)
print("블록 뒤:", kernels.current_backend())
out_cython = np.asarray(conv(digits))
layer_cython = best_time(lambda: conv(digits), 5)
difference = np.abs(out_python - out_cython).max()
print(f"숫자 {count}개에 Conv2D(32, 3x3): 가장 큰 차이 {difference:.1e}")
print(f"  reference 커널 {1000 * layer_python:9.2f} ms")
print(f"  Cython 커널    {1000 * layer_cython:9.2f} ms   ({layer_python / layer_cython:,.0f}배 빠름)")
assert difference < 1e-5

figure, ax = plt.subplots(figsize=(7, 2.8), layout="constrained")
names = ["im2col, 파이썬 쌍둥이", "im2col, Cython", "Conv2D, reference 커널", "Conv2D, Cython"]
values = 1000 * np.array([seconds_python, seconds_cython, layer_python, layer_cython])
bars = ax.barh(names, values, color=["tab:orange", "tab:blue", "tab:orange", "tab:blue"])
ax.bar_label(bars, [f"{v:,.0f} ms" if v >= 100 else f"{v:.2g} ms" for v in values], padding=3)
ax.set_xscale("log")
ax.set_xlim(right=values.max() * 20)
ax.invert_yaxis()
ax.set_xlabel("밀리초 (로그 눈금), 여러 번 실행 중 가장 빠른 값")
ax.set_title(f"28x28 숫자 {count}개, 3x3 커널, 패딩 'same'")
lesson.save(figure, "timings.png")

# %% [markdown]
# ## 내가 쓴 커널, 채점받기
#
# `minikeras.kernels.check(module)`는 프로젝트의 테스트가 자기 커널에 하는 검사를 모듈에
# 대해 실행합니다. 여러 크기, 보폭, 팽창, 패딩에서 같은 인자를 모듈의 함수와 쌍둥이에 주고,
# float32와 float64 둘 다 비교합니다. 커널마다 `pass`를 출력하거나, 처음 실패한 경우를 그
# 인자와 가장 큰 차이와 함께 출력합니다. 먼저 쌍둥이 자신을 컴파일된 반복문과 비교합니다.

# %%
print(kernels.check("reference", kernels=["im2col_2d", "col2im_2d"]))

# %% [markdown]
# 이제 학생이 위의 인덱스 관계를 보고 쓴 `im2col_2d`입니다. 실수가 하나 있습니다. 행 인덱스에서
# 패딩(`- PT`)을 빠뜨렸습니다. 위쪽 패딩이 없으면 답이 맞으므로 `valid` 컨볼루션 테스트로는
# 놓칩니다. 검사는 패딩이 있는 경우를 찾아 그 경우를 알려 줍니다. 이어서 `kernels.use(student)`
# (여기서는 `with` 블록)는 모든 레이어가 학생의 `im2col_2d`를 쓰고 나머지는 컴파일된 반복문을
# 쓰게 하며, `kernels.active()`가 그렇다고 알려 줍니다. `padding="same"`인 `Conv2D`가 이
# 커널로 실행되고, 그 출력은 한 행씩 밀려 있습니다.


# %%
def im2col_2d(x, cols, SH, SW, DH, DW, PT, PL):
    N, H, W, C = x.shape
    _, OH, OW, KH, KW, _ = cols.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    for kw in range(KW):
                        ih = oh * SH + kh * DH  # 실수: - PT 가 있어야 합니다
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
    print("im2col_2d 실행:", kernels.active()["im2col_2d"], "| col2im_2d 실행:", kernels.active()["col2im_2d"])
    shifted = np.asarray(layer(small))
print(f"학생의 커널로 Conv2D(4, 3, padding='same'): 가장 큰 차이 {np.abs(shifted - expected).max():.3f}")

# %% [markdown]
# 고치는 것은 항 하나입니다. 같은 검사가 이제 통과하고, 레이어는 컴파일된 커널과 같은 숫자를
# 줍니다.

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
print(f"고친 뒤: 가장 큰 차이 {np.abs(fixed - expected).max():.1e}")

# %%
lesson.finish()
