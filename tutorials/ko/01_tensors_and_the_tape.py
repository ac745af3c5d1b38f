# %% [markdown]
# # 1강: 텐서와 테이프
#
# 신경망을 훈련한다는 것은 손실이 줄어드는 방향으로 가중치를 조금씩 바꾸는 일이고, 그 방향이
# 바로 그래디언트, 즉 각 가중치에 대한 손실의 도함수입니다. minikeras는 TensorFlow와 같은
# 방식으로 그래디언트를 계산합니다. `GradientTape`가 열려 있는 동안, 감시하는(watched) 텐서에
# 대한 모든 연산이 테이프에 기록되고, `tape.gradient`는 그 테이프를 거꾸로 읽으며 연산 하나하나에
# 연쇄 법칙(chain rule)을 적용합니다.
#
# 이번 강의에서는 아주 작은 계산(뉴런 하나)을 기록하고, 테이프에 무엇이 들어 있는지 읽고,
# 같은 그래디언트를 손으로 구한 뒤, 둘 다 `minikeras.utils.check_gradients`로 유한 차분과
# 비교합니다.
#
#     python tutorials/ko/01_tensors_and_the_tape.py     # 몇 초; --quick은 더 짧습니다
#
# 그림은 `tutorials/figures/ko/01_tensors_and_the_tape/`에 저장됩니다(`--figures-dir`로 바꿀 수 있습니다).

# %%
import matplotlib.pyplot as plt
import numpy as np

from lesson_setup import Lesson
import minikeras
from minikeras import layers, losses, ops
from minikeras.inspect import plot_tape
from minikeras.models import Sequential
from minikeras.ops import Op
from minikeras.utils import check_gradients, gradient_errors

lesson = Lesson("01_tensors_and_the_tape", "1강: 계산을 테이프에 기록하고 그 그래디언트를 검사합니다.")

# %% [markdown]
# ## 텐서
#
# `Tensor`는 NumPy 배열 하나를 감쌉니다. `shape`와 `dtype`이 있고, 보통의 산술 연산이 되며,
# `.numpy()`는 배열을 돌려줍니다. `Variable`은 값을 제자리에서 바꿀 수 있는(`assign`) Tensor이고,
# 레이어의 가중치가 Variable입니다. 아래의 수치 검사가 정밀하도록 이번 강의에서는 내내
# float64를 씁니다.

# %%
a = minikeras.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
print("a =", a.numpy().tolist(), "shape", a.shape, "dtype", a.dtype)
print("a + a =", (a + a).numpy().tolist())
print("a @ a =", (a @ a).numpy().tolist())
weight = minikeras.Variable(np.float64(0.5), name="w")
weight.assign(np.float64(0.75))
print("assign 뒤의 Variable:", float(weight.numpy()))

# %% [markdown]
# ## 뉴런 하나를 기록하기
#
# 입력 `x` 하나, 가중치 `w` 하나, 편향 `b` 하나, tanh, 그리고 목표값 `t`에 대한 제곱 오차:
#
#     z = w * x + b,    y = tanh(z),    loss = (y - t) ** 2
#
# `w`와 `b`는 훈련 가능한 Variable이므로 테이프가 스스로 감시합니다. `x`와 `t`는 보통의
# Tensor(데이터)여서, 따로 요청하지 않으면(`tape.watch(x)`) 미분하지 않습니다.

# %%
w = minikeras.Variable(np.float64(0.5), name="w")
b = minikeras.Variable(np.float64(0.25), name="b")
x = minikeras.Tensor(np.float64(1.5))
t = minikeras.Tensor(np.float64(1.0))

with minikeras.GradientTape(persistent=True) as tape:
    z = w * x + b
    y = ops.tanh(z)
    loss = (y - t) ** 2

print(f"z = {float(z.numpy()):.6f}, y = {float(y.numpy()):.6f}, loss = {float(loss.numpy()):.6f}")

