"""Weight initializers: how a layer fills its kernels and biases before training.

An initializer is an object called as ``init(shape, dtype=None)`` that returns a NumPy
array of that shape (``dtype`` defaults to ``K.floatx()``). Layers take one by name
(``kernel_initializer="he_normal"``), as an instance (``RandomNormal(stddev=0.1)``) or as
any function of ``(shape, dtype=None)``; ``get`` makes the difference disappear.

The numbers follow Keras 2:

* ``RandomNormal(0, 0.05)``, ``RandomUniform(-0.05, 0.05)``, ``TruncatedNormal(0, 0.05)``
  (values beyond two standard deviations are drawn again).
* ``VarianceScaling(scale, mode, distribution)`` draws with variance ``scale / n`` where
  ``n`` is ``fan_in``, ``fan_out`` or their mean. For a dense kernel ``(in, out)``,
  ``fan_in = in`` and ``fan_out = out``; for a convolution kernel ``(*k, in, out)`` both
  are multiplied by the receptive field ``prod(k)``. ``distribution="normal"`` is a
  truncated normal whose standard deviation is divided by 0.87962566103423978, the
  standard deviation of a unit normal truncated to [-2, 2], so that the variance after
  truncation is the intended one; ``"uniform"`` uses the limit ``sqrt(3 * scale / n)``.
* Glorot (Xavier), He and LeCun initializers are ``VarianceScaling`` with
  ``(1, fan_avg)``, ``(2, fan_in)`` and ``(1, fan_in)``.

Randomness: with a ``seed`` every call returns the same numbers (an initializer is a
reproducible recipe). Without one, the numbers come from the global seed state of
``minikeras.random`` (NumPy's global random state), so ``minikeras.utils.set_random_seed(n)``
or ``np.random.seed(n)`` at the top of a script makes all of its weights reproducible.
"""
import math

import numpy as np

from minikeras import config
from minikeras.utils.generic_utils import (
    get_keras_object, instantiate_keras_object, serialize_keras_object,
)

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "Orthogonal", "Identity", "LecunUniform",
    "LecunNormal", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "orthogonal", "identity", "lecun_uniform", "lecun_normal",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "get", "serialize", "deserialize",
]

# The standard deviation of a unit normal truncated to [-2, 2]:
# scipy.stats.truncnorm.std(a=-2, b=2) = 0.87962566103423978.
_TRUNCATED_NORMAL_STD = 0.87962566103423978


