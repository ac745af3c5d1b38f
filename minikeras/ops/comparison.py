"""Comparisons and logic, as Keras 3's ``keras.ops``: boolean Tensors, not differentiable.

``equal``, ``not_equal``, ``greater``, ``greater_equal``, ``less``, ``less_equal`` compare
element by element with NumPy's broadcasting; ``logical_and``, ``logical_or``, ``logical_not``
combine truth values. On the symbolic tensors of a functional model each builds a graph node.

Example:
    >>> greater([1.0, 2.0, 3.0], 2.0).numpy()
    array([False, False,  True])
    >>> logical_and([True, True], [True, False]).numpy()
    array([ True, False])
"""
import numpy as np

from minikeras.dispatch import symbolic_aware
from minikeras.tensor import Tensor

__all__ = ["equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
           "logical_and", "logical_or", "logical_not", "broadcast_shapes"]


def _array(x):
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def broadcast_shapes(name, *arrays):
    """Check that the arguments of ``name`` broadcast together; the ValueError names both shapes."""
    shapes = [np.shape(a) for a in arrays]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"{name}: the shapes {' and '.join(str(s) for s in shapes)} do not broadcast together "
            "(each axis must be equal, or 1 in one of them).") from None


def _binary(name, function):
    def compare(x1, x2):
        a, b = _array(x1), _array(x2)
        broadcast_shapes(name, a, b)
        return Tensor(function(a, b))

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"``{function.__name__}(x1, x2)`` element by element (a boolean Tensor)."
    return symbolic_aware(compare)


equal = _binary("equal", np.equal)
not_equal = _binary("not_equal", np.not_equal)
greater = _binary("greater", np.greater)
greater_equal = _binary("greater_equal", np.greater_equal)
less = _binary("less", np.less)
less_equal = _binary("less_equal", np.less_equal)
logical_and = _binary("logical_and", np.logical_and)
logical_or = _binary("logical_or", np.logical_or)


@symbolic_aware
def logical_not(x):
    """``not x`` element by element (a boolean Tensor)."""
    return Tensor(np.logical_not(_array(x)))