# %% [markdown]
# ## 테이프에 들어 있는 것
#
# `tape.operations`는 기록된 연산의 목록으로, 오래된 것이 먼저입니다. 각 연산은 입력과 출력
# (Tensor 자체)을 간직합니다. 역전파 규칙에 필요하기 때문입니다. 예를 들어 `tanh`의 도함수는
# `z`에서 `1 - tanh(z)**2`이고, 저장된 출력으로 계산됩니다. `w * x + b`는 두 연산으로, `** 2`는
# 지수가 상수 입력(아래의 `const`)인 `Power`로 기록되었습니다. `v0`, `v1`, ... 이라는 이름은
# 우리가 붙인 것으로, 중간 Tensor인 `w * x`, `z`, `y`, `y - t`, `loss`입니다.

# %%
names = {id(w): "w", id(b): "b", id(x): "x", id(t): "t"}
print(f"테이프에 기록된 연산 {len(tape.operations)}개:")
for i, op in enumerate(tape.operations):
    names.setdefault(id(op.output), f"v{i}")
    inputs = ", ".join(f"{names.get(id(tensor), 'const')}={float(tensor.numpy()):.4g}" for tensor in op.inputs)
    print(f"  {i}: {names[id(op.output)]} = {type(op).__name__}({inputs}) = {float(op.output.numpy()):.6f}")

# %% [markdown]
# ## 손으로 구한 그래디언트, 그리고 테이프의 그래디언트
#
# 테이프가 하는 그대로, 연쇄 법칙을 거꾸로 따라갑니다:
#
#     dloss/dy = 2 (y - t)
#     dy/dz    = 1 - y**2                 (tanh' = 1 - tanh**2)
#     dz/dw    = x,    dz/db = 1
#
#     dloss/dw = 2 (y - t) * (1 - y**2) * x
#     dloss/db = 2 (y - t) * (1 - y**2)

# %%
y_value = float(y.numpy())
dloss_dy = 2 * (y_value - 1.0)
dy_dz = 1 - y_value ** 2
by_hand = {"w": dloss_dy * dy_dz * 1.5, "b": dloss_dy * dy_dz}
grad_w, grad_b = tape.gradient(loss, [w, b])
from_tape = {"w": float(grad_w.numpy()), "b": float(grad_b.numpy())}
for name in ("w", "b"):
    print(f"dloss/d{name}: 손으로 {by_hand[name]:.12f}, 테이프에서 {from_tape[name]:.12f}")
    assert abs(by_hand[name] - from_tape[name]) < 1e-12
print("x를 감시하지 않았을 때 dloss/dx:", tape.gradient(loss, x))  # x는 데이터: 그래디언트 없음

# %% [markdown]
# ## minikeras가 직접 보여 주는 테이프
#
# 위의 목록은 우리가 직접 쓴 열두 줄이었습니다. `print(tape)`는 같은 목록을 더 자세히
# 보여 줍니다. 각 연산의 입력과 출력, 그 크기(shape)와 dtype, 그리고 감시하는 변수인 입력에는
# `*`가 붙습니다(여기서는 `w`와 `b`). `tN`은 연산 `N`의 출력이고, `const`는 테이프가 미분하지
# 않는 Tensor(`x`, `t`, 2)입니다.
#
# 이어서 `tape.backward_steps(loss)`는 `tape.gradient`와 똑같이 역전파를 마지막 연산부터
# 한 단계씩 다시 보여 줍니다. 각 단계는 연산의 출력에 도착한 그래디언트(`upstream`)와
# 입력으로 보내는 그래디언트를 보여 줍니다. 단계들이 `w`로 보낸 값을 더하면 `tape.gradient`의
# 답과 정확히 같습니다.

# %%
print(tape)
sent_to_w = 0.0
for step in tape.backward_steps(loss):
    print(step)
    for tensor, grad in zip(step.op.inputs, step.input_grads):
        if tensor is w and grad is not None:
            sent_to_w += float(grad.numpy())
print(f"backward_steps가 w로 보낸 합 {sent_to_w:.12f}, tape.gradient {from_tape['w']:.12f}")
lesson.save(plot_tape(tape, loss), "neuron_tape.png")

