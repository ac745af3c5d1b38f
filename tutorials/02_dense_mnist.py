# %% [markdown]
# # Lesson 2: a dense network reads handwritten digits
#
# The first network for MNIST: every pixel connected to every unit. We build it with
# `Sequential`, choose a loss and an optimizer with `compile`, train it with `fit` and
# watch it learn through its learning curves. Lesson 3 then replaces the dense layers that
# see the image as one long list of pixels by convolutions that see it as an image.
#
#     python tutorials/02_dense_mnist.py            # the full run: 10 epochs on 24,000 images
#     python tutorials/02_dense_mnist.py --quick    # 2,000 images, 3 epochs: seconds
#
# Figures go to `tutorials/figures/02_dense_mnist/` (`--figures-dir` to change it).

# %%
import time

import numpy as np

from lesson_setup import Lesson
from minikeras.datasets import mnist
from minikeras.layers import Dense, Dropout, Flatten
from minikeras.models import Sequential
from minikeras.utils import plotting

lesson = Lesson("02_dense_mnist", "Lesson 2: a dense network on MNIST, and its learning curves.")
np.random.seed(2)
epochs = 3 if lesson.quick else 10

# %% [markdown]
# ## The data
#
# 28x28 grey images with values 0 to 255 and their labels 0 to 9. We scale the pixels to
# [0, 1] (large inputs make the first steps of training erratic) and keep the labels as
# integers: the loss `sparse_categorical_crossentropy` takes them as they are. (Its twin
# `categorical_crossentropy` wants one-hot rows instead, as lesson 3 uses.)

# %%
(x_train, y_train), (x_test, y_test) = mnist.load_data()
if lesson.quick:
    x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:1000], y_test[:1000]
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
print(f"{len(x_train)} training images of shape {x_train.shape[1:]}, {len(x_test)} test images")
print("the first labels:", y_train[:12])

figure = plotting.plot_samples(x_train[:16], y_train[:16], title="the first training digits")
lesson.save(figure, "training_digits.png")

# %% [markdown]
# ## The model
#
# `Flatten` turns each 28x28 image into 784 numbers. `Dense(128, activation="relu")`
# computes `relu(x @ W + b)` with `W` of shape (784, 128): 128 units, each a weighted sum of
# all pixels. `Dropout(0.2)` zeroes a random fifth of those 128 values at each training
# step, so that no unit can rely on one other unit. The last `Dense(10, "softmax")` turns
# 128 numbers into 10 probabilities that add up to 1.

# %%
model = Sequential([
    Flatten(input_shape=(28, 28)),
    Dense(128, activation="relu"),
    Dropout(0.2),
    Dense(10, activation="softmax"),
])
model.summary()

# %% [markdown]
# ## compile and fit
#
# `compile` chooses what to minimise (the cross-entropy: minus the log of the probability
# given to the right digit), how (Adam, a gradient method that adapts its step to each
# weight) and what to report (the accuracy). `fit` then runs epochs: in each, the training
# images are shuffled and cut into batches of 128 (as in Keras' `mnist_mlp.py` example);
# every batch gives one gradient step.
# `validation_split=0.1` keeps the last tenth of the training images aside, never trained
# on, to measure after each epoch how the network does on images it has not seen.

# %%
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.time()
history = model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1, verbose=2)
print(f"Training time: {time.time() - start:.1f}s")

# %% [markdown]
# ## The learning curves
#
# `fit` returns a `History`: `history.history` holds one list per quantity, one value per
# epoch (`loss`, `acc`, and their `val_` twins measured on the held-out tenth). While both
# losses fall, the network is learning things that hold for new images too. When the
# training loss keeps falling but the validation loss stops or turns up, the network has
# started to learn its training images by heart (overfitting): that is the moment to stop.

# %%
for key in sorted(history.history, key=lambda k: (k.startswith("val_"), k != "loss", k.removeprefix("val_") != "loss")):
    values = history.history[key]
    print(f"{key:>9}: " + " ".join(f"{v:.4f}" for v in values))
figure = plotting.plot_history(history, title="a dense network on MNIST")
lesson.save(figure, "learning_curves.png")

# %% [markdown]
# ## What the first layer looks for
#
# Each of the 128 units of the first Dense layer has one weight per pixel, so its 784
# weights can be drawn as a 28x28 image: red pixels push the unit up when they hold ink,
# blue ones push it down. `plot_filters` draws convolution kernels of shape
# `(height, width, channels, filters)`; reshaping the (784, 128) matrix to (28, 28, 1, 128)
# makes the dense weights look like 128 filters as large as the image. Some look like
# blurry strokes or parts of digits; many look like noise: a dense layer has to learn
# every position separately, which is what the convolutions of lesson 3 avoid.

# %%
kernel, bias = model.layers[1].get_weights()
figure = plotting.plot_filters(kernel.reshape(28, 28, 1, 128), max_filters=32,
                               title="the weights of 32 of the 128 units, as images")
lesson.save(figure, "dense_weights.png")

# %% [markdown]
# ## On the test images

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
probabilities = np.asarray(model.predict(x_test))
figure = plotting.plot_samples(x_test[:24], y_test[:24], probabilities[:24],
                               title="the first test digits: the network's answer and the truth")
lesson.save(figure, "test_predictions.png")
print(f"Test accuracy: {test_accuracy:.4f} (test loss {test_loss:.4f})")
lesson.finish()
