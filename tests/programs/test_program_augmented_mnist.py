"""A whole program: a small CNN trained on augmented MNIST digits from ImageDataGenerator.flow.

Written as a Keras 2 user would, with ``keras`` replaced by ``minikeras`` in the imports:
random rotations, shifts and zooms of 2,000 training images (10 % held out with
``validation_split``), rescaled by the generator, one epoch of ``train_on_batch`` over the
iterator, then the accuracy on 1,000 clean test images.
"""
import numpy as np

from minikeras.datasets import mnist
from minikeras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from minikeras.models import Sequential
from minikeras.optimizers import Adam
from minikeras.preprocessing.image import ImageDataGenerator
from minikeras.utils import to_categorical


def test_training_from_image_data_generator_flow():
    np.random.seed(1)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:2000].reshape(-1, 28, 28, 1).astype("float32")   # 0..255: the generator rescales
    y_train = to_categorical(y_train[:2000], 10)
    x_test = x_test[:1000].reshape(-1, 28, 28, 1).astype("float32") / 255
    y_test = to_categorical(y_test[:1000], 10)

    datagen = ImageDataGenerator(rotation_range=10, width_shift_range=0.1, height_shift_range=0.1,
                                 zoom_range=0.1, rescale=1.0 / 255, validation_split=0.1)
    train = datagen.flow(x_train, y_train, batch_size=16, seed=0, subset="training")
    validation = datagen.flow(x_train, y_train, batch_size=200, shuffle=False, subset="validation")

    model = Sequential([
        Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=Adam(lr=0.003), loss="categorical_crossentropy", metrics=["accuracy"])

    first_batch = train[0][0]
    assert first_batch.shape == (16, 28, 28, 1) and 0 <= first_batch.min() and first_batch.max() <= 1.0001
    assert not np.allclose(first_batch, x_train[train.index_array[:16]] / 255, atol=0.05)  # augmented
    losses = []
    for step in range(len(train)):        # one epoch: 1,800 images in 113 batches
        x, y = train[step]
        losses.append(model.train_on_batch(x, y)[0])
    train.on_epoch_end()

    # Measured: the loss falls from 2.3 to about 1.0, the test accuracy reaches about 0.76
    # (0.84 without augmentation: one epoch of harder images).
    assert len(losses) == 113
    assert np.mean(losses[-10:]) < 0.6 * np.mean(losses[:5]), losses
    x_val, y_val = validation[0]
    assert len(x_val) == 200
    _, val_accuracy = model.evaluate(x_val, y_val, verbose=0)
    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert test_accuracy > 0.65, test_accuracy     # chance: 0.1
    assert val_accuracy > 0.6, val_accuracy
