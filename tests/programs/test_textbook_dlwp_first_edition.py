"""Deep Learning with Python, 1st edition (Keras 2): the MNIST notebooks 2.1 (a first look at a
neural network) and 5.1 (introduction to convnets), cell by cell with ``keras`` changed to
``minikeras``.

Only the data is smaller: the notebooks reshape all 60,000 images (``reshape((60000, 28 * 28))``);
here the first 2,000 training images and 500 test images, and 3 epochs instead of 5 for the
convnet, so that each program stays within seconds. The notebooks' printed figures that
do not depend on the data (the summary's parameter counts) are checked exactly.
"""
import numpy as np

import minikeras as keras
from minikeras import layers, models
from minikeras.utils import to_categorical


def test_2_1_a_first_look_at_a_neural_network(mnist_small, fresh_seed):
    (train_images, train_labels), (test_images, test_labels) = mnist_small
    assert keras.__version__
    assert train_images.shape == (2000, 28, 28) and train_labels.dtype == np.uint8

    network = models.Sequential()
    network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation='softmax'))
    network.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])

    train_images = train_images.reshape((2000, 28 * 28))
    train_images = train_images.astype('float32') / 255
    test_images = test_images.reshape((500, 28 * 28))
    test_images = test_images.astype('float32') / 255
    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)

    history = network.fit(train_images, train_labels, epochs=5, batch_size=128, verbose=0)
    test_loss, test_acc = network.evaluate(test_images, test_labels, verbose=0)

    accuracy = history.history['accuracy']
    assert accuracy == history.history['acc']  # Keras 2.0.8 printed "acc"; both names work
    assert accuracy[-1] > accuracy[0] and history.history['loss'][-1] < history.history['loss'][0]
    assert accuracy[-1] > 0.92  # measured 0.94-0.95
    assert test_acc > 0.85      # measured 0.87-0.88 (the book: 0.978 with 60,000 images)


def test_5_1_introduction_to_convnets(mnist_small, fresh_seed, capsys):
    (train_images, train_labels), (test_images, test_labels) = mnist_small

    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    model.summary()
    assert "(None, 3, 3, 64)" in capsys.readouterr().out and model.count_params() == 55744
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation='relu'))
    model.add(layers.Dense(10, activation='softmax'))
    model.summary()
    summary = capsys.readouterr().out
    assert "(None, 576)" in summary and "Total params: 93,322" in summary  # the notebook's figures

    train_images = train_images.reshape((2000, 28, 28, 1))
    train_images = train_images.astype('float32') / 255
    test_images = test_images.reshape((500, 28, 28, 1))
    test_images = test_images.astype('float32') / 255
    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)

    model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    history = model.fit(train_images, train_labels, epochs=3, batch_size=64, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert history.history['loss'][2] < history.history['loss'][0]
    assert test_acc > 0.84  # measured 0.88-0.91 (seeds 1, 1234); the book: 0.991 with 60,000 images
