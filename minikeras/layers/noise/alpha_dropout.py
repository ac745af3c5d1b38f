"""AlphaDropout: dropout that keeps the mean and variance of self-normalising (SELU) inputs."""
import numpy as np

from minikeras.layers.base_layer import Layer
from minikeras.layers.noise._random import checked_rate, checked_seed, generator, rng_of
from minikeras.ops.nn import SELU_ALPHA, SELU_SCALE
from minikeras.tensor import Tensor

__all__ = ["AlphaDropout"]


class AlphaDropout(Layer):
    """Applies Alpha Dropout to the input (active only in training).

    Dropped elements are set to SELU's negative saturation value
    ``alpha' = -scale * alpha`` (about -1.758) instead of 0, then an affine map restores
    the mean 0 and variance 1 that a SELU network keeps (Klambauer et al., 2017)::

        keep ~ Bernoulli(1 - rate)
        a = ((1 - rate) * (1 + rate * alpha'**2)) ** -0.5
        b = -a * alpha' * rate
        output = a * (x * keep + alpha' * (1 - keep)) + b

    so ``dy/dx = a * keep``. At inference the layer is the identity.

    Args:
        rate: float in ``[0, 1)``, the drop probability.
        noise_shape: optional shape of the keep mask, broadcast against the input
            (``None`` entries take the input's size).
        seed: optional int for a reproducible sequence of masks.
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a rate outside ``[0, 1)``, a ``noise_shape`` that does not
            broadcast to the input, or a ``seed`` that is not an int.

    Example:
        >>> import numpy as np
        >>> layer = AlphaDropout(0.2, seed=1)
        >>> layer(np.ones((1, 2))).numpy()          # inference: unchanged
        array([[1., 1.]], dtype=float32)
        >>> y = layer(np.random.default_rng(0).standard_normal((300, 300)), training=True).numpy()
        >>> abs(float(y.mean())) < 0.03, abs(float(y.std()) - 1) < 0.03
        (True, True)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = checked_rate(self, rate)
        if noise_shape is not None:
            if not isinstance(noise_shape, (list, tuple)) or not all(
                n is None or (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0)
                for n in noise_shape
            ):
                raise ValueError(
                    f"AlphaDropout {self.name!r}: `noise_shape` must be a tuple of positive ints "
                    f"or None entries, received noise_shape={noise_shape!r}."
                )
            noise_shape = tuple(None if n is None else int(n) for n in noise_shape)
        self.noise_shape = noise_shape
        self.seed = checked_seed(self, seed)
        self._rng = generator(self.seed)
        self.supports_masking = True

    def _mask_shape(self, inputs):
        if self.noise_shape is None:
            return inputs.shape
        if len(self.noise_shape) != inputs.ndim or any(
            n is not None and n not in (1, size) for n, size in zip(self.noise_shape, inputs.shape)
        ):
            raise ValueError(
                f"AlphaDropout {self.name!r}: noise_shape {self.noise_shape} does not broadcast to "
                f"the input shape {tuple(inputs.shape)} (each entry must be None, 1 or the input's size)."
            )
        return tuple(size if n is None else n for n, size in zip(self.noise_shape, inputs.shape))

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        alpha_p = -SELU_ALPHA * SELU_SCALE
        keep = (rng_of(self).random(self._mask_shape(inputs)) >= self.rate).astype(inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        scale = (a * keep).astype(inputs.dtype)
        shift = (a * alpha_p * (1 - keep) + b).astype(inputs.dtype)
        return inputs * Tensor(scale) + Tensor(shift)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        return {**super().get_config(), **config}
