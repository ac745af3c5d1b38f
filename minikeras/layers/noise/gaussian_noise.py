"""GaussianNoise: add zero-centred normal noise to the input while training."""
import numpy as np

from minikeras.layers.base_layer import Layer
from minikeras.layers.noise._random import checked_seed, generator, rng_of
from minikeras.tensor import Tensor

__all__ = ["GaussianNoise"]


class GaussianNoise(Layer):
    """Apply additive zero-centered Gaussian noise (a regularizer, active only in training).

    While training (``training=True``, i.e. in ``fit``), ``output = x + n`` with ``n``
    drawn from ``N(0, stddev**2)`` for every element; at inference the layer is the
    identity. The gradient with respect to the input is 1.

    Args:
        stddev: float >= 0, the standard deviation of the noise.
        seed: optional int for a reproducible sequence of noise (minikeras' addition;
            without it, NumPy's global random state is used).
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a negative or non-numeric ``stddev``, or a ``seed`` that is not an int.

    Example:
        >>> import numpy as np
        >>> layer = GaussianNoise(0.1, seed=0)
        >>> layer(np.zeros((1, 3))).numpy()          # inference: unchanged
        array([[0., 0., 0.]], dtype=float32)
        >>> float(np.std(layer(np.zeros((100, 100)), training=True).numpy())) < 0.11
        True
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        number = isinstance(stddev, (int, float, np.integer, np.floating)) and not isinstance(stddev, bool)
        if not number or not 0 <= stddev < float("inf"):
            raise ValueError(
                f"GaussianNoise {self.name!r}: `stddev` must be a non-negative number, "
                f"received stddev={stddev!r}."
            )
        self.stddev = float(stddev)
        self.seed = checked_seed(self, seed)
        self._rng = generator(self.seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = rng_of(self).normal(0.0, self.stddev, size=inputs.shape).astype(inputs.dtype)
        return inputs + Tensor(noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
