"""A variational autoencoder on MNIST whose loss is written with K and given to add_loss.

The encoder maps a digit to the mean and log-variance of a 2-D Gaussian; a Lambda layer
draws a code from it (the reparameterisation: mean + sigma * noise, noise drawn for the
run-time batch size); the decoder maps the code back to 784 pixel probabilities. The loss is
not a function of (y_true, y_pred): it is built from the model's own tensors,

    reconstruction = 784 * binary cross-entropy(x, decoded)
    kl = -1/2 * sum(1 + log_var - mean**2 - exp(log_var))
    vae.add_loss(K.mean(reconstruction + kl))

so the model is compiled without a loss and fitted without targets. One short epoch on 2,000
images is enough to beat the mean image with Adam at a high rate (0.01). Run it alone with
``python tests/programs/program_vae.py``.
"""
import numpy as np

from minikeras import backend as K
from minikeras.datasets import mnist
from minikeras.layers import Dense, Input, Lambda
from minikeras.losses import binary_crossentropy
from minikeras.models import Model
from minikeras.optimizers import Adam

LATENT = 2


def sample_code(args):
    z_mean, z_log_var = args
    noise = K.random_normal(shape=(K.shape(z_mean)[0], K.int_shape(z_mean)[1]))
    return z_mean + K.exp(0.5 * z_log_var) * noise


def run(train_images=2000, test_images=500, epochs=1, batch_size=64, learning_rate=0.01, seed=0):
    np.random.seed(seed)
    K.clear_session()
    (x_train, _), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:train_images].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:test_images].reshape(-1, 784).astype("float32") / 255
    y_test = y_test[:test_images]

    image = Input(shape=(784,), name="image")
    hidden = Dense(128, activation="relu")(image)
    z_mean = Dense(LATENT, name="z_mean")(hidden)
    z_log_var = Dense(LATENT, name="z_log_var")(hidden)
    code = Lambda(sample_code, output_shape=(LATENT,), name="code")([z_mean, z_log_var])
    decoder_hidden = Dense(128, activation="relu")
    decoder_out = Dense(784, activation="sigmoid")
    decoded = decoder_out(decoder_hidden(code))
    vae = Model(image, decoded, name="vae")

    reconstruction = 784 * binary_crossentropy(image, decoded)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(reconstruction + kl))
    vae.add_metric(K.mean(kl), name="kl")
    vae.compile(optimizer=Adam(lr=learning_rate))

    loss_before = vae.evaluate(x_test, None, batch_size=250, verbose=0)[0]
    history = vae.fit(x_train, epochs=epochs, batch_size=batch_size, verbose=0,
                      validation_data=(x_test, None))

    # The decoder alone, as a generator of digits from codes.
    code_input = Input(shape=(LATENT,))
    generator = Model(code_input, decoder_out(decoder_hidden(code_input)))
    encoder = Model(image, z_mean)
    codes = encoder.predict(x_test)
    reconstruction_error = np.mean((generator.predict(codes) - x_test) ** 2)
    mean_image_error = np.mean((x_train.mean(axis=0) - x_test) ** 2)
    # Codes of different digits should differ: the distance between class centres, in units
    # of the spread within a class.
    centres = np.stack([codes[y_test == d].mean(axis=0) for d in range(10)])
    spread = np.mean([codes[y_test == d].std(axis=0).mean() for d in range(10)])
    separation = np.mean(np.linalg.norm(centres[:, None] - centres[None], axis=-1)) / spread
    return {
        "loss_before": float(loss_before), "history": history.history,
        "reconstruction_error": float(reconstruction_error), "mean_image_error": float(mean_image_error),
        "separation": float(separation), "layers": [layer.name for layer in vae.layers],
    }


if __name__ == "__main__":
    print(run())
