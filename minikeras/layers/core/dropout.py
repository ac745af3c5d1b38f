"""Dropout: randomly zero a fraction of the inputs while training."""
import numpy as np

from minikeras import random as minikeras_random
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.ops.nn import dropout_mask_apply
from minikeras.tensor import Tensor

__all__ = ["Dropout"]


class Dropout(Layer):
    """Applies (inverted) dropout to the input.

    While training, each element is set to 0 with probability ``rate`` and the kept ones
    are multiplied by ``1 / (1 - rate)``, so that the expected value of every element is
    unchanged; at inference (``training=None`` or ``False``) the layer is the identity.

    Args:
        rate: float in ``[0, 1)``, the fraction of the inputs to drop.
        noise_shape: optional shape of the random keep/drop mask, broadcast against the
            input: ``(batch, 1, features)`` on a ``(batch, timesteps, features)`` input
            drops the same features at every timestep. ``None`` entries take the input's
            size.
        seed: optional int: the sequence of masks is then reproducible. Without it the
            masks come from the global seed state of ``minikeras.random``.
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: the same.

    Raises:
        ValueError: for a rate outside ``[0, 1)``, or a ``noise_shape`` that does not
            broadcast to the input.

    Example:
        >>> import numpy as np
        >>> layer = Dropout(0.5, seed=0)
        >>> float(layer(np.ones((1, 1000)), training=True).numpy().mean()) > 0.9
        True
        >>> layer(np.ones((1, 3))).numpy()  # inference: the identity
        array([[1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
                or not 0 <= rate < 1:
            raise ValueError(
                f"{kind} {self.name!r}: `rate` must be a float in [0, 1), received {rate!r}."
            )
        if noise_shape is not None:
            if not isinstance(noise_shape, (list, tuple)) or not all(
                n is None or (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0)
                for n in noise_shape
            ):
                raise ValueError(
                    f"{kind} {self.name!r}: `noise_shape` must be a tuple of positive ints "
                    f"or None entries, received {noise_shape!r}."
                )
            noise_shape = tuple(None if n is None else int(n) for n in noise_shape)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{kind} {self.name!r}: `seed` must be None or an int, received {seed!r}.")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = None if seed is None else int(seed)
        self._rng = minikeras_random.generator(self.seed) if seed is not None else None
        self.supports_masking = True
        self.input_spec = InputSpec()  # any rank, but one input

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        rng = self._rng if self._rng is not None else minikeras_random.generator()
        shape = self._noise_shape(inputs)
        # One random 32-bit integer per element (half a raw 64-bit draw): an element is kept
        # when it is >= rate * 2**32, i.e. with probability 1 - rate. Cheaper than drawing
        # doubles, comparing them and casting the result (10 ms a step for the MNIST CNN).
        size = int(np.prod(shape))
        bits = rng.bit_generator.random_raw((size + 1) // 2).view(np.uint32)[:size].reshape(shape)
        threshold = round(self.rate * 2**32)
        # Inverted dropout: scale at training time so that inference needs no change.
        scale = np.asarray(1, inputs.dtype) / np.asarray(1.0 - self.rate, dtype=inputs.dtype)
        if shape == tuple(inputs.shape):
            return dropout_mask_apply(inputs, bits, threshold, scale)
        return inputs * Tensor(np.where(bits >= threshold, scale, np.zeros((), inputs.dtype)))

    def _noise_shape(self, inputs):
        """The shape of the keep/drop mask for ``inputs`` (broadcast by the multiplication)."""
        if self.noise_shape is None:
            return inputs.shape
        if len(self.noise_shape) != inputs.ndim or any(
            n is not None and n not in (1, size) for n, size in zip(self.noise_shape, inputs.shape)
        ):
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: noise_shape {self.noise_shape} does not "
                f"broadcast to the input shape {tuple(inputs.shape)} (each entry must be None, "
                "1 or the input's size)."
            )
        return tuple(size if n is None else n for n, size in zip(self.noise_shape, inputs.shape))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        return {**super().get_config(), **config}