class Initializer:
    """The base class: ``__call__(shape, dtype=None)`` returns a NumPy array."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__}.__call__")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config_dict):
        config_dict = dict(config_dict)
        config_dict.pop("dtype", None)  # older configs stored it; it is a call argument
        return cls(**config_dict)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_check_shape(shape, self), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(_check_shape(shape, self), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every element equal to ``value`` (a number, or an array broadcast to the shape)."""

    def __init__(self, value=0):
        try:
            np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"Constant: `value` must be a number or an array of numbers, received {value!r}.") from None
        self.value = value.tolist() if isinstance(value, np.ndarray) else value

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, self)
        value = np.asarray(self.value, dtype=_dtype(dtype))
        try:
            return np.array(np.broadcast_to(value, shape))
        except ValueError:
            raise ValueError(
                f"Constant initializer: the value of shape {value.shape} cannot fill a weight "
                f"of shape {shape}."
            ) from None

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal distribution with ``mean`` and ``stddev`` (Keras 2 defaults 0 and 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = _number(mean, "mean", self)
        self.stddev = _number(stddev, "stddev", self, minimum=0.0)
        self.seed = _seed(seed, self)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, self), _float_dtype(dtype, self)
        return _generator(self.seed).normal(self.mean, self.stddev, shape).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform distribution on ``[minval, maxval)`` (Keras 2 defaults -0.05 and 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = _number(minval, "minval", self)
        self.maxval = _number(maxval, "maxval", self)
        if self.minval > self.maxval:
            raise ValueError(
                f"RandomUniform: minval ({minval}) must not be larger than maxval ({maxval})."
            )
        self.seed = _seed(seed, self)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, self), _float_dtype(dtype, self)
        return _generator(self.seed).uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal distribution whose values beyond 2 ``stddev`` from the mean are drawn again.

    Defaults (Keras 2): ``mean=0``, ``stddev=0.05``. Note that the standard deviation of
    the result is about ``0.88 * stddev``: the truncation removes the tails.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = _number(mean, "mean", self)
        self.stddev = _number(stddev, "stddev", self, minimum=0.0)
        self.seed = _seed(seed, self)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, self), _float_dtype(dtype, self)
        unit = _truncated_unit_normal(_generator(self.seed), shape)
        return (self.mean + self.stddev * unit).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draw with a variance of ``scale / n``, ``n`` set by ``mode`` from the weight's fans.

    Args:
        scale: positive float.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"`` (their mean).
        distribution: ``"normal"`` (a truncated normal, as Keras 2; ``"truncated_normal"``
            is the same), ``"untruncated_normal"`` or ``"uniform"``.
        seed: an int for reproducible numbers, or None.
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("normal", "truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        name = type(self).__name__
        self.scale = _number(scale, "scale", self)
        if not self.scale > 0:
            raise ValueError(f"{name}: `scale` must be a positive float, received {scale!r}.")
        mode_key = mode.lower() if isinstance(mode, str) else mode
        if mode_key not in self._MODES:
            raise ValueError(
                f"{name}: `mode` must be one of {', '.join(map(repr, self._MODES))}, received {mode!r}."
            )
        distribution_key = distribution.lower() if isinstance(distribution, str) else distribution
        if distribution_key not in self._DISTRIBUTIONS:
            raise ValueError(
                f"{name}: `distribution` must be one of {', '.join(map(repr, self._DISTRIBUTIONS))}, "
                f"received {distribution!r}."
            )
        self.mode = mode_key
        self.distribution = distribution_key
        self.seed = _seed(seed, self)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, self), _float_dtype(dtype, self)
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        rng = _generator(self.seed)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(variance) / _TRUNCATED_NORMAL_STD
            values = stddev * _truncated_unit_normal(rng, shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)  # the variance of U(-a, a) is a**2 / 3
            values = rng.uniform(-limit, limit, shape)
        return values.astype(dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _NamedVarianceScaling(VarianceScaling):
    """A ``VarianceScaling`` with fixed settings; only ``seed`` is configurable."""

    _settings = None  # (scale, mode, distribution)

    def __init__(self, seed=None):
        scale, mode, distribution = self._settings
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunUniform(_NamedVarianceScaling):
    """Uniform on ``[-limit, limit]``, ``limit = sqrt(3 / fan_in)``."""

    _settings = (1.0, "fan_in", "uniform")


class LecunNormal(_NamedVarianceScaling):
    """Truncated normal with ``stddev = sqrt(1 / fan_in) / 0.8796...``."""

    _settings = (1.0, "fan_in", "normal")


class GlorotUniform(_NamedVarianceScaling):
    """Glorot (Xavier) uniform: ``limit = sqrt(6 / (fan_in + fan_out))``."""

    _settings = (1.0, "fan_avg", "uniform")


class GlorotNormal(_NamedVarianceScaling):
    """Glorot (Xavier) normal: truncated, ``stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796...``."""

    _settings = (1.0, "fan_avg", "normal")


class HeUniform(_NamedVarianceScaling):
    """He uniform: ``limit = sqrt(6 / fan_in)``."""

    _settings = (2.0, "fan_in", "uniform")


class HeNormal(_NamedVarianceScaling):
    """He normal: truncated, ``stddev = sqrt(2 / fan_in) / 0.8796...``."""

    _settings = (2.0, "fan_in", "normal")


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Saxe et al., 2014).

    The weight is seen as a matrix ``(prod(shape[:-1]), shape[-1])``; the orthogonal
    factor of the SVD of a Gaussian matrix of that shape has orthonormal columns (or
    rows, when it is wide), and is reshaped back.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = _number(gain, "gain", self)
        self.seed = _seed(seed, self)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, self), _float_dtype(dtype, self)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer: the weight must have at least 2 dimensions, "
                f"received shape {shape}."
            )
        flat_shape = (int(np.prod(shape[:-1])), shape[-1])
        gaussian = _generator(self.seed).normal(0.0, 1.0, flat_shape)
        u, _, vt = np.linalg.svd(gaussian, full_matrices=False)
        q = u if u.shape == flat_shape else vt  # whichever has the weight's shape
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix; only for square 2-D weights (as Keras 2)."""

    def __init__(self, gain=1.0):
        self.gain = _number(gain, "gain", self)

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, self)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(
                "Identity initializer can only be used for 2-D square matrices, "
                f"received shape {shape}."
            )
        return (self.gain * np.eye(shape[0])).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


def compute_fans(shape, data_format="channels_last"):
    """``(fan_in, fan_out)`` of a weight of ``shape``, as Keras 2 computes them.

    * ``(in, out)``: ``(in, out)``.
    * a convolution kernel of rank 3 to 5: with ``channels_last`` (minikeras' kernels,
      ``(*kernel_size, in, out)``) ``receptive_field = prod(kernel_size)`` and the fans
      are ``in * receptive_field`` and ``out * receptive_field``; with
      ``channels_first`` (``(out, in, *kernel_size)``) the same from the other end.
    * anything else (a bias, a 6-D weight): ``sqrt(prod(shape))`` for both.
    """
    shape = tuple(shape)
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    if len(shape) in (3, 4, 5):
        if data_format == "channels_first":
            receptive_field = float(np.prod(shape[2:]))
            return shape[1] * receptive_field, shape[0] * receptive_field
        receptive_field = float(np.prod(shape[:-2]))
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    fan = math.sqrt(float(np.prod(shape)))
    return fan, fan


# --- helpers ---------------------------------------------------------------------------------
def _generator(seed):
    """A NumPy Generator: seeded, or drawn from the global state (see the module docstring)."""
    from minikeras import random

    return random.generator(seed)


def _truncated_unit_normal(rng, shape):
    """Unit normal samples with every value outside [-2, 2] drawn again until none is left."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():  # about 4.6 % of the draws each round, so a few rounds at most
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return values


