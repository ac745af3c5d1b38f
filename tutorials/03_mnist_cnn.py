# %% [markdown]
# # Lesson 3: a convolutional network reads handwritten digits
#
# This is the network of Keras 2's `examples/mnist_cnn.py`, written for minikeras by changing
# the imports: two 3x3 convolutions, max pooling, dropout and two dense layers. We train it on
# MNIST with a progress bar, measure its accuracy on 10,000 digits it has never seen, and then
# look inside: the learning curves, the first layer's filters, what each layer makes of one
# digit, which digits it confuses, and the digits it gets wrong.
#
# Run it as a script from the repository:
#
#     python tutorials/03_mnist_cnn.py            # the full run: 3 epochs, about 2 minutes on 2 idle cores
#     python tutorials/03_mnist_cnn.py --quick    # 2,000 images, 1 epoch: seconds
#
# or open it as a notebook (VS Code, or Jupyter with jupytext): each `# %%` starts a cell.
# The figures go to `tutorials/figures/03_mnist_cnn/` (`--figures-dir` to change it).

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

BATCH_SIZE = 128  # why 128 and Adam: see "The network" below


def options(parser):
    parser.add_argument("--epochs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--train-samples", type=int, default=None,
                        help="train on the first N images (default all, 2000 with --quick)")
    parser.add_argument("--test-samples", type=int, default=None,
                        help="test on the first N images (default all, 1000 with --quick)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--optimizer", choices=["adam", "adadelta"], default="adam")
    parser.add_argument("--seed", type=int, default=2)


lesson = Lesson("03_mnist_cnn", "Lesson 3: train the Keras MNIST CNN and look inside it.", options)
args = lesson.args
epochs = args.epochs or (1 if lesson.quick else 3)
train_samples = args.train_samples or (2000 if lesson.quick else None)
test_samples = args.test_samples or (1000 if lesson.quick else None)
np.random.seed(args.seed)  # the initial weights, the dropout masks and the shuffling

# %% [markdown]
# ## The data
#
# `mnist.load_data()` gives `uint8` arrays: images of shape `(n, 28, 28)` with values 0
# (paper) to 255 (ink), and labels 0 to 9. A convolution wants a channel axis and small
# numbers, so we add an axis of size 1 (`(n, 28, 28, 1)`, or `(n, 1, 28, 28)` if
# `K.image_data_format()` is `channels_first`) and divide by 255. The labels become
# one-hot rows, because Keras' example uses `categorical_crossentropy`: `np.eye(10)[y]` takes
# row `y` of the identity matrix, so 3 becomes `[0 0 0 1 0 0 0 0 0 0]`.

# %%
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, y_train = x_train[:train_samples], y_train[:train_samples]
x_test, y_test = x_test[:test_samples], y_test[:test_samples]
channel_axis = 1 if K.image_data_format() == "channels_first" else -1
x_train = np.expand_dims(x_train, channel_axis).astype("float32") / 255
x_test = np.expand_dims(x_test, channel_axis).astype("float32") / 255
one_hot_train = np.eye(10, dtype="float32")[y_train]
one_hot_test = np.eye(10, dtype="float32")[y_test]
print(f"x_train shape: {x_train.shape}; {len(x_train)} train samples, {len(x_test)} test samples")

figure = plotting.plot_samples(x_train[:16], y_train[:16], title="the first training digits")
lesson.save(figure, "training_digits.png")

