"""Minimum: a merge layer that outputs the element-wise minimum of the inputs."""
from minikeras import ops
from minikeras.layers.merge.base_merge import Merge

__all__ = ["Minimum", "minimum"]


class Minimum(Merge):
    """Takes the minimum of a list of inputs: the output is the element-wise minimum of the inputs (the gradient goes to the first input that holds it).

    The inputs broadcast as in Keras 2 (see ``base_merge.py``): the shapes after the batch
    axis agree on the right or are 1; an input of lower rank gets axes inserted after the
    batch axis. The output mask is the AND of the input masks.

    Args:
        **kwargs: base layer arguments.

    Input shape:
        a list of at least 2 tensors, e.g. ``[(batch, d), (batch, d)]``.

    Output shape:
        The broadcast shape, ``(batch, d)`` for equal shapes.

    Raises:
        ValueError: for an input that is not a list of at least 2 tensors, shapes that do not
            broadcast, or different batch sizes.

    Example:
        >>> import numpy as np
        >>> print(Minimum()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy())
        [[1. 2.]]
    """

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.minimum(out, x)
        return out


def minimum(inputs, **kwargs):
    """Functional interface to the ``Minimum`` layer: ``minimum([x1, x2])``.

    Args:
        inputs: a list of at least 2 tensors.
        **kwargs: arguments of the ``Minimum`` layer (``name=...``).

    Returns:
        A tensor, the element-wise minimum of the inputs.

    Example:
        >>> import numpy as np
        >>> minimum([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Minimum(**kwargs)(inputs)
