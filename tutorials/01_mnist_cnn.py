"""Lesson 1: train the Keras MNIST CNN with minikeras.

This is Keras 2's ``examples/mnist_cnn.py``, run on minikeras after changing the imports:
two 3x3 convolutions, max pooling, dropout and two dense layers, trained with Adadelta on
categorical cross-entropy in batches of 128. It prints the progress of every epoch and the
test accuracy, then saves two figures in ``tutorials/figures/``: the learning curves
(``01_mnist_cnn_curves.png``) and some test digits the network gets wrong
(``01_mnist_cnn_mistakes.png``).

Run it from the repository (after ``pip install -e .``, or with the kernels built in place):

    python tutorials/01_mnist_cnn.py            # the full run: all training images, 3 epochs
    python tutorials/01_mnist_cnn.py --quick    # 2000 images, 1 epoch: a few seconds

MNIST is read by ``minikeras.datasets.mnist.load_data`` (see there where it looks).

What to expect, measured on 2 CPU cores with the workplace copy of MNIST (24000 training
images): the full run takes 35-45 s per epoch and reaches 98% test accuracy after 3
epochs (Keras' 12 epochs on 60000 images give about 99.2%); ``--quick`` takes about 5 s and
reaches about 69%.
"""
import argparse
import os
import sys
import time

import numpy as np

try:
    import minikeras  # noqa: F401
except ImportError:  # running from a checkout without installing: use the package next door
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minikeras import backend as K
from minikeras import optimizers
from minikeras.callbacks import Callback
from minikeras.datasets import mnist
from minikeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from minikeras.models import Sequential

NUM_CLASSES = 10
FIGURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "figures")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2000 training images, 1000 test images, 1 epoch")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 3, or 1 with --quick)")
    parser.add_argument("--train-samples", type=int, default=None,
                        help="use only the first N training images (default all, or 2000 with --quick)")
    parser.add_argument("--test-samples", type=int, default=None,
                        help="evaluate on the first N test images (default all, or 1000 with --quick)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--optimizer", choices=["adadelta", "adam"], default="adadelta")
    parser.add_argument("--figures-dir", default=FIGURES, help="where to save the figures")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.quick else 3
    if args.train_samples is None and args.quick:
        args.train_samples = 2000
    if args.test_samples is None and args.quick:
        args.test_samples = 1000
    return args


def load_mnist(train_samples, test_samples):
    """Images as float32 in [0, 1], in the layout of ``K.image_data_format()``; one-hot labels."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train, y_train = x_train[:train_samples], y_train[:train_samples]
    x_test, y_test = x_test[:test_samples], y_test[:test_samples]
    if K.image_data_format() == "channels_first":
        x_train, x_test = x_train[:, None], x_test[:, None]
    else:
        x_train, x_test = x_train[..., None], x_test[..., None]
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    one_hot = np.eye(NUM_CLASSES, dtype="float32")
    return (x_train, one_hot[y_train]), (x_test, one_hot[y_test])


def build_model(input_shape, optimizer):
    model = Sequential([
        Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=input_shape),
        Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Dropout(0.25),
        Flatten(),
        Dense(128, activation="relu"),
        Dropout(0.5),
        Dense(NUM_CLASSES, activation="softmax"),
    ])
    # Keras' example uses Adadelta with Keras 2's default learning rate, 1.0.
    optimizer = optimizers.Adadelta() if optimizer == "adadelta" else optimizers.Adam()
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


class BatchHistory(Callback):
    """Keeps the loss and accuracy of every training batch, for finer learning curves."""

    def on_train_begin(self, logs=None):
        self.loss, self.acc = [], []

    def on_batch_end(self, batch, logs=None):
        self.loss.append(float(logs["loss"]))
        self.acc.append(float(logs["acc"]))


def save_figures(history, batches, batch_size, x_test, y_test, probabilities, directory):
    """The learning curves and up to 12 misclassified test digits, as PNG files."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no figures (pip install matplotlib).")
        return []
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    os.makedirs(directory, exist_ok=True)
    steps_per_epoch = len(batches.loss) / len(history.history["loss"])
    epoch_ends = steps_per_epoch * np.arange(1, len(history.history["loss"]) + 1)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, title in [(axes[0], "loss", "cross-entropy"), (axes[1], "acc", "accuracy")]:
        ax.plot(np.arange(1, len(batches.loss) + 1), getattr(batches, key), color="0.75",
                label="training, each batch")
        ax.plot(epoch_ends, history.history[key], "o-", label="training, epoch mean")
        ax.plot(epoch_ends, history.history["val_" + key], "s-", label="test, end of epoch")
        ax.set_xlabel(f"training step (batch of {batch_size})")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[1].legend(loc="lower right")
    figure.tight_layout()
    curves = os.path.join(directory, "01_mnist_cnn_curves.png")
    figure.savefig(curves, dpi=100)
    plt.close(figure)

    predicted, actual = probabilities.argmax(axis=1), y_test.argmax(axis=1)
    wrong = np.flatnonzero(predicted != actual)[:12]
    figure, axes = plt.subplots(2, 6, figsize=(9, 3.4))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(x_test[i].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{actual[i]} read as {predicted[i]}", fontsize=9)
    figure.suptitle(f"{len(np.flatnonzero(predicted != actual))} of {len(actual)} test digits misread; "
                    "the first ones:")
    figure.tight_layout()
    mistakes = os.path.join(directory, "01_mnist_cnn_mistakes.png")
    figure.savefig(mistakes, dpi=100)
    plt.close(figure)
    return [curves, mistakes]


def main(argv=None):
    args = parse_args(argv)
    np.random.seed(args.seed)  # initial weights, dropout masks and shuffling
    (x_train, y_train), (x_test, y_test) = load_mnist(args.train_samples, args.test_samples)
    print(f"x_train shape: {x_train.shape}; {len(x_train)} train samples, {len(x_test)} test samples")

    model = build_model(x_train.shape[1:], args.optimizer)
    model.summary()
    batches = BatchHistory()
    # One bar redrawn in place on a terminal; in a log file, one line per epoch instead.
    verbose = 1 if sys.stdout.isatty() else 2
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        verbose=verbose, validation_data=(x_test, y_test), callbacks=[batches])
    seconds = time.time() - start

    score = model.evaluate(x_test, y_test, verbose=0)
    print(f"Training time: {seconds:.1f}s ({seconds / args.epochs:.1f}s per epoch)")
    print(f"Test loss: {score[0]:.4f}")
    print(f"Test accuracy: {score[1]:.4f}")
    probabilities = np.asarray(model.predict(x_test, batch_size=256))
    figures = save_figures(history, batches, args.batch_size, x_test, y_test, probabilities, args.figures_dir)
    for path in figures:
        print(f"Saved {path}")
    return score


if __name__ == "__main__":
    main()
