"""Tensor and Variable: the values that flow through minikeras.

A ``Tensor`` wraps exactly one ``numpy.ndarray`` and never changes it. Every
differentiable operation takes Tensors (or things that become Tensors: NumPy arrays,
Python numbers, nested lists) and returns a new Tensor; when a ``GradientTape`` is
recording, the operation is written on the tape so that ``tape.gradient`` can replay it
backwards (see ``minikeras/tape.py`` and ``minikeras/ops/base.py``).

A ``Variable`` is a Tensor whose value can be replaced with ``assign``: layer weights
are Variables. Trainable Variables read inside a tape are watched automatically.

Dtypes follow TensorFlow: Python numbers and lists become ``K.floatx()`` (float32 by
default), NumPy arrays keep their dtype, so float64 inputs stay float64 end to end.
"""
import numpy as np

from minikeras import config

__all__ = ["Tensor", "Variable", "as_tensor"]


class Tensor:
    """An immutable n-dimensional array that operations can record on a tape.

    Args:
        value: array-like. NumPy arrays keep their dtype; Python floats and lists of
            floats become ``K.floatx()``; integers and booleans stay as they are.
        dtype: optional dtype to cast to.
        name: optional name, shown in ``repr`` and by the teaching tools.

    Example:
        >>> t = Tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> t.shape, t.dtype
        ((2, 2), dtype('float32'))
        >>> (t * 2).numpy()[0]
        array([2., 4.], dtype=float32)
    """

    # ``_keras_mask``: the boolean (batch, timesteps) mask a layer attached to its output.
    __slots__ = ("_value", "name", "_keras_mask", "__weakref__")
    # Make NumPy defer to our operators in ``ndarray + Tensor``.
    __array_priority__ = 1000

    def __init__(self, value, dtype=None, name=None):
        self._value = _to_array(value, dtype)
        self.name = name
        self._keras_mask = None

    # --- what a Tensor is ----------------------------------------------------------------
    @property
    def shape(self):
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def size(self):
        return self._value.size

    def numpy(self):
        """The value as a NumPy array (read-only: do not modify it in place)."""
        return self._value

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._value.dtype:
            return self._value.astype(dtype)
        if copy:
            return self._value.copy()
        return self._value

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(self._value.shape[0]))

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __bool__(self):
        return bool(self._value)

    def __format__(self, spec):
        """``f"{metric.result():.2f}"``: a scalar Tensor formats as its number (as TensorFlow's
        and JAX's do); without a format spec, the repr."""
        if not spec:
            return str(self)
        return format(self._value[()] if self._value.ndim == 0 else self._value, spec)

    def __repr__(self):
        kind = type(self).__name__
        name = f", name={self.name!r}" if self.name else ""
        body = np.array2string(self._value, separator=", ", threshold=20, edgeitems=2)
        return f"<{kind} shape={self.shape} dtype={self.dtype}{name}\n{body}>"

    # Tensors are compared by value with ==, so they cannot hash by value; hash by identity
    # so that they can still be keys of the tape's bookkeeping dicts.
    __hash__ = object.__hash__

    # --- operators: each one is a recorded operation from minikeras.ops ------------------
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __pow__(self, other):
        return _ops().power(self, other)

    def __rpow__(self, other):
        return _ops().power(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().abs(self)

    def __getitem__(self, index):
        if self._value.dtype.kind in "biu":  # integer data (a shape, labels): not differentiable,
            return Tensor(self._value[index])  # and it keeps its dtype (K.shape(x)[0] is an int)
        return _ops().getitem(self, index)

    # Comparisons are not differentiable: they return boolean Tensors off the tape.
    def __eq__(self, other):
        return Tensor(self._value == _value_of(other))

    def __ne__(self, other):
        return Tensor(self._value != _value_of(other))

    def __lt__(self, other):
        return Tensor(self._value < _value_of(other))

    def __le__(self, other):
        return Tensor(self._value <= _value_of(other))

    def __gt__(self, other):
        return Tensor(self._value > _value_of(other))

    def __ge__(self, other):
        return Tensor(self._value >= _value_of(other))

    # --- a few NumPy-style conveniences ---------------------------------------------------
    @property
    def T(self):
        return _ops().transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _ops().reshape(self, shape)

    def sum(self, axis=None, keepdims=False):
        return _ops().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops().mean(self, axis=axis, keepdims=keepdims)

    def astype(self, dtype):
        return _ops().cast(self, dtype)


class Variable(Tensor):
    """A Tensor whose value can be changed: the weights of layers.

    Two spellings (keywords make them the same):

    * ``Variable(value, trainable=True, name=None, dtype=None)``, as minikeras always had;
    * Keras 3's ``Variable(initializer=..., shape=..., dtype=None, trainable=True, name=None)``,
      where ``initializer`` is a name (``'zeros'``, ``'glorot_uniform'``), an ``Initializer``
      or a function ``(shape, dtype)``; a value given as ``initializer`` is the value.

    Args:
        value: the initial value (array-like; Python numbers become ``K.floatx()``).
        trainable: whether tapes watch it automatically and optimizers update it.
        name: optional name (layers name their weights ``kernel``, ``bias``, ...).
        dtype: optional dtype to cast the value to (floatx for an initializer).
        initializer, shape: Keras 3's way to give the initial value.

    ``assign`` replaces the value with a new array of the same shape and dtype, so a
    Tensor computed from the old value keeps the old value.

    Raises:
        ValueError: with neither a value nor an initializer, or an initializer without a shape.

    Example:
        >>> v = Variable([1.0, 2.0], name="w")
        >>> v.assign_sub([0.5, 0.5]).numpy()
        array([0.5, 1.5], dtype=float32)
        >>> Variable(initializer="ones", shape=(2,), name="b").numpy()
        array([1., 1.], dtype=float32)
    """

    __slots__ = ("trainable", "constraint", "regularizer")

    def __init__(self, value=None, trainable=True, name=None, dtype=None, constraint=None, initializer=None,
                 shape=None, autocast=True, aggregation="none"):
        value = _initial_value(value, initializer, shape, dtype)
        super().__init__(value, dtype=dtype, name=name)
        self._value = np.array(self._value)  # a private copy: the caller's array stays theirs
        self.trainable = bool(trainable)
        self.constraint = constraint
        self.regularizer = None

    def assign(self, value):
        """Replace the value; ``value`` must have the Variable's shape. Returns self."""
        new = np.array(_value_of(value), dtype=self._value.dtype)
        if new.shape != self._value.shape:
            raise ValueError(
                f"Variable {self.name or ''!s}: cannot assign a value of shape {new.shape} "
                f"to a variable of shape {self._value.shape}."
            )
        self._value = new
        return self

    @property
    def value(self):
        """Keras 3's ``variable.value``: the variable itself, a Tensor (so that a tape that
        watches the variable still sees it used); ``.numpy()`` gives a copy of the array."""
        return self

    def assign_add(self, delta):
        return self.assign(self._value + _value_of(delta))

    def assign_sub(self, delta):
        return self.assign(self._value - _value_of(delta))

    def __repr__(self):
        return super().__repr__().replace("<Variable", f"<Variable trainable={self.trainable}", 1)


def _initial_value(value, initializer, shape, dtype):
    """The initial value of a Variable from either spelling (see ``Variable``)."""
    if value is not None and initializer is not None:
        raise ValueError("Variable: received both a value and an initializer; give one of them.")
    source = initializer if initializer is not None else value
    if source is None:
        raise ValueError(
            "Variable: expected a value (Variable(value)) or an initializer and a shape "
            f"(Variable(initializer='zeros', shape=(2, 3))); received neither (shape={shape!r}).")
    if isinstance(source, (str, dict)) or (callable(source) and not isinstance(source, Tensor)):
        if shape is None:
            raise ValueError(
                f"Variable: the initializer {source!r} needs a shape (Variable(initializer=..., shape=...)); "
                "received shape=None.")
        from minikeras import initializers

        shape = tuple(int(n) for n in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
        return np.asarray(initializers.get(source)(shape, dtype=str(np.dtype(dtype or config.floatx()))))
    if shape is not None and tuple(np.shape(_value_of(source))) != tuple(shape):
        raise ValueError(f"Variable: the value has shape {np.shape(_value_of(source))}, but shape={tuple(shape)} "
                         "was given.")
    return source


def as_tensor(value, dtype=None):
    """Return ``value`` as a Tensor (itself if it already is one of that dtype)."""
    if isinstance(value, Tensor):
        if dtype is None or value.dtype == np.dtype(dtype):
            return value
        return _ops().cast(value, dtype)
    return Tensor(value, dtype=dtype)


def _to_array(value, dtype):
    if isinstance(value, Tensor):
        value = value._value
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, np.generic):
        array = np.asarray(value)
    else:
        array = np.asarray(value)
        # Python floats (and lists of them) default to floatx, as in TensorFlow.
        if array.dtype == np.float64:
            array = array.astype(config.floatx())
        elif array.dtype == object:
            raise TypeError(f"Cannot make a Tensor from {type(value).__name__}: {value!r:.80}")
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def _value_of(x):
    return x._value if isinstance(x, Tensor) else x


def _ops():
    # Imported lazily: minikeras.ops builds on this module.
    from minikeras import ops

    return ops
