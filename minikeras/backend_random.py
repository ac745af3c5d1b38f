"""Random tensors of the backend: ``K.random_normal``, ``K.random_uniform``,
``K.random_binomial``, ``K.truncated_normal``.

A variational autoencoder draws its noise with one of them inside a ``Lambda``::

    def sampling(args):
        z_mean, z_log_var = args
        epsilon = K.random_normal(shape=(K.shape(z_mean)[0], K.int_shape(z_mean)[1]))
        return z_mean + K.exp(0.5 * z_log_var) * epsilon

Example:
    >>> import numpy as np
    >>> random_uniform((2, 3), seed=1).shape
    (2, 3)
    >>> float(random_binomial((1000,), p=1.0, seed=2).numpy().mean())
    1.0
"""
import numpy as np

from minikeras.config import floatx
from minikeras.tensor import Tensor

__all__ = ["random_normal", "random_uniform", "random_binomial", "truncated_normal", "concrete_shape"]


# ``shape`` may hold run-time sizes: in a Lambda, ``K.shape(x)[0]`` is the batch size of the
# data, so the VAE's ``K.random_normal(shape=(K.shape(z_mean)[0], latent_dim))`` draws one row
# per sample. Without a seed the draws follow NumPy's global state (``np.random.seed``), as
# the initializers and Dropout do.
def _random_generator(seed):
    return np.random.default_rng(np.random.randint(2**31 - 1) if seed is None else seed)


def concrete_shape(shape, function):
    """``shape`` as a tuple of ints; its sizes may be ints or integer Tensors (run-time sizes)."""
    sizes = shape.numpy().tolist() if isinstance(shape, Tensor) else shape
    try:
        sizes = [int(np.asarray(n)) for n in (sizes if isinstance(sizes, (list, tuple)) else [sizes])]
    except (TypeError, ValueError):
        raise ValueError(f"{function}: shape must be a tuple of integers, received {shape!r}.") from None
    if any(n < 0 for n in sizes):
        raise ValueError(f"{function}: shape must not have negative sizes, received {tuple(sizes)}.")
    return tuple(sizes)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of a normal distribution ``N(mean, stddev**2)``, as a Tensor of ``shape``."""
    rng = _random_generator(seed)
    values = rng.normal(mean, stddev, size=concrete_shape(shape, "random_normal"))
    return Tensor(values.astype(dtype or floatx()))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on ``[minval, maxval)``."""
    rng = _random_generator(seed)
    values = rng.uniform(minval, maxval, size=concrete_shape(shape, "random_uniform"))
    return Tensor(values.astype(dtype or floatx()))


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Ones with probability ``p`` and zeros otherwise (Keras 2's Bernoulli draws)."""
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"random_binomial: p must be in [0, 1], received {p}.")
    rng = _random_generator(seed)
    values = rng.uniform(0.0, 1.0, size=concrete_shape(shape, "random_binomial")) < float(p)
    return Tensor(values.astype(dtype or floatx()))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations of the mean."""
    rng = _random_generator(seed)
    size = concrete_shape(shape, "truncated_normal")
    values = rng.normal(0.0, 1.0, size=size)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.normal(0.0, 1.0, size=int(outside.sum()))
        outside = np.abs(values) > 2.0
    return Tensor((mean + stddev * values).astype(dtype or floatx()))
