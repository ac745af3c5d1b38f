"""A functional model with two inputs and two outputs, trained with dicts of losses, metrics and
loss weights (tf.keras textbook style): the image and its row profile in, the digit and
"is it 5 or more" out."""
import numpy as np

import minikeras as keras
from minikeras import layers


def test_two_inputs_two_outputs_with_dicts_of_losses_metrics_and_loss_weights(mnist_small, fresh_seed):
    (x_train, y_train), (x_test, y_test) = mnist_small

    def features(images):
        pixels = images.reshape(-1, 784).astype("float32") / 255.0
        profile = images.astype("float32").mean(axis=2) / 255.0  # (N, 28): ink per row
        return {"pixels": pixels, "profile": profile}

    def targets(labels):
        return {"digit": labels, "large": (labels >= 5).astype("float32")[:, None]}

    pixels = keras.Input(shape=(784,), name="pixels")
    profile = keras.Input(shape=(28,), name="profile")
    x = layers.concatenate([layers.Dense(64, activation="relu")(pixels),
                            layers.Dense(8, activation="relu")(profile)])
    digit = layers.Dense(10, activation="softmax", name="digit")(x)
    large = layers.Dense(1, activation="sigmoid", name="large")(x)
    model = keras.Model(inputs=[pixels, profile], outputs=[digit, large])

    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.002),
                  loss={"digit": "sparse_categorical_crossentropy", "large": keras.losses.BinaryCrossentropy()},
                  loss_weights={"digit": 1.0, "large": 0.5},
                  metrics={"digit": ["accuracy"], "large": [keras.metrics.AUC(), "accuracy"]})
    history = model.fit(features(x_train), targets(y_train), epochs=1, batch_size=32, verbose=0,
                        validation_data=(features(x_test), targets(y_test)))

    assert sorted(history.history) == sorted(
        ["loss", "digit_loss", "large_loss", "digit_accuracy", "large_auc", "large_accuracy",
         "val_loss", "val_digit_loss", "val_large_loss", "val_digit_accuracy", "val_large_auc",
         "val_large_accuracy"])
    total = history.history["val_loss"][0]
    parts = history.history["val_digit_loss"][0] + 0.5 * history.history["val_large_loss"][0]
    assert abs(total - parts) < 1e-4 * total  # the weighted sum of the two losses
    assert history.history["val_digit_accuracy"][0] > 0.8  # ten classes from 2,000 images, one epoch
    assert history.history["val_large_auc"][0] > 0.85
    results = model.evaluate(features(x_test), targets(y_test), verbose=0, return_dict=True)
    digit_pred, large_pred = model.predict(features(x_test), verbose=0)
    assert abs(results["digit_accuracy"] - np.mean(digit_pred.argmax(1) == y_test)) < 1e-6
    auc = keras.metrics.AUC()
    auc.update_state(targets(y_test)["large"], large_pred)
    assert abs(results["large_auc"] - float(auc.result())) < 1e-6