# %% [markdown]
# ## 여러 점을 한 번에
#
# 연산은 배열의 원소마다 따로 작동하므로, 테이프 하나로 `f(x) = tanh(x) * x`의 도함수를 백 개의
# 점에서 구할 수 있습니다. 출력의 *합*을 `x`에 대해 미분하면 `i`번째 자리에 `f'(x_i)`가
# 들어갑니다. 각 출력은 자기 입력에만 의존하기 때문입니다. 손으로는 곱의 법칙으로
# `f'(x) = (1 - tanh(x)**2) x + tanh(x)`입니다.

# %%
points = np.linspace(-3, 3, 31 if lesson.quick else 121)
xs = minikeras.Tensor(points)
with minikeras.GradientTape() as tape:
    tape.watch(xs)  # 보통의 Tensor: 그래디언트를 얻으려면 감시합니다
    f = ops.tanh(xs) * xs
slope_tape = tape.gradient(f, xs).numpy()
slope_hand = (1 - np.tanh(points) ** 2) * points + np.tanh(points)
print(f"테이프의 f'(x)와 공식의 가장 큰 차이: {np.abs(slope_tape - slope_hand).max():.2e}")

figure, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
ax.plot(points, f.numpy(), label="f(x) = tanh(x) x")
ax.plot(points, slope_tape, label="테이프로 구한 f'(x)")
ax.plot(points[::5], slope_hand[::5], "o", fillstyle="none", label="손으로 구한 f'(x)")
ax.axhline(0, color="0.6", linewidth=0.8)
ax.set_xlabel("x")
ax.legend()
ax.set_title("테이프의 도함수와 공식이 일치합니다")
lesson.save(figure, "derivative.png")

# %% [markdown]
# ## 유한 차분으로 그래디언트 검사하기
#
# 공식이 없어도 입력을 살짝 움직여 도함수를 어림할 수 있습니다:
# `(f(x + eps) - f(x - eps)) / (2 eps)`. `check_gradients(fn, inputs)`는 모든 입력의 모든 원소에
# 대해 이렇게 하고(float64로, 출력들의 무작위 조합에 대해), 테이프의 그래디언트와의 가장 나쁜
# 상대 차이를 돌려줍니다. 올바른 역전파 규칙이면 약 1e-9 이하, 틀린 규칙이면 1에 가깝습니다.

# %%
rng = np.random.default_rng(0)
matrix, weights = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
error = check_gradients(lambda m, v: ops.softmax(ops.tanh(m) @ v), [matrix, weights])
print(f"softmax(tanh(M) @ V): 가장 나쁜 상대 오차 {error:.1e}")
assert error < 1e-6

# %% [markdown]
# 새 연산은 작은 클래스 하나입니다. 배열에 대한 `forward`와 Tensor에 대한 `backward`가 나란히
# 있습니다. 아래는 역전파 규칙에 일부러 실수를 넣은 세제곱입니다(`3 x**2` 대신 `2 x`).
# 검사기가 이를 잡아내고, `gradient_errors`가 어디가 틀렸는지 보여 줍니다.


# %%
class WrongCube(Op):
    """y = x ** 3, with a wrong derivative."""

    def forward(self, x):
        return x ** 3

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 2 * x  # grad * 3 * x * x 이어야 합니다


# 위에서 오는 그래디언트를 1로 두면 숫자를 읽기 쉽습니다: 각 값이 그 점에서의 dy/dx입니다.
report = gradient_errors(WrongCube.apply, [np.array([0.5, 1.0, 2.0])], output_gradient=np.ones(3))[0]
print(f"WrongCube: 상대 오차 {report['error']:.2f}")
print("  테이프의 값       ", report["analytic"].round(4), "(2 x)")
print("  유한 차분의 값    ", report["numeric"].round(4), "(3 x**2)")

