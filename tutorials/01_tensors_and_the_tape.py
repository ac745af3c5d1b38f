# %% [markdown]
# # Lesson 1: tensors and the tape
#
# Training a network means changing its weights a little in the direction that lowers the
# loss, and that direction is the gradient: the derivative of the loss with respect to each
# weight. minikeras computes gradients the way TensorFlow does. While a `GradientTape` is
# open, every operation on a watched tensor is written down on the tape; `tape.gradient`
# then reads the tape backwards and applies the chain rule, one operation at a time.
#
# In this lesson we record a tiny computation (one neuron), read what the tape holds,
# work out the same gradient by hand, and check both against finite differences with
# `minikeras.utils.check_gradients`.
#
#     python tutorials/01_tensors_and_the_tape.py     # a few seconds; --quick is even shorter
#
# Figures go to `tutorials/figures/01_tensors_and_the_tape/` (`--figures-dir` to change it).

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

lesson = Lesson("01_tensors_and_the_tape", "Lesson 1: record a computation on the tape and check its gradient.")

# %% [markdown]
# ## Tensors
#
# A `Tensor` wraps one NumPy array: it has a `shape` and a `dtype`, the usual arithmetic,
# and `.numpy()` gives the array back. A `Variable` is a Tensor whose value can be changed
# in place (`assign`): layer weights are Variables. We use float64 throughout this lesson so
# that the numerical checks below are precise.

# %%
a = minikeras.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
print("a =", a.numpy().tolist(), "shape", a.shape, "dtype", a.dtype)
print("a + a =", (a + a).numpy().tolist())
print("a @ a =", (a @ a).numpy().tolist())
weight = minikeras.Variable(np.float64(0.5), name="w")
weight.assign(np.float64(0.75))
print("a Variable after assign:", float(weight.numpy()))

# %% [markdown]
# ## Recording one neuron
#
# One input `x`, one weight `w`, one bias `b`, a tanh, and the squared error against a
# target `t`:
#
#     z = w * x + b,    y = tanh(z),    loss = (y - t) ** 2
#
# `w` and `b` are trainable Variables, so the tape watches them by itself; `x` and `t` are
# plain Tensors (data), which it does not differentiate unless asked (`tape.watch(x)`).

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
# ## What the tape holds
#
# `tape.operations` is the list of recorded operations, oldest first. Each one keeps its
# inputs and its output (the Tensors themselves), because its backward rule will need them:
# the derivative of `tanh` at `z`, for instance, is `1 - tanh(z)**2`, computed from the
# saved output. `w * x + b` was recorded as two operations, and `** 2` as a `Power` whose
# exponent is a constant input (`const` below). The names `v0`, `v1`, ... are ours: they
# are the intermediate Tensors `w * x`, `z`, `y`, `y - t` and `loss`.

# %%
names = {id(w): "w", id(b): "b", id(x): "x", id(t): "t"}
print(f"The tape holds {len(tape.operations)} operations:")
for i, op in enumerate(tape.operations):
    names.setdefault(id(op.output), f"v{i}")
    inputs = ", ".join(f"{names.get(id(tensor), 'const')}={float(tensor.numpy()):.4g}" for tensor in op.inputs)
    print(f"  {i}: {names[id(op.output)]} = {type(op).__name__}({inputs}) = {float(op.output.numpy()):.6f}")

# %% [markdown]
# ## The gradient by hand, then from the tape
#
# The chain rule, walked backwards exactly as the tape does:
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
    print(f"dloss/d{name}: by hand {by_hand[name]:.12f}, from the tape {from_tape[name]:.12f}")
    assert abs(by_hand[name] - from_tape[name]) < 1e-12
print("dloss/dx without watching x:", tape.gradient(loss, x))  # x is data: no gradient

# %% [markdown]
# ## minikeras prints the tape itself
#
# Our listing above was a dozen lines of our own. `print(tape)` gives the same list with
# more detail: each operation's inputs and output with their shapes and dtypes, and a `*`
# on the inputs that are watched variables (here `w` and `b`). `tN` names the output of
# operation `N`, and `const` is a Tensor the tape does not differentiate (`x`, `t`, the 2).
#
# `tape.backward_steps(loss)` then replays the backward pass one operation at a time, last
# first, as `tape.gradient` does: each step shows the gradient arriving at the operation's
# output (`upstream`) and the gradients it sends to its inputs. Summing what the steps send
# to `w` gives exactly `tape.gradient`'s answer.

# %%
print(tape)
sent_to_w = 0.0
for step in tape.backward_steps(loss):
    print(step)
    for tensor, grad in zip(step.op.inputs, step.input_grads):
        if tensor is w and grad is not None:
            sent_to_w += float(grad.numpy())
print(f"backward_steps send {sent_to_w:.12f} to w; tape.gradient says {from_tape['w']:.12f}")
lesson.save(plot_tape(tape, loss), "neuron_tape.png")

# %% [markdown]
# ## Many points at once
#
# Operations work element by element on arrays, so one tape can give the derivative of
# `f(x) = tanh(x) * x` at a hundred points: the gradient of the *sum* of the outputs with
# respect to `x` holds `f'(x_i)` at position `i`, because each output depends only on its own
# input. By hand, the product rule gives `f'(x) = (1 - tanh(x)**2) x + tanh(x)`.

