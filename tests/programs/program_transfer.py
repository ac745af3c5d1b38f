"""Transfer learning on MNIST: convolutional features learnt on digits 0-4, frozen, reused
for digits 5-9.

A small CNN is trained on the digits 0 to 4. Its convolutional layers are then frozen
(``layer.trainable = False``, which takes effect at the next ``compile``) and a new dense
head is trained on the digits 5 to 9 on top of them. The frozen kernels must come out of
the second training exactly as they went in, while the head learns. Run it alone with
``python tests/programs/program_transfer.py``.
"""
import numpy as np

from minikeras import backend as K
from minikeras.datasets import mnist
from minikeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from minikeras.models import Sequential


def run(images=2000, test_images=1000, epochs=1, batch_size=64, seed=0):
    np.random.seed(seed)
    K.clear_session()
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:images, :, :, None].astype("float32") / 255
    x_test = x_test[:test_images, :, :, None].astype("float32") / 255
    y_train, y_test = y_train[:images].astype("int64"), y_test[:test_images].astype("int64")
    low, high = y_train < 5, y_train >= 5
    test_high = y_test >= 5

    feature_layers = [
        Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D((2, 2)),
        Conv2D(16, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Flatten(),
    ]
    head_layers = [Dense(64, activation="relu"), Dropout(0.25), Dense(5, activation="softmax")]
    model = Sequential(feature_layers + head_layers)

    # 1. Learn features on the digits 0-4.
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(x_train[low], y_train[low], batch_size=batch_size, epochs=epochs, verbose=0)
    low_accuracy = model.evaluate(x_test[~test_high], y_test[~test_high], verbose=0)[1]

    # 2. Freeze them, start a new head, and learn the digits 5-9 (as classes 0-4).
    for layer in feature_layers:
        layer.trainable = False
    for layer in head_layers:
        if layer.weights:
            layer.set_weights([np.random.default_rng(seed).normal(0, 0.05, w.shape).astype("float32")
                               for w in layer.get_weights()])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    frozen_before = [w.copy() for layer in feature_layers for w in layer.get_weights()]
    head_before = [w.copy() for layer in head_layers for w in layer.get_weights()]
    summary = []
    model.summary(print_fn=summary.append)
    model.fit(x_train[high], y_train[high] - 5, batch_size=batch_size, epochs=epochs, verbose=0)
    high_accuracy = model.evaluate(x_test[test_high], y_test[test_high] - 5, verbose=0)[1]
    frozen_after = [w for layer in feature_layers for w in layer.get_weights()]
    head_after = [w for layer in head_layers for w in layer.get_weights()]
    return {
        "low_digits_accuracy": float(low_accuracy), "high_digits_accuracy": float(high_accuracy),
        "frozen_unchanged": all(np.array_equal(a, b) for a, b in zip(frozen_before, frozen_after)),
        "head_changed": all(not np.array_equal(a, b) for a, b in zip(head_before, head_after)),
        "summary_counts": [line for line in summary if "params:" in line],
    }


if __name__ == "__main__":
    print(run())
