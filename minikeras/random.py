"""minikeras.random: the one source of randomness in minikeras.

Initializers, dropout masks (``Dropout``, ``SpatialDropout*``) and the shuffling in
``fit`` all draw here, so one call makes a whole script reproducible:

    minikeras.utils.set_random_seed(42)     # or minikeras.random.set_random_seed(42)

The global seed state is NumPy's global random state, as it has always been in minikeras
(and in Keras 2, whose ``fit`` shuffles with ``np.random``): ``np.random.seed(42)`` at the
top of a script works just as well, and gives the same batches as Keras 2. Each random
draw takes a fresh seed from that state (``next_seed``) and makes its own NumPy
``Generator`` from it (``generator``), so the draws of one layer never depend on how many
numbers another layer used.

A ``SeedGenerator`` is a seed state of its own, as in Keras 3: ``generator(seed)`` accepts
an int (always the same numbers), a ``SeedGenerator`` (a new, reproducible stream of seeds)
or None (the global state). Keras 3's functions (``normal``, ``uniform``, ``truncated_normal``,
``randint``, ``dropout``, ``shuffle``, ``categorical``) take the same three kinds of ``seed``
and draw from ``generator``; they return Tensors (of ``config.floatx()`` unless ``dtype``).
Their numbers are NumPy's, not JAX's or TensorFlow's: the same seed gives the same numbers in
minikeras, not the same numbers as in Keras.

Example:
    >>> import numpy as np
    >>> set_random_seed(7)
    >>> a = generator().random(3)
    >>> set_random_seed(7)
    >>> bool(np.array_equal(a, generator().random(3)))
    True
    >>> seeds = SeedGenerator(1)
    >>> int(generator(seeds).integers(100)) == int(generator(SeedGenerator(1)).integers(100))
    True
    >>> normal((2, 3), seed=SeedGenerator(5)).shape, bool((uniform((4,), seed=3).numpy() < 1).all())
    ((2, 3), True)
"""
import random as _python_random

import numpy as np

__all__ = ["SeedGenerator", "set_random_seed", "next_seed", "generator", "shuffle_in_place",
           "normal", "uniform", "truncated_normal", "randint", "dropout", "shuffle", "categorical"]

SEED_LIMIT = 2**31 - 1


def set_random_seed(seed):
    """Seed every random draw of minikeras (and Python's ``random`` and NumPy's global state).

    Args:
        seed: a non-negative int.

    Raises:
        TypeError / ValueError: for a seed that is not an int, or a negative one.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"set_random_seed: `seed` must be an int, received {seed!r}.")
    if not 0 <= seed < 2**32:
        raise ValueError(f"set_random_seed: `seed` must be in [0, 2**32), received {seed}.")
    _python_random.seed(int(seed))
    np.random.seed(int(seed))


def next_seed():
    """A fresh seed in ``[0, 2**31 - 1)`` from the global seed state (NumPy's)."""
    return int(np.random.randint(0, SEED_LIMIT))


class SeedGenerator:
    """A seed state of its own: each ``next()`` gives a new seed, reproducibly.

    Args:
        seed: an int; None takes one from the global seed state.

    Example:
        >>> SeedGenerator(3).next() == SeedGenerator(3).next()
        True
    """

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"SeedGenerator: `seed` must be None or an int, received {seed!r}.")
        self.initial_seed = next_seed() if seed is None else int(seed)
        self._state = np.random.default_rng(self.initial_seed)

    def next(self):
        """The next seed of this stream."""
        return int(self._state.integers(0, SEED_LIMIT))

    def get_config(self):
        return {"seed": self.initial_seed}

    def __repr__(self):
        return f"SeedGenerator(seed={self.initial_seed})"


def generator(seed=None):
    """A NumPy ``Generator`` for one random draw.

    ``seed``: an int (the same numbers every time), a ``SeedGenerator`` (its next seed) or
    None (the next seed of the global state).
    """
    if seed is None:
        return np.random.default_rng(next_seed())
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next())
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be None, an int or a SeedGenerator, received {seed!r}.")
    return np.random.default_rng(int(seed))


def shuffle_in_place(array):
    """Shuffle ``array`` along its first axis with the global state (as Keras 2's ``fit``
    does with ``np.random.shuffle``, so that a NumPy seed gives Keras 2's batches)."""
    np.random.shuffle(array)


# --- Keras 3's keras.random -------------------------------------------------------------------
def _shape(shape, name):
    try:
        return tuple(int(n) for n in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    except (TypeError, ValueError):
        raise ValueError(f"random.{name}: shape must be a tuple of ints; received {shape!r}.") from None


def _tensor(values, dtype):
    from minikeras import config
    from minikeras.tensor import Tensor

    return Tensor(np.asarray(values, dtype=dtype or config.floatx()))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from the normal distribution ``N(mean, stddev**2)``."""
    return _tensor(generator(seed).normal(mean, stddev, _shape(shape, "normal")), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws from the uniform distribution on ``[minval, maxval)``."""
    return _tensor(generator(seed).uniform(minval, maxval, _shape(shape, "uniform")), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws, redrawn until each lies within two standard deviations of the mean."""
    rng, size = generator(seed), _shape(shape, "truncated_normal")
    values = rng.standard_normal(size)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return _tensor(mean + stddev * values, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return _tensor(generator(seed).integers(minval, maxval, _shape(shape, "randint")), dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with each entry set to 0 with probability ``rate``, the others scaled by
    ``1 / (1 - rate)`` (differentiable in ``inputs``).

    Raises:
        ValueError: unless ``0 <= rate < 1``.
    """
    from minikeras import ops
    from minikeras.tensor import as_tensor

    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"random.dropout: rate must be in [0, 1); received {rate!r}.")
    x = as_tensor(inputs)
    shape = x.shape if noise_shape is None else tuple(x.shape[i] if n is None else n for i, n in enumerate(noise_shape))
    keep = (generator(seed).random(shape) >= rate).astype(x.dtype) / (1.0 - float(rate))
    return ops.multiply(x, keep)


def shuffle(x, axis=0, seed=None):
    """A copy of ``x`` with its entries shuffled along ``axis``."""
    from minikeras.tensor import Tensor

    values = np.array(x.numpy() if isinstance(x, Tensor) else x)
    order = generator(seed).permutation(values.shape[axis])
    return Tensor(np.take(values, order, axis=axis))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """For each row of ``logits`` (batch, classes), ``num_samples`` classes drawn with
    probabilities ``softmax(logits)``: an integer Tensor of shape (batch, num_samples).

    Raises:
        ValueError: unless ``logits`` has rank 2.
    """
    from minikeras.tensor import Tensor

    logits = np.asarray(logits.numpy() if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"random.categorical: logits must have shape (batch, classes); received {logits.shape}.")
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    rng = generator(seed)
    draws = [rng.choice(logits.shape[1], size=int(num_samples), p=row) for row in probabilities]
    return Tensor(np.asarray(draws, dtype=dtype).reshape(len(logits), int(num_samples)))