# %% [markdown]
# ## 왜 eps = 1e-6인가?
#
# 어림값에는 두 가지 오차가 있습니다. 공식 자체는 약 `eps**2`만큼 틀리므로(테일러 급수) `eps`가
# 작을수록 좋지만, 어느 순간 반올림이 이깁니다. `f(x + eps)`와 `f(x - eps)`는 점점 더 많은
# 자릿수까지 같아지고, 그 차를 `2 eps`로 나누면 마지막 자리의 잡음이 커집니다(float64에서 약
# 1e-16 / eps). 가장 좋은 `eps`는 둘이 균형을 이루는 1e-5에서 1e-6 근처, 아래 그림의 V자
# 바닥입니다.

# %%
x0 = 0.7
exact = (1 - np.tanh(x0) ** 2) * x0 + np.tanh(x0)
steps = np.logspace(-12, -1, 23 if lesson.quick else 45)
estimates = [(np.tanh(x0 + h) * (x0 + h) - np.tanh(x0 - h) * (x0 - h)) / (2 * h) for h in steps]
errors = np.abs(np.array(estimates) - exact) + 1e-20
best = steps[np.argmin(errors)]
print(f"유한 차분 오차가 가장 작은 eps = {best:.0e}")

figure, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
ax.loglog(steps, errors, "o-", markersize=3)
ax.axvline(1e-6, color="0.5", linestyle="--", label="check_gradients의 eps = 1e-6")
ax.set_xlabel("eps")
ax.set_ylabel("|어림값 - 정확한 도함수|")
ax.set_title("float64의 중앙 차분: 반올림 오차(왼쪽)와 절단 오차(오른쪽)")
ax.legend()
lesson.save(figure, "finite_differences.png")

# %% [markdown]
# ## 훈련 한 스텝의 테이프
#
# 신경망의 훈련 스텝도 같은 방식으로 기록되며, 연산이 더 많을 뿐입니다. 여기서는 작은 밀집
# (Dense) 신경망이 숫자 4개짜리 가짜 샘플 8개를 읽고 3개 클래스의 확률로 답합니다. 손실은 정답
# 클래스에 대한 평균 크로스 엔트로피입니다. 목록에서 `kernel*`과 `bias*`는 레이어의 가중치이고,
# `BiasActivation`은 첫 레이어의 `+ bias`와 `relu`를 한 연산으로 한 것이며, 크로스 엔트로피는
# 작은 연산 일곱 개이고 `Mean`이 배치에 대해 평균을 냅니다. `plot_tape`는 같은 목록을 그래프로
# 그립니다. 가중치는 주황색, 손실은 맨 아래입니다. 단계들의 합은 이번에도 모든 가중치에 대해
# `tape.gradient`와 같습니다. 옵티마이저가 가중치를 움직이기 전에 `fit`이 배치마다 하는 일이
# 바로 이것입니다.

# %%
samples = rng.standard_normal((8, 4)).astype("float32")
x_batch = minikeras.Tensor(samples)
y_batch = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2, 0, 1]]
model = Sequential([layers.Dense(5, activation="relu", input_shape=(4,)), layers.Dense(3, activation="softmax")])
with minikeras.GradientTape(persistent=True) as tape:
    loss = ops.mean(losses.categorical_crossentropy(y_batch, model(x_batch)))
print(tape)
lesson.save(plot_tape(tape, loss), "training_step_tape.png")

sums = {id(v): np.zeros(v.shape, dtype="float32") for v in model.trainable_weights}
for step in tape.backward_steps(loss):
    for tensor, grad in zip(step.op.inputs, step.input_grads):
        if id(tensor) in sums and grad is not None:
            sums[id(tensor)] += grad.numpy()
grads = tape.gradient(loss, model.trainable_weights)
largest = max(float(np.abs(sums[id(v)] - g.numpy()).max()) for v, g in zip(model.trainable_weights, grads))
print(f"가중치 {len(grads)}개: backward_steps와 tape.gradient의 차이는 최대 {largest:.1e}")

# %% [markdown]
# `model.summary(explain=True)`는 각 레이어 아래에, 출력 크기와 가중치 개수가 입력에서 어떻게
# 나오는지 덧붙입니다. 입력 4개 곱하기 유닛 5개에 편향 5개를 더해 파라미터 25개입니다.

# %%
model.summary(explain=True)

# %%
lesson.finish()
