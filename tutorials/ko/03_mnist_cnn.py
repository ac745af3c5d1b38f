# %% [markdown]
# # 3강: 컨볼루션 신경망이 손글씨 숫자를 읽습니다
#
# Keras 2의 `examples/mnist_cnn.py`에 있는 신경망을, import만 바꿔 minikeras로 쓴 것입니다.
# 3x3 컨볼루션 두 개, 최대 풀링, 드롭아웃, 밀집 레이어 두 개입니다. MNIST로 진행 표시줄과 함께
# 훈련하고, 한 번도 보지 못한 숫자 10,000개에서 정확도를 잰 뒤, 안을 들여다봅니다. 학습 곡선,
# 첫 레이어의 필터, 각 레이어가 숫자 하나를 어떻게 보는지, 어떤 숫자를 헷갈리는지, 틀린 숫자들.
#
# 저장소에서 스크립트로 실행합니다:
#
#     python tutorials/ko/03_mnist_cnn.py            # 전체 실행: 3 에폭, 한가한 코어 2개에서 약 2분
#     python tutorials/ko/03_mnist_cnn.py --quick    # 이미지 2,000개, 1 에폭: 몇 초
#
# 또는 노트북으로 엽니다(VS Code, 또는 jupytext가 있는 Jupyter). `# %%`마다 셀이 시작됩니다.
# 그림은 `tutorials/figures/ko/03_mnist_cnn/`에 저장됩니다(`--figures-dir`로 바꿀 수 있습니다).

# %%
import sys
import time

import numpy as np

from lesson_setup import Lesson
from minikeras import backend as K
from minikeras import optimizers
from minikeras.callbacks import Callback
from minikeras.datasets import mnist
from minikeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from minikeras.models import Sequential
from minikeras.utils import plotting

BATCH_SIZE = 128  # 왜 128과 Adam인가: 아래 "신경망"을 보세요


def options(parser):
    parser.add_argument("--epochs", type=int, default=None, help="기본 3 (--quick이면 1)")
    parser.add_argument("--train-samples", type=int, default=None,
                        help="처음 N개 이미지로 훈련 (기본 전부, --quick이면 2000)")
    parser.add_argument("--test-samples", type=int, default=None,
                        help="처음 N개 이미지로 테스트 (기본 전부, --quick이면 1000)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--optimizer", choices=["adam", "adadelta"], default="adam")
    parser.add_argument("--seed", type=int, default=2)


lesson = Lesson("03_mnist_cnn", "3강: Keras의 MNIST CNN을 훈련하고 안을 들여다봅니다.", options)
args = lesson.args
epochs = args.epochs or (1 if lesson.quick else 3)
train_samples = args.train_samples or (2000 if lesson.quick else None)
test_samples = args.test_samples or (1000 if lesson.quick else None)
np.random.seed(args.seed)  # 초기 가중치, 드롭아웃 마스크, 섞기

# %% [markdown]
# ## 데이터
#
# `mnist.load_data()`는 `uint8` 배열을 줍니다. 크기 `(n, 28, 28)`에 값이 0(종이)에서 255(잉크)인
# 이미지와, 0에서 9까지의 레이블입니다. 컨볼루션은 채널 축과 작은 숫자를 원하므로, 크기 1인 축을
# 더하고(`(n, 28, 28, 1)`, `K.image_data_format()`이 `channels_first`면 `(n, 1, 28, 28)`) 255로
# 나눕니다. Keras의 예제가 `categorical_crossentropy`를 쓰므로 레이블은 원-핫 행이 됩니다.
# `np.eye(10)[y]`는 단위 행렬의 `y`번째 행을 가져오므로, 3은 `[0 0 0 1 0 0 0 0 0 0]`이 됩니다.

# %%
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, y_train = x_train[:train_samples], y_train[:train_samples]
x_test, y_test = x_test[:test_samples], y_test[:test_samples]
channel_axis = 1 if K.image_data_format() == "channels_first" else -1
x_train = np.expand_dims(x_train, channel_axis).astype("float32") / 255
x_test = np.expand_dims(x_test, channel_axis).astype("float32") / 255
one_hot_train = np.eye(10, dtype="float32")[y_train]
one_hot_test = np.eye(10, dtype="float32")[y_test]
print(f"x_train 크기: {x_train.shape}; 훈련 샘플 {len(x_train)}개, 테스트 샘플 {len(x_test)}개")

