"""What the noise layers share: checked ``rate``/``seed`` arguments and their random stream."""
import numpy as np

__all__ = ["checked_rate", "checked_seed", "generator", "rng_of"]


def checked_rate(layer, rate, argument="rate"):
    """``rate`` as a float in ``[0, 1)``, or a ``ValueError`` naming the layer."""
    number = isinstance(rate, (int, float, np.integer, np.floating)) and not isinstance(rate, bool)
    if not number or not 0 <= rate < 1:
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r}: `{argument}` must be a float in [0, 1), "
            f"received {argument}={rate!r}."
        )
    return float(rate)


def checked_seed(layer, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r}: `seed` must be None or an int, received seed={seed!r}."
        )
    return None if seed is None else int(seed)


def generator(seed):
    """A seeded NumPy Generator (reproducible sequence of draws), or one drawn from the
    global NumPy state when ``seed`` is None (so ``np.random.seed`` makes runs repeatable)."""
    if seed is not None:
        return np.random.default_rng(seed)
    return None


def rng_of(layer):
    return layer._rng if layer._rng is not None else np.random.default_rng(np.random.randint(2**31 - 1))