def _check_shape(shape, initializer):
    given = shape
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if shape is None or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise ValueError(
            f"{type(initializer).__name__}: `shape` must be a tuple of non-negative ints, "
            f"received {given!r}."
        )
    return tuple(int(n) for n in shape)


def _dtype(dtype):
    return np.dtype(dtype or config.floatx())


def _float_dtype(dtype, initializer):
    dtype = _dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(
            f"{type(initializer).__name__}: random values need a float dtype, received {dtype}."
        )
    return dtype


def _number(value, name, initializer, minimum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(
            f"{type(initializer).__name__}: `{name}` must be a number, received {value!r}."
        )
    if minimum is not None and value < minimum:
        raise ValueError(
            f"{type(initializer).__name__}: `{name}` must be >= {minimum}, received {value!r}."
        )
    return float(value)


def _seed(seed, initializer):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"{type(initializer).__name__}: `seed` must be None or a non-negative int, "
            f"received {seed!r}."
        )
    return int(seed)


# --- lookup by name ----------------------------------------------------------------------------
# Keras 2's snake_case names are aliases of the classes: ``glorot_uniform(seed=1)`` works.
zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
orthogonal = Orthogonal
identity = Identity
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal

_CLASSES = {cls.__name__: cls for cls in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    Orthogonal, Identity, LecunUniform, LecunNormal, GlorotUniform, GlorotNormal, HeUniform,
    HeNormal,
)}
_ALIASES = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "orthogonal": Orthogonal, "identity": Identity,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
}
_BY_NAME = {**_CLASSES, **_ALIASES}


def serialize(initializer):
    """``{"class_name": ..., "config": {...}}`` for an Initializer; a function's name otherwise."""
    return serialize_keras_object(initializer, Initializer, "initializer")


def deserialize(config_dict, custom_objects=None):
    """An initializer from a name or a ``{"class_name", "config"}`` dict."""
    return instantiate_keras_object(
        config_dict, _BY_NAME, custom_objects, kind="initializer",
        expected=f"{', '.join(sorted(_ALIASES))} (or a class name such as 'GlorotUniform')",
    )


def get(identifier):
    """Turn ``identifier`` into an initializer.

    Args:
        identifier: a name (``"glorot_uniform"`` or ``"GlorotUniform"``), a serialized
            dict, an ``Initializer`` or any callable ``(shape, dtype=None) -> array``
            (returned unchanged).

    Raises:
        ValueError: for an unknown name, None (a weight needs an initializer) or an
            object that is not callable.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None)
        >>> get({"class_name": "RandomUniform", "config": {"minval": 0, "maxval": 1}})(2).shape
        (2,)
    """
    return get_keras_object(identifier, Initializer, deserialize, "initializer",
                            expected="a name, a serialized dict, an Initializer or a callable")
