# %% [markdown]
# # 5강: 패딩, 자르기, 업샘플링, 그리고 전치 컨볼루션
#
# 컨볼루션과 풀링은 이미지를 작게 만듭니다. 네 레이어는 일부러 크기를 바꿉니다:
#
# | 레이어 | H x W 이미지에 하는 일 |
# | --- | --- |
# | `ZeroPadding2D(p)` | 사방에 0으로 된 행/열을 `p`개씩 더합니다(패딩): (H + 2p) x (W + 2p) |
# | `Cropping2D(c)` | 사방에서 행/열을 `c`개씩 잘라 냅니다: (H - 2c) x (W - 2c) |
# | `UpSampling2D(s)` | 픽셀마다 s x s번 되풀이합니다(또는 `bilinear`로 보간합니다): sH x sW |
# | `Conv2DTranspose(f, k, strides=s)` | 입력 픽셀마다 학습된 가중치의 k x k 조각을 s 픽셀 간격으로 *칠합니다*: (H - 1)s + k |
#
# 먼저 각 레이어가 숫자 하나에 하는 일을 보고, 이어서 네 레이어를 모두 넣은 작은 컨볼루션
# 오토인코더를 만듭니다. 숫자를 작은 코드로 짜냈다가 다시 키워 내는 신경망입니다.
#
#     python tutorials/ko/05_padding_cropping_upsampling.py            # 이미지 12,000개로 3 에폭: 몇 분
#     python tutorials/ko/05_padding_cropping_upsampling.py --quick    # 몇 초
#
# 그림은 `tutorials/figures/ko/05_padding_cropping_upsampling/`에 저장됩니다.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from lesson_setup import Lesson
from minikeras import optimizers
from minikeras.datasets import mnist
from minikeras.layers import (Conv2D, Conv2DTranspose, Cropping2D, MaxPooling2D, UpSampling2D,
                              ZeroPadding2D)
from minikeras.models import Sequential
from minikeras.utils import plotting

lesson = Lesson("05_padding_cropping_upsampling",
                "5강: 패딩, 자르기, 업샘플링, 전치 컨볼루션; 오토인코더.")
np.random.seed(5)

(x_train, _), (x_test, y_test) = mnist.load_data()
x_train = x_train[..., None].astype("float32") / 255   # (n, 28, 28, 1)
x_test = x_test[..., None].astype("float32") / 255
digit = x_test[:1]                                       # 숫자 하나, 크기 1인 배치로

# %% [markdown]
# ## 숫자 하나에 네 레이어
#
# 전치 컨볼루션에는 그 동작이 보이도록 고정된 가중치(모두 1, 편향 없음)를 줍니다. 2x2 커널과
# 보폭 2에서는 조각들이 출력을 빈틈없이 정확히 덮으므로, 최근접 이웃 업샘플링과 같습니다. 3x3
# 커널과 보폭 2에서는 이웃한 조각들이 한 행/열 걸러 겹쳐 두 번 칠해집니다. 훈련된 전치 컨볼루션이
# 피하는 법을 배워야 하는 체커보드 무늬입니다. 모든 그림은 같은 픽셀 눈금으로 그렸으므로 크기를
# 비교할 수 있습니다.

# %%
examples = [
    ("숫자", None),
    ("ZeroPadding2D(4)", ZeroPadding2D(padding=4)),
    ("Cropping2D(4)", Cropping2D(cropping=((4, 4), (4, 4)))),
    ("UpSampling2D(2)", UpSampling2D(size=(2, 2))),
    ("UpSampling2D(2,\nbilinear)", UpSampling2D(size=(2, 2), interpolation="bilinear")),
    ("Conv2DTranspose\n2x2, 보폭 2, 1로 채움", Conv2DTranspose(1, (2, 2), strides=2, use_bias=False,
                                                            kernel_initializer="ones")),
    ("Conv2DTranspose\n3x3, 보폭 2, 1로 채움", Conv2DTranspose(1, (3, 3), strides=2, use_bias=False,
                                                            kernel_initializer="ones")),
]
outputs = [digit[0, :, :, 0] if layer is None else np.asarray(layer(digit))[0, :, :, 0]
           for _, layer in examples]
for (name, _), image in zip(examples, outputs):
    print(f"{name.replace(chr(10), ' '):38s} {digit.shape[1:3]} -> {image.shape}")
