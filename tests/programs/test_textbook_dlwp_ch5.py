"""Deep Learning with Python, 2nd and 3rd editions, chapter 5 (fundamentals of machine
learning), its MNIST cells: white-noise versus all-zeros channels, a model fitted to randomly
shuffled labels, a learning rate too high and a right one, and a model too small and a larger
one, all with ``validation_split=0.2`` and read back from ``history.history``.

On the first 1,000 training images (the notebooks: 60,000) and with fewer epochs; each check is
the lesson the notebook draws. The IMDB cells of the chapter (capacity, L2, dropout) need
another data set and are not here, nor the 3rd edition's three 2048-unit layers (too slow
for the suite). The learning rate is given by keyword (3rd edition, ``RMSprop(learning_rate=1.0)``)
and by position (2nd edition, ``RMSprop(1e-2)``); the larger model has the 3rd edition's 128 units.
"""
import numpy as np

import minikeras as keras
from minikeras import layers


def get_model():
    model = keras.Sequential([
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def flat_images(mnist_small):
    (train_images, train_labels), _ = mnist_small
    train_images = train_images.reshape((2000, 28 * 28))
    return train_images.astype("float32") / 255, train_labels.copy()


def test_noise_channels_hurt_and_shuffled_labels_are_memorized(mnist_small, fresh_seed):
    train_images, train_labels = flat_images(mnist_small)
    train_images, train_labels = train_images[:1000], train_labels[:1000]  # (1568 inputs: the slow part)
    train_images_with_noise_channels = np.concatenate(
        [train_images, np.random.random((len(train_images), 784))], axis=1)
    train_images_with_zeros_channels = np.concatenate(
        [train_images, np.zeros((len(train_images), 784))], axis=1)

    model = get_model()
    history_noise = model.fit(train_images_with_noise_channels, train_labels, epochs=4, batch_size=128,
                              validation_split=0.2, verbose=0)
    model = get_model()
    history_zeros = model.fit(train_images_with_zeros_channels, train_labels, epochs=4, batch_size=128,
                              validation_split=0.2, verbose=0)
    val_acc_noise = history_noise.history["val_accuracy"]
    val_acc_zeros = history_zeros.history["val_accuracy"]
    assert len(val_acc_noise) == len(val_acc_zeros) == 4
    # The lesson: the noise channels cost validation accuracy (measured about 0.5 against 0.83).
    assert np.mean(val_acc_zeros[-2:]) > 0.78
    assert np.mean(val_acc_noise[-2:]) < np.mean(val_acc_zeros[-2:]) - 0.1

    random_train_labels = train_labels[:]
    np.random.shuffle(random_train_labels)
    model = keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train_images, random_train_labels, epochs=20, batch_size=128,
                        validation_split=0.2, verbose=0)
    # The lesson: the model learns the random labels by heart, and nothing that generalizes.
    assert history.history["accuracy"][-1] > 0.6 > 0.2 > history.history["accuracy"][0]  # measured 0.11 -> 0.72, val 0.1
    assert max(history.history["val_accuracy"]) < 0.2


def test_learning_rate_and_capacity(mnist_small, fresh_seed):
    train_images, train_labels = flat_images(mnist_small)
    train_images, train_labels = train_images[:1000], train_labels[:1000]

    model = keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    too_high = model.fit(train_images, train_labels, epochs=3, batch_size=128, validation_split=0.2, verbose=0)
    model = keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    right = model.fit(train_images, train_labels, epochs=3, batch_size=128, validation_split=0.2, verbose=0)
    assert max(too_high.history["val_accuracy"]) < 0.4  # measured about 0.1: it never learns
    assert max(right.history["val_accuracy"]) > 0.75  # measured 0.83

    model = keras.Sequential([layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history_small_model = model.fit(train_images, train_labels, epochs=12, batch_size=128,
                                    validation_split=0.2, verbose=0)
    model = keras.Sequential([
        layers.Dense(128, activation="relu"),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history_large_model = model.fit(train_images, train_labels, epochs=12, batch_size=128,
                                    validation_split=0.2, verbose=0)
    val_loss = history_small_model.history["val_loss"]
    large_val_loss = history_large_model.history["val_loss"]
    assert len(val_loss) == 12 and val_loss[-1] < val_loss[0]
    # The larger model reaches a lower validation loss: the small one lacks capacity.
    assert min(large_val_loss) < min(val_loss) - 0.1  # measured 0.49 against 0.90 after 12 epochs
