"""A siamese network on MNIST: one base model embeds both digits of a pair.

Pairs of the same digit are "similar" (label 1), pairs of different digits are not (0).
A single base model maps each image to a 32-number embedding; calling it on both inputs
shares its weights. The model outputs the Euclidean distance between the two embeddings,
written with K math on the symbolic tensors, and is trained with the contrastive loss

    loss = y * d**2 + (1 - y) * max(margin - d, 0)**2

which pulls similar pairs together and pushes the others at least ``margin`` apart. The
custom metric counts a pair as judged right when ``d < margin / 2`` agrees with its label.
Run it alone with ``python tests/programs/program_siamese.py``.
"""
import numpy as np

from minikeras import backend as K
from minikeras.datasets import mnist
from minikeras.layers import Dense, Dropout, Input
from minikeras.models import Model, Sequential
from minikeras.optimizers import RMSprop

MARGIN = 1.0


def contrastive_loss(y_true, y_pred):
    return K.mean(y_true * K.square(y_pred) + (1 - y_true) * K.square(K.maximum(MARGIN - y_pred, 0.0)))


def pair_accuracy(y_true, y_pred):
    return K.mean(K.equal(y_true, K.cast(y_pred < MARGIN / 2, K.dtype(y_true))))


def make_pairs(images, labels, rng):
    """For each image, one pair with the same digit and one with another digit."""
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    first, second, similar = [], [], []
    for i, digit in enumerate(labels):
        other = (digit + rng.integers(1, 10)) % 10
        first += [i, i]
        second += [rng.choice(by_digit[digit]), rng.choice(by_digit[other])]
        similar += [1.0, 0.0]
    return images[first], images[second], np.array(similar, "float32")[:, None]


def run(train_images=2000, test_images=500, epochs=1, batch_size=128, seed=0):
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    K.clear_session()
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:train_images].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:test_images].reshape(-1, 784).astype("float32") / 255
    train_a, train_b, train_similar = make_pairs(x_train, y_train[:train_images], rng)
    test_a, test_b, test_similar = make_pairs(x_test, y_test[:test_images], rng)

    base = Sequential([Dense(128, activation="relu", input_shape=(784,)), Dropout(0.1),
                       Dense(128, activation="relu"), Dense(32)], name="base")
    left, right = Input(shape=(784,)), Input(shape=(784,))
    embedded_left, embedded_right = base(left), base(right)      # one base, two calls
    distance = K.sqrt(K.maximum(K.sum(K.square(embedded_left - embedded_right), axis=1, keepdims=True),
                                K.epsilon()))
    siamese = Model([left, right], distance)
    siamese.compile(RMSprop(), loss=contrastive_loss, metrics=[pair_accuracy])

    before = siamese.evaluate([test_a, test_b], test_similar, verbose=0)
    history = siamese.fit([train_a, train_b], train_similar, batch_size=batch_size, epochs=epochs,
                          verbose=0, validation_data=([test_a, test_b], test_similar))
    distances = siamese.predict([test_a, test_b])
    same, different = distances[test_similar[:, 0] == 1], distances[test_similar[:, 0] == 0]
    return {
        "before": before, "history": history.history,
        "test_accuracy": float(np.mean((distances < MARGIN / 2) == (test_similar == 1))),
        "mean_distance_same": float(same.mean()), "mean_distance_different": float(different.mean()),
        "base_layers_in_model": [layer.name for layer in siamese.layers].count("base"),
        "base_calls": len(base._inbound_nodes),
    }


if __name__ == "__main__":
    print(run())
