"""A Callback that plots (Deep Learning with Python's LossHistory style): it records the loss
after each batch in on_train_batch_end and saves a figure of the curve in on_epoch_end."""
import os

import numpy as np

import minikeras as keras
from minikeras import layers


class LossPlot(keras.callbacks.Callback):
    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def on_train_begin(self, logs=None):
        self.per_batch_losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.per_batch_losses.append(logs.get("loss"))

    def on_epoch_end(self, epoch, logs=None):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.clf()
        plt.plot(range(len(self.per_batch_losses)), self.per_batch_losses, label="Training loss for each batch")
        plt.xlabel(f"Batch (epoch {epoch + 1}, accuracy {logs['accuracy']:.2f})")
        plt.ylabel("Loss")
        plt.legend()
        plt.savefig(os.path.join(self.folder, f"plot_at_epoch_{epoch}.png"))
        self.last_figure = plt.gcf()


def test_a_callback_that_plots_the_batch_losses(mnist_small, fresh_seed, tmp_path):
    (x_train, y_train), _ = mnist_small
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    plot = LossPlot(str(tmp_path))
    model.fit(x_train, y_train, epochs=1, batch_size=50, verbose=0, callbacks=[plot])

    figure = tmp_path / "plot_at_epoch_0.png"
    assert figure.exists() and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    line = plot.last_figure.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), plot.per_batch_losses)
    losses = np.asarray(plot.per_batch_losses)
    assert len(losses) == 40  # 2,000 images in batches of 50
    assert losses[-10:].mean() < 0.5 * losses[:5].mean()  # the curve it drew goes down