figure = plotting.plot_samples(x_train[:16], y_train[:16], title="첫 훈련 숫자들")
lesson.save(figure, "training_digits.png")

# %% [markdown]
# ## 신경망
#
# | 레이어 | 출력 크기 | 하는 일 |
# | --- | --- | --- |
# | Conv2D 32, 3x3, relu | 26x26x32 | 이미지 위를 미끄러지는 작은 패턴 검출기 32개 |
# | Conv2D 64, 3x3, relu | 24x24x64 | 패턴들의 패턴 |
# | MaxPooling2D 2x2 | 12x12x64 | 2x2 블록마다 가장 강한 답만 남깁니다 |
# | Dropout 0.25 | 12x12x64 | 훈련 중 무작위로 4분의 1을 0으로(과대적합을 줄입니다) |
# | Flatten | 9216 | 특성 맵들을 하나의 긴 벡터로 |
# | Dense 128, relu | 128 | |
# | Dropout 0.5 | 128 | |
# | Dense 10, softmax | 10 | 숫자마다 확률 하나 |
#
# **옵티마이저.** Keras의 예제는 Adadelta(학습률 1.0)로 이미지 60,000개에서 12 에폭을
# 훈련합니다. 128개짜리 배치로 5,600 스텝입니다. 우리는 이미지 24,000개로 3 에폭, 563
# 스텝입니다. Adadelta는 느리게 출발하며(그래디언트의 통계를 쌓으면서 스텝 크기가 0에서부터
# 커집니다), 이 예산에서는 테스트 정확도 98.1 %에서 멈췄습니다. 기본 학습률 0.001의 Adam은
# 첫 배치부터 온전한 크기의 스텝을 밟고(이동 평균의 편향을 보정합니다) 같은 3 에폭에
# 98.5 %에 이르렀습니다(첫 에폭 뒤 97.4 %; 다른 시드로는 98.3-98.4 %). 스텝이 적을 때는 초반에 빠른 옵티마이저가
# 이깁니다. 스텝 하나의 비용은 둘이 같습니다. 배치는 Keras대로 128을 유지합니다. 배치가 작으면
# 스텝은 늘지만 CPU에서 이미지당 비용이 커지고(행렬 곱이 작아집니다), 더 시끄러운 스텝에는 더
# 작은 학습률이 필요합니다.

# %%
model = Sequential([
    Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=x_train.shape[1:]),
    Conv2D(64, (3, 3), activation="relu"),
    MaxPooling2D(pool_size=(2, 2)),
    Dropout(0.25),
    Flatten(),
    Dense(128, activation="relu"),
    Dropout(0.5),
    Dense(10, activation="softmax"),
])
optimizer = optimizers.Adam() if args.optimizer == "adam" else optimizers.Adadelta()
model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
model.summary()

# %% [markdown]
# ## 훈련
#
# `fit`은 에폭마다 진행 표시줄을 보여 줍니다. 훈련 배치들에서의 손실과 정확도의 이동 평균,
# 그리고 에폭이 끝날 때 테스트 이미지에서의 손실과 정확도(`val_`)입니다. (터미널이 아니라 로그
# 파일이면 에폭마다 한 줄입니다.) 작은 콜백이 배치마다 손실도 간직해, 에폭당 점 하나보다 촘촘한
# 학습 곡선을 그립니다.


# %%
class BatchLosses(Callback):
    """Keeps the training loss of every batch."""

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))


batch_losses = BatchLosses()
verbose = 1 if sys.stdout.isatty() else 2
start = time.time()
history = model.fit(x_train, one_hot_train, batch_size=args.batch_size, epochs=epochs, verbose=verbose,
                    validation_data=(x_test, one_hot_test), callbacks=[batch_losses])
