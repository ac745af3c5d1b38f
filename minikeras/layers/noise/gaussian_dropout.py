"""GaussianDropout: multiply the input by normal noise of mean 1 while training."""
import numpy as np

from minikeras.layers.base_layer import Layer
from minikeras.layers.noise._random import checked_rate, checked_seed, generator, rng_of
from minikeras.tensor import Tensor

__all__ = ["GaussianDropout"]


class GaussianDropout(Layer):
    """Apply multiplicative 1-centered Gaussian noise (active only in training).

    While training, ``output = x * n`` with ``n`` drawn from ``N(1, rate / (1 - rate))``
    for every element: the same mean and variance as (inverted) dropout of ``rate``,
    without zeros. At inference the layer is the identity. ``dy/dx = n``.

    Args:
        rate: float in ``[0, 1)``, the drop probability of the equivalent dropout.
        seed: optional int for a reproducible sequence of noise (minikeras' addition).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a rate outside ``[0, 1)``, or a ``seed`` that is not an int.

    Example:
        >>> import numpy as np
        >>> layer = GaussianDropout(0.5, seed=0)
        >>> layer(np.ones((1, 2))).numpy()          # inference: unchanged
        array([[1., 1.]], dtype=float32)
        >>> y = layer(np.ones((200, 200)), training=True).numpy()
        >>> abs(float(y.mean()) - 1) < 0.02, abs(float(y.std()) - 1) < 0.02
        (True, True)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = checked_rate(self, rate)
        self.seed = checked_seed(self, seed)
        self._rng = generator(self.seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = np.sqrt(self.rate / (1.0 - self.rate))
        noise = rng_of(self).normal(1.0, stddev, size=inputs.shape).astype(inputs.dtype)
        return inputs * Tensor(noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
