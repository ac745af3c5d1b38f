"""A variational autoencoder as Keras 3 textbooks write it (Deep Learning with Python, 3rd ed.,
chapter 12 style): a Sampler layer drawing with keras.random and a SeedGenerator, a Model
subclass that overrides compute_loss and keeps Mean trackers. Only the import differs.
"""
import numpy as np

import minikeras as keras
from minikeras import layers, ops

LATENT = 2


class Sampler(keras.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, z_mean, z_log_var):
        batch_size = ops.shape(z_mean)[0]
        z_size = ops.shape(z_mean)[1]
        epsilon = keras.random.normal((batch_size, z_size), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def make_encoder():
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Flatten()(encoder_inputs)
    x = layers.Dense(64, activation="relu")(x)
    z_mean = layers.Dense(LATENT, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT, name="z_log_var")(x)
    return keras.Model(encoder_inputs, [z_mean, z_log_var], name="encoder")


def make_decoder():
    latent_inputs = keras.Input(shape=(LATENT,))
    x = layers.Dense(64, activation="relu")(latent_inputs)
    x = layers.Dense(28 * 28, activation="sigmoid")(x)
    decoder_outputs = layers.Reshape((28, 28, 1))(x)
    return keras.Model(latent_inputs, decoder_outputs, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.sampler = Sampler()
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def call(self, inputs):
        return self.encoder(inputs)

    def compute_loss(self, x, y, y_pred, sample_weight=None, training=True):
        original = x
        z_mean, z_log_var = y_pred
        reconstruction = self.decoder(self.sampler(z_mean, z_log_var))
        reconstruction_loss = ops.mean(
            ops.sum(keras.losses.binary_crossentropy(original, reconstruction), axis=(1, 2)))
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        total_loss = reconstruction_loss + ops.mean(kl_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return total_loss


def test_vae_with_compute_loss_and_mean_trackers_learns_to_reconstruct(mnist_small, fresh_seed):
    (x_train, _), (x_test, _) = mnist_small
    mnist_digits = np.expand_dims(x_train, -1).astype("float32") / 255
    test_digits = np.expand_dims(x_test, -1).astype("float32") / 255

    vae = VAE(make_encoder(), make_decoder())
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003))
    before = vae.evaluate(test_digits, batch_size=250, verbose=0, return_dict=True)
    history = vae.fit(mnist_digits, epochs=1, batch_size=64, verbose=0)

    assert sorted(history.history) == ["kl_loss", "loss", "reconstruction_loss"]
    after = vae.evaluate(test_digits, batch_size=250, verbose=0, return_dict=True)
    # Binary cross-entropy summed over 784 pixels: about 543 for a blank guess of 0.5 each.
    assert before["reconstruction_loss"] > 400
    assert after["reconstruction_loss"] < 0.5 * before["reconstruction_loss"]
    assert after["kl_loss"] > 0.0  # the codes moved away from the prior to carry information
    assert [m.name for m in vae.metrics] == ["loss", "reconstruction_loss", "kl_loss"]
    # Decoding the mean code of a test digit gives back an image like that digit.
    z_mean, _ = vae.encoder.predict(test_digits, verbose=0)
    images = vae.decoder.predict(z_mean, verbose=0)
    assert images.shape == (500, 28, 28, 1)
    correlation = np.mean([np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(images, test_digits)])
    assert correlation > 0.5
