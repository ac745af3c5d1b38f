"""An LSTM that reads MNIST digits row by row: one epoch, then the test accuracy and the time.

Each 28x28 image is a sequence of 28 rows of 28 pixels; ``LSTM(128)`` reads it and a softmax
``Dense(10)`` classifies its last output. Trained for one epoch on the training images
(24,000 in the workplace copy), batches of 64, Adam with learning rate 0.002. The issue's
bar: more than 90 % test accuracy after that one epoch. Not part of the tests (it takes
about a minute on two cores).

    python benchmarks/lstm_mnist.py [--epochs 1] [--batch-size 64] [--train-samples N]

MNIST is read by ``minikeras.datasets.mnist.load_data()`` (see there where it looks).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from minikeras import optimizers  # noqa: E402
from minikeras.datasets import mnist  # noqa: E402
from minikeras.layers import LSTM, Dense  # noqa: E402
from minikeras.models import Sequential  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.002)
    parser.add_argument("--train-samples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    np.random.seed(args.seed)

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if args.train_samples:
        x_train, y_train = x_train[:args.train_samples], y_train[:args.train_samples]
    x_train = x_train.astype("float32") / 255.0   # (n, 28, 28): 28 steps of 28 pixels
    x_test = x_test.astype("float32") / 255.0

    model = Sequential([
        LSTM(128, input_shape=(28, 28)),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=optimizers.Adam(learning_rate=args.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, verbose=2)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    print(f"{len(x_train)} training images, {args.epochs} epoch(s): {seconds:.1f} s of training; "
          f"test accuracy {100 * accuracy:.2f} % (loss {loss:.4f}) on {len(x_test)} images")
    return accuracy


if __name__ == "__main__":
    main()