# %%
points = np.linspace(-3, 3, 31 if lesson.quick else 121)
xs = minikeras.Tensor(points)
with minikeras.GradientTape() as tape:
    tape.watch(xs)  # a plain Tensor: watch it to get its gradient
    f = ops.tanh(xs) * xs
slope_tape = tape.gradient(f, xs).numpy()
slope_hand = (1 - np.tanh(points) ** 2) * points + np.tanh(points)
print(f"largest difference between the tape's f'(x) and the formula: {np.abs(slope_tape - slope_hand).max():.2e}")

figure, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
ax.plot(points, f.numpy(), label="f(x) = tanh(x) x")
ax.plot(points, slope_tape, label="f'(x) from the tape")
ax.plot(points[::5], slope_hand[::5], "o", fillstyle="none", label="f'(x) by hand")
ax.axhline(0, color="0.6", linewidth=0.8)
ax.set_xlabel("x")
ax.legend()
ax.set_title("the tape's derivative and the formula agree")
lesson.save(figure, "derivative.png")

# %% [markdown]
# ## Checking gradients with finite differences
#
# Without any formula, a derivative can be estimated by nudging the input:
# `(f(x + eps) - f(x - eps)) / (2 eps)`. `check_gradients(fn, inputs)` does that for every
# element of every input (in float64, against a random mix of the outputs) and returns the
# worst relative difference from the tape's gradient: about 1e-9 or less for a correct
# backward rule, near 1 for a wrong one.

# %%
rng = np.random.default_rng(0)
matrix, weights = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
error = check_gradients(lambda m, v: ops.softmax(ops.tanh(m) @ v), [matrix, weights])
print(f"softmax(tanh(M) @ V): worst relative error {error:.1e}")
assert error < 1e-6

# %% [markdown]
# A new operation is one small class, `forward` on arrays and `backward` on Tensors, side by
# side. Here is a cube with a deliberate mistake in its backward rule (`2 x` instead of
# `3 x**2`): the checker catches it, and `gradient_errors` shows where.


# %%
class WrongCube(Op):
    """y = x ** 3, with a wrong derivative."""

    def forward(self, x):
        return x ** 3

    def backward(self, grad):
        (x,) = self.inputs
        return grad * 2 * x  # should be grad * 3 * x * x


# An upstream gradient of ones makes the numbers readable: each is just dy/dx at that point.
report = gradient_errors(WrongCube.apply, [np.array([0.5, 1.0, 2.0])], output_gradient=np.ones(3))[0]
print(f"WrongCube: relative error {report['error']:.2f}")
print("  the tape says   ", report["analytic"].round(4), "(2 x)")
print("  differences say ", report["numeric"].round(4), "(3 x**2)")

# %% [markdown]
# ## Why eps = 1e-6?
#
# The estimate has two errors. The formula itself is off by about `eps**2` (its Taylor
# series), so a smaller `eps` is better, until rounding takes over: `f(x + eps)` and
# `f(x - eps)` agree in more and more digits, and their difference, divided by `2 eps`,
# magnifies the last digit's noise (about 1e-16 / eps in float64). The best `eps` balances
# the two, near 1e-5 to 1e-6: the V below.

# %%
x0 = 0.7
exact = (1 - np.tanh(x0) ** 2) * x0 + np.tanh(x0)
steps = np.logspace(-12, -1, 23 if lesson.quick else 45)
estimates = [(np.tanh(x0 + h) * (x0 + h) - np.tanh(x0 - h) * (x0 - h)) / (2 * h) for h in steps]
errors = np.abs(np.array(estimates) - exact) + 1e-20
best = steps[np.argmin(errors)]
print(f"smallest finite-difference error at eps = {best:.0e}")

figure, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
ax.loglog(steps, errors, "o-", markersize=3)
ax.axvline(1e-6, color="0.5", linestyle="--", label="check_gradients' eps = 1e-6")
ax.set_xlabel("eps")
ax.set_ylabel("|estimate - exact derivative|")
ax.set_title("central differences in float64: rounding (left) against truncation (right)")
ax.legend()
lesson.save(figure, "finite_differences.png")

# %% [markdown]
# ## The tape of one training step
#
# A network's training step is recorded the same way, only with more operations: here a
# small dense network reads 8 made-up samples of 4 numbers each and answers with the
# probabilities of 3 classes; the loss is the mean cross-entropy against the true classes.
# In the listing, `kernel*` and `bias*` are the layers' weights; `BiasActivation` is the
# first layer's `+ bias` and `relu` in one operation; the cross-entropy is seven small ones, and `Mean` averages it over the batch.
# `plot_tape` draws the same list as a graph: weights in orange, the loss at the bottom.
# The steps' sum again equals `tape.gradient`, now for every weight at once; this is all
# `fit` does for each batch, before the optimizer moves the weights.

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
print(f"{len(grads)} weights: backward_steps and tape.gradient differ by at most {largest:.1e}")

# %% [markdown]
# `model.summary(explain=True)` adds, under each layer, how its output shape and its number
# of weights follow from its input: 4 inputs times 5 units plus 5 biases is 25 parameters.

# %%
model.summary(explain=True)

# %%
lesson.finish()
