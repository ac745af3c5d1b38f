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
or None (the global state). Keras 3's functions (``normal``, ``uniform``, ...) take the
same three kinds of ``seed`` and are to be written on ``generator``.

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
"""
import random as _python_random

import numpy as np

__all__ = ["SeedGenerator", "set_random_seed", "next_seed", "generator", "shuffle_in_place"]

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