# %% [markdown]
# ## The network
#
# | layer | output shape | what it does |
# | --- | --- | --- |
# | Conv2D 32, 3x3, relu | 26x26x32 | 32 small pattern detectors slid over the image |
# | Conv2D 64, 3x3, relu | 24x24x64 | patterns of patterns |
# | MaxPooling2D 2x2 | 12x12x64 | keeps the strongest answer of each 2x2 block |
# | Dropout 0.25 | 12x12x64 | in training, zeroes a random quarter (less overfitting) |
# | Flatten | 9216 | the maps as one long vector |
# | Dense 128, relu | 128 | |
# | Dropout 0.5 | 128 | |
# | Dense 10, softmax | 10 | one probability per digit |
#
# **The optimizer.** Keras' example trains with Adadelta (learning rate 1.0) for 12 epochs
# on 60,000 images: 5,600 steps of 128 images. We have 3 epochs on 24,000 images: 563
# steps. Adadelta starts slowly (its step sizes grow from nothing as it accumulates
# statistics of the gradients), and in this budget it stopped at 98.1 % test accuracy.
# Adam with its default learning rate, 0.001, takes full-sized steps from the first batch
# (its running averages are bias-corrected) and reached 98.5 % in the same 3 epochs
# (97.4 % after the first; 98.3-98.4 % with other seeds): with few steps, the optimizer that is fast early wins. A step
# costs the same with both. We keep Keras' batches of 128: smaller batches would give more
# steps, but each image then costs more on a CPU (smaller matrix products) and the noisier
# steps would need a smaller learning rate.

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
# ## Training
#
# `fit` shows a progress bar for each epoch: the running mean of the loss and the accuracy
# on the training batches, then the loss and accuracy on the test images at the end of the
# epoch (`val_`). (In a log file rather than a terminal, one line per epoch.) A small
# callback also keeps the loss of every batch, for finer learning curves than one point
# per epoch.


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
print(f"Training time: {training_seconds:.1f}s ({training_seconds / epochs:.1f}s per epoch)")
print(f"Test loss: {test_loss:.4f}")
print(f"Test accuracy: {test_accuracy:.4f}")

# %% [markdown]
# ## The learning curves
#
# `plot_history` draws one point per epoch for the training data (the mean over the
# epoch's batches, while the weights were still changing) and for the test data (measured
# at the end of the epoch, without dropout: that is why the test curve can start *above*
# the training one). The grey line is the loss of every batch, noisy but falling.

# %%
figure = plotting.plot_history(history, title=f"{len(x_train)} training images, batches of {args.batch_size}")
steps = np.arange(1, len(batch_losses.losses) + 1) / (len(batch_losses.losses) / epochs)
figure.axes[0].plot(steps, batch_losses.losses, color="0.7", linewidth=0.8, label="each batch", zorder=0)
figure.axes[0].set_xlim(left=0)
figure.axes[0].legend()
lesson.save(figure, "learning_curves.png")

# %% [markdown]
# ## The first layer's filters
#
# Each of the 32 filters is a 3x3 grid of weights: the pattern it answers to most. Red
# weights reward ink, blue weights penalise it; a red row above a blue row is a detector
# of the top edge of a stroke.

# %%
figure = plotting.plot_filters(model.layers[0])
lesson.save(figure, "filters.png")

# %% [markdown]
# ## What each layer sees
#
# One test digit through the convolutions and the pooling: each small picture is one
# channel, bright where its filter found its pattern. The first layer's maps still look like
# the digit (edges, strokes in one direction); after pooling the maps are half the size.

# %%
figure = plotting.plot_feature_maps(model, x_test[0], max_maps=16, ncols=8)
lesson.save(figure, "feature_maps.png")

# %% [markdown]
# ## Which digits does it confuse?
#
# Row: the true digit; column: the network's answer. The diagonal is the digits read
# right; the brightest cells off the diagonal are the usual suspects (4 and 9, 3 and 5,
# 7 and 2).

# %%
probabilities = np.asarray(model.predict(x_test, batch_size=256))
predicted = probabilities.argmax(axis=1)
figure = plotting.plot_confusion_matrix(y_test, probabilities)
lesson.save(figure, "confusion_matrix.png")

# %% [markdown]
# ## The digits it gets wrong
#
# Each title gives the answer with the network's confidence, and the truth. Many of these
# are hard for a person too; a confident wrong answer is worth a second look at the label.

# %%
wrong = np.flatnonzero(predicted != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits misread")
if len(wrong):
    figure = plotting.plot_samples(x_test[wrong], y_test[wrong], probabilities[wrong], max_images=24,
                                   title=f"{len(wrong)} of {len(y_test)} test digits misread; the first ones")
    lesson.save(figure, "misclassified.png")

# %% [markdown]
# ## The result

# %%
print(f"Test accuracy: {test_accuracy:.4f} ({100 * test_accuracy:.2f} % of {len(y_test)} test digits, "
      f"{epochs} epochs on {len(x_train)} images, {training_seconds:.0f} s of training)")
lesson.finish()