training_seconds = time.time() - start
test_loss, test_accuracy = model.evaluate(x_test, one_hot_test, verbose=0)
print(f"훈련 시간: {training_seconds:.1f}s (에폭당 {training_seconds / epochs:.1f}s)")
print(f"테스트 손실: {test_loss:.4f}")
print(f"테스트 정확도: {test_accuracy:.4f}")

# %% [markdown]
# ## 학습 곡선
#
# `plot_history`는 훈련 데이터(가중치가 아직 바뀌는 동안 에폭의 배치들에 대한 평균)와 테스트
# 데이터(에폭이 끝날 때 드롭아웃 없이 잰 값)에 대해 에폭마다 점 하나를 그립니다. 그래서 테스트
# 곡선이 훈련 곡선보다 *위에서* 시작할 수도 있습니다. 회색 선은 배치마다의 손실로, 시끄럽지만
# 떨어집니다.

# %%
figure = plotting.plot_history(history, title=f"훈련 이미지 {len(x_train)}개, 배치 크기 {args.batch_size}")
steps = np.arange(1, len(batch_losses.losses) + 1) / (len(batch_losses.losses) / epochs)
figure.axes[0].plot(steps, batch_losses.losses, color="0.7", linewidth=0.8, label="배치마다", zorder=0)
figure.axes[0].set_xlim(left=0)
figure.axes[0].legend()
lesson.save(figure, "learning_curves.png")

# %% [markdown]
# ## 첫 레이어의 필터
#
# 필터 32개는 각각 3x3 가중치 격자로, 가장 강하게 반응하는 패턴입니다. 빨간 가중치는 잉크에 상을
# 주고 파란 가중치는 벌을 줍니다. 빨간 행 위에 파란 행이 있으면 획의 위쪽 경계를 찾는
# 검출기입니다.

# %%
figure = plotting.plot_filters(model.layers[0])
lesson.save(figure, "filters.png")

# %% [markdown]
# ## 각 레이어가 보는 것
#
# 테스트 숫자 하나가 컨볼루션과 풀링을 지나갑니다. 작은 그림 하나하나가 채널 하나이며, 그 필터가
# 패턴을 찾은 곳이 밝습니다. 첫 레이어의 특성 맵은 아직 숫자처럼 보이고(경계, 한 방향의 획),
# 풀링 뒤에는 맵의 크기가 절반이 됩니다.

# %%
figure = plotting.plot_feature_maps(model, x_test[0], max_maps=16, ncols=8)
lesson.save(figure, "feature_maps.png")

# %% [markdown]
# ## 어떤 숫자를 헷갈릴까?
#
# 행은 진짜 숫자, 열은 신경망의 답입니다. 대각선은 맞게 읽은 숫자입니다. 대각선 밖에서 가장 밝은
# 칸이 흔한 용의자입니다(4와 9, 3과 5, 7과 2).

# %%
probabilities = np.asarray(model.predict(x_test, batch_size=256))
predicted = probabilities.argmax(axis=1)
figure = plotting.plot_confusion_matrix(y_test, probabilities)
lesson.save(figure, "confusion_matrix.png")

# %% [markdown]
# ## 틀린 숫자들
#
# 각 제목은 신경망의 답과 그 확신, 그리고 정답입니다. 많은 것이 사람에게도 어렵습니다. 확신에 찬
# 오답이라면 레이블을 다시 볼 만합니다.

# %%
wrong = np.flatnonzero(predicted != y_test)
print(f"잘못 읽은 숫자 {len(wrong)}개 / 테스트 숫자 {len(y_test)}개")
if len(wrong):
    figure = plotting.plot_samples(x_test[wrong], y_test[wrong], probabilities[wrong], max_images=24,
                                   title=f"잘못 읽은 숫자 {len(wrong)}개 / 테스트 숫자 {len(y_test)}개: 그 처음 것들")
    lesson.save(figure, "misclassified.png")

# %% [markdown]
# ## 결과

# %%
print(f"테스트 정확도: {test_accuracy:.4f} ({100 * test_accuracy:.2f} %, 테스트 숫자 {len(y_test)}개; "
      f"{epochs} 에폭, 이미지 {len(x_train)}개, 훈련 {training_seconds:.0f} s)")
lesson.finish()