largest = max(image.shape[0] for image in outputs)
figure, axes = plt.subplots(1, len(examples), figsize=(2.2 * len(examples), 3.1), layout="constrained")
for ax, (name, _), image in zip(axes, examples, outputs):
    size = image.shape[0]
    offset = (largest - size) / 2  # 가장 큰 것만 한 틀의 가운데에 그립니다
    ax.imshow(image, cmap="gray_r", extent=(offset - 0.5, offset + size - 0.5, offset + size - 0.5, offset - 0.5))
    ax.add_patch(plt.Rectangle((offset - 0.5, offset - 0.5), size, size, fill=False, edgecolor="tab:blue"))
    ax.set_xlim(-1, largest)
    ax.set_ylim(largest, -1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{name}\n{size}x{size}", fontsize=9)
lesson.save(figure, "layers_on_a_digit.png")
np.testing.assert_array_equal(outputs[5], outputs[3])  # 1로 채운 2x2 전치 컨볼루션 = 최근접 업샘플링

# %% [markdown]
# ## 컨볼루션 오토인코더
#
# 오토인코더는 좁은 가운데를 거쳐 입력을 되돌려 주도록 배웁니다. **인코더**는 숫자를
# 8x8x8 = 512개 숫자의 코드로 줄이고, **디코더**는 코드를 다시 이미지로 키우며, 손실은 결과를
# 입력과 비교합니다(픽셀이 [0, 1]에 있으므로 픽셀마다 항 하나인 이진 크로스 엔트로피). 두 번
# 절반으로 줄이려고 먼저 28x28을 32x32로 패딩하고, 끝에서 32x32 결과를 28x28로 잘라 냅니다:
#
#     28 -ZeroPadding2D-> 32 -Conv,Pool-> 16 -Conv,Pool-> 8  (코드)
#      8 -Conv2DTranspose stride 2-> 16 -UpSampling2D-> 32 -Conv-> 32 -Cropping2D-> 28

# %%
autoencoder = Sequential([
    ZeroPadding2D(padding=2, input_shape=(28, 28, 1)),
    Conv2D(16, (3, 3), activation="relu", padding="same"),
    MaxPooling2D((2, 2)),
    Conv2D(8, (3, 3), activation="relu", padding="same"),
    MaxPooling2D((2, 2)),
    Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same"),
    UpSampling2D((2, 2)),
    Conv2D(1, (3, 3), activation="sigmoid", padding="same"),
    Cropping2D(cropping=2),
])
# Adam 기본값의 5배인 학습률: 이 작은 신경망(가중치 2,000개)은 큰 스텝을 잘 견디고,
# 첫 일인 회색 출발점을 흰 종이로 바꾸는 것이 더 빨라집니다.
autoencoder.compile(optimizer=optimizers.Adam(learning_rate=0.005), loss="binary_crossentropy")
autoencoder.summary()

# %% [markdown]
# ## 훈련: 입력이 곧 목표입니다

# %%
train_count, epochs = (2000, 1) if lesson.quick else (12000, 3)
shown = x_test[:10]
before = np.asarray(autoencoder.predict(shown))
start = time.time()
history = autoencoder.fit(x_train[:train_count], x_train[:train_count], batch_size=32, epochs=epochs,
                          validation_data=(x_test[:1000], x_test[:1000]), verbose=2)
print(f"훈련 시간: {time.time() - start:.1f}s")
after = np.asarray(autoencoder.predict(shown))
error_before = float(np.mean((before - shown) ** 2))
error_after = float(np.mean((after - shown) ** 2))
print(f"테스트 숫자 10개의 픽셀당 평균 제곱 오차: 훈련 전 {error_before:.4f}, "
      f"훈련 후 {error_after:.4f}")

figure = plotting.plot_history(history, title="오토인코더: 픽셀당 이진 크로스 엔트로피")
lesson.save(figure, "learning_curves.png")

# %% [markdown]
# ## 훈련 전과 후
#
# 위: 오토인코더가 한 번도 훈련에 쓰지 않은 테스트 숫자. 가운데: 훈련 전의 신경망이 돌려주는 것
# (회색 죽: 가중치가 무작위입니다). 아래: 훈련 뒤에는 크기의 3분의 2인 코드를 지나서도 숫자가
# 조금 흐릿하게 돌아옵니다. 코드는 모양을 간직하고 세밀한 부분을 잃습니다.

# %%
rows = [("테스트 숫자", shown), ("훈련 전", before), ("훈련 후", after)]
figure, axes = plt.subplots(3, len(shown), figsize=(1.25 * len(shown) + 0.6, 4.3), layout="constrained")
for r, (label, images) in enumerate(rows):
    for c in range(len(shown)):
        ax = axes[r, c]
        ax.imshow(images[c, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if c == 0:
            ax.set_ylabel(label, fontsize=9)
figure.suptitle(f"복원: 평균 제곱 오차 훈련 전 {error_before:.3f}, 훈련 후 {error_after:.3f}")
lesson.save(figure, "reconstructions.png")

# %%
print(f"복원 오차: 훈련 전 {error_before:.4f}, 훈련 후 {error_after:.4f}")
lesson.finish()
