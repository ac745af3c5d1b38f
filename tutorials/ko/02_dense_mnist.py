# %% [markdown]
# # 2강: 밀집 신경망이 손글씨 숫자를 읽습니다
#
# MNIST를 위한 첫 신경망입니다. 모든 픽셀이 모든 유닛에 연결됩니다. `Sequential`로 모델을 만들고,
# `compile`로 손실과 옵티마이저를 고르고, `fit`으로 훈련하며, 학습 곡선으로 배우는 모습을
# 지켜봅니다. 3강에서는 이미지를 긴 픽셀 목록으로 보는 밀집(Dense) 레이어를, 이미지를 이미지로
# 보는 컨볼루션으로 바꿉니다.
#
#     python tutorials/ko/02_dense_mnist.py            # 전체 실행: 이미지 24,000개로 10 에폭
#     python tutorials/ko/02_dense_mnist.py --quick    # 이미지 2,000개, 3 에폭: 몇 초
#
# 그림은 `tutorials/figures/ko/02_dense_mnist/`에 저장됩니다(`--figures-dir`로 바꿀 수 있습니다).

# %%
import time

import numpy as np

from lesson_setup import Lesson
from minikeras.datasets import mnist
from minikeras.layers import Dense, Dropout, Flatten
from minikeras.models import Sequential
from minikeras.utils import plotting

lesson = Lesson("02_dense_mnist", "2강: MNIST의 밀집 신경망과 그 학습 곡선.")
np.random.seed(2)
epochs = 3 if lesson.quick else 10

# %% [markdown]
# ## 데이터
#
# 값이 0에서 255인 28x28 회색조 이미지와, 0에서 9까지의 레이블입니다. 픽셀을 [0, 1]로
# 줄이고(입력이 크면 훈련의 첫 스텝들이 불안정해집니다) 레이블은 정수 그대로 둡니다. 손실
# `sparse_categorical_crossentropy`는 레이블을 있는 그대로 받습니다. (그 쌍둥이인
# `categorical_crossentropy`는 3강에서처럼 원-핫 행을 원합니다.)

# %%
(x_train, y_train), (x_test, y_test) = mnist.load_data()
if lesson.quick:
    x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:1000], y_test[:1000]
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
print(f"훈련 이미지 {len(x_train)}개 (크기 {x_train.shape[1:]}), 테스트 이미지 {len(x_test)}개")
print("첫 레이블:", y_train[:12])

figure = plotting.plot_samples(x_train[:16], y_train[:16], title="첫 훈련 숫자들")
lesson.save(figure, "training_digits.png")

# %% [markdown]
# ## 모델
#
# `Flatten`은 28x28 이미지 각각을 숫자 784개로 폅니다. `Dense(128, activation="relu")`는
# `relu(x @ W + b)`를 계산하며 `W`의 크기는 (784, 128)입니다. 유닛 128개가 각각 모든 픽셀의
# 가중합입니다. `Dropout(0.2)`는 훈련 스텝마다 그 128개 값 중 무작위로 5분의 1을 0으로 만들어,
# 어떤 유닛도 다른 유닛 하나에 기대지 못하게 합니다(드롭아웃). 마지막 `Dense(10, "softmax")`는
# 숫자 128개를 합이 1인 확률 10개로 바꿉니다.

# %%
model = Sequential([
    Flatten(input_shape=(28, 28)),
    Dense(128, activation="relu"),
    Dropout(0.2),
    Dense(10, activation="softmax"),
])
model.summary()

# %% [markdown]
# ## compile과 fit
#
# `compile`은 무엇을 최소화할지(크로스 엔트로피: 맞는 숫자에 준 확률의 로그에 마이너스를 붙인
# 값), 어떻게 할지(Adam: 가중치마다 스텝 크기를 맞추는 그래디언트 방법), 무엇을 보고할지(정확도)
# 정합니다. 이어서 `fit`이 에폭을 돌립니다. 에폭마다 훈련 이미지를 섞고 128개씩 배치로
# 자릅니다(Keras의 `mnist_mlp.py` 예제처럼). 배치 하나가 그래디언트 스텝 하나입니다.
# `validation_split=0.1`은 훈련 이미지의 마지막 10분의 1을 훈련에 쓰지 않고 떼어 두었다가,
# 에폭마다 신경망이 처음 보는 이미지에서 어떤지 잽니다.

# %%
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.time()
history = model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1, verbose=2)
print(f"훈련 시간: {time.time() - start:.1f}s")

# %% [markdown]
# ## 학습 곡선
#
# `fit`은 `History`를 돌려줍니다. `history.history`에는 양마다 에폭당 값 하나씩인 목록이
# 있습니다(`loss`, `acc`, 그리고 떼어 둔 10분의 1에서 잰 `val_` 쌍둥이). 두 손실이 함께
# 떨어지는 동안, 신경망은 새 이미지에도 통하는 것을 배우고 있습니다. 훈련 손실은 계속 떨어지는데
# 검증 손실이 멈추거나 다시 오르면, 신경망이 훈련 이미지를 외우기 시작한 것입니다(과대적합).
# 그때가 멈출 때입니다.

# %%
for key in sorted(history.history, key=lambda k: (k.startswith("val_"), k != "loss", k.removeprefix("val_") != "loss")):
    values = history.history[key]
    print(f"{key:>9}: " + " ".join(f"{v:.4f}" for v in values))
figure = plotting.plot_history(history, title="MNIST의 밀집 신경망")
lesson.save(figure, "learning_curves.png")

# %% [markdown]
# ## 첫 레이어가 찾는 것
#
# 첫 Dense 레이어의 유닛 128개는 각각 픽셀마다 가중치가 하나 있으므로, 그 784개 가중치를 28x28
# 이미지로 그릴 수 있습니다. 빨간 픽셀은 잉크가 있을 때 유닛을 올리고, 파란 픽셀은 내립니다.
# `plot_filters`는 `(height, width, channels, filters)` 크기의 컨볼루션 커널을 그립니다.
# (784, 128) 행렬을 (28, 28, 1, 128)로 바꾸면 밀집 가중치가 이미지만큼 큰 필터 128개처럼
# 보입니다. 어떤 것은 흐릿한 획이나 숫자의 일부처럼 보이고, 많은 것은 잡음처럼 보입니다. 밀집
# 레이어는 위치마다 따로 배워야 하기 때문이며, 3강의 컨볼루션은 이것을 피합니다.

# %%
kernel, bias = model.layers[1].get_weights()
figure = plotting.plot_filters(kernel.reshape(28, 28, 1, 128), max_filters=32,
                               title="유닛 128개 중 32개의 가중치를 이미지로")
lesson.save(figure, "dense_weights.png")

# %% [markdown]
# ## 테스트 이미지에서

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
probabilities = np.asarray(model.predict(x_test))
figure = plotting.plot_samples(x_test[:24], y_test[:24], probabilities[:24],
                               title="첫 테스트 숫자들: 신경망의 답과 정답")
lesson.save(figure, "test_predictions.png")
print(f"테스트 정확도: {test_accuracy:.4f} (테스트 손실 {test_loss:.4f})")
lesson.finish()
