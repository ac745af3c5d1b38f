"""An MNIST classifier whose last layer is a custom layer with its own weights, saved and
reloaded.

``CosineClassifier`` is written as the Keras 2 guide teaches: ``build`` creates its weights
with ``add_weight`` (one prototype vector per class and a learned scale), ``call`` computes
with K, ``compute_output_shape`` and ``get_config`` describe it. Its logits are the cosine
similarities between the input and each prototype, times the scale:

    logits[n, k] = scale * <x_n / |x_n|, w_k / |w_k|>

The trained model is saved with ``model.save``; ``load_model`` rebuilds it only when told what
``CosineClassifier`` is (``custom_objects``). Run it alone with
``python tests/programs/program_custom_layer.py [path]``; ``--check path`` loads a saved
model in this (fresh) process and prints its test predictions' checksum.
"""
import sys

import numpy as np

from minikeras import backend as K
from minikeras.datasets import mnist
from minikeras.layers import Activation, Conv2D, Dense, Flatten, Layer, MaxPooling2D
from minikeras.models import Sequential, load_model


class CosineClassifier(Layer):
    """Logits from the cosine similarity of the input with one learned prototype per class.

    Args:
        classes: the number of classes (prototypes).
        initial_scale: the starting value of the learned scale of the logits.

    Input shape: ``(batch, features)``. Output shape: ``(batch, classes)``.
    """

    def __init__(self, classes, initial_scale=5.0, **kwargs):
        self.classes = classes
        self.initial_scale = initial_scale
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.prototypes = self.add_weight(name="prototypes", shape=(input_shape[-1], self.classes),
                                          initializer="glorot_uniform", trainable=True)
        self.scale = self.add_weight(name="scale", shape=(1,), trainable=True,
                                     initializer=lambda shape, dtype=None: np.full(shape, self.initial_scale, dtype))
        super().build(input_shape)

    def call(self, inputs):
        unit_inputs = K.l2_normalize(inputs, axis=-1)
        unit_prototypes = K.l2_normalize(self.prototypes, axis=0)
        return self.scale * K.dot(unit_inputs, unit_prototypes)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.classes)

    def get_config(self):
        return {**super().get_config(), "classes": self.classes, "initial_scale": self.initial_scale}


def load_mnist(train_images, test_images):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:train_images, :, :, None].astype("float32") / 255
    x_test = x_test[:test_images, :, :, None].astype("float32") / 255
    return (x_train, y_train[:train_images]), (x_test, y_test[:test_images])


def run(path, train_images=2000, test_images=1000, epochs=1, batch_size=64, seed=0):
    np.random.seed(seed)
    K.clear_session()
    (x_train, y_train), (x_test, y_test) = load_mnist(train_images, test_images)
    model = Sequential([
        Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(64, activation="relu"),
        CosineClassifier(10, name="cosine"),
        Activation("softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    scale_before = float(model.get_layer("cosine").scale.numpy()[0])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    model.save(path)
    return {
        "test_accuracy": float(accuracy), "predictions": model.predict(x_test),
        "scale_before": scale_before, "scale_after": float(model.get_layer("cosine").scale.numpy()[0]),
    }


def reload(path, test_images=1000):
    """The test predictions of the model saved at ``path``, loaded with custom_objects."""
    model = load_model(path, custom_objects={"CosineClassifier": CosineClassifier})
    _, (x_test, _) = load_mnist(0, test_images)
    return model, model.predict(x_test)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        _, predictions = reload(sys.argv[2])
        np.save(sys.argv[3], predictions)
        print("reloaded", predictions.shape)
    else:
        result = run(sys.argv[1] if len(sys.argv) > 1 else "cosine_mnist.npz")
        print({key: value for key, value in result.items() if key != "predictions"})
