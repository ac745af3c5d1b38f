"""Subtract: a merge layer that outputs ``inputs[0] - inputs[1]``."""
from minikeras import ops
from minikeras.layers.merge.base_merge import Merge

__all__ = ["Subtract", "subtract"]


class Subtract(Merge):
    """Subtracts a list of inputs: the output is ``inputs[0] - inputs[1]`` (exactly two inputs).

    The inputs broadcast as in Keras 2 (see ``base_merge.py``): the shapes after the batch
    axis agree on the right or are 1; an input of lower rank gets axes inserted after the
    batch axis. The output mask is the AND of the input masks.

    Args:
        **kwargs: base layer arguments.

    Input shape:
        exactly 2 tensors, e.g. ``[(batch, d), (batch, d)]``.

    Output shape:
        The broadcast shape, ``(batch, d)`` for equal shapes.

    Raises:
        ValueError: for an input that is not a list of 2 tensors, shapes that do not
            broadcast, or different batch sizes.

    Example:
        >>> import numpy as np
        >>> print(Subtract()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy())
        [[-2. -2.]]
    """

    num_inputs = 2

    def _merge_function(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


def subtract(inputs, **kwargs):
    """Functional interface to the ``Subtract`` layer: ``subtract([x1, x2])``.

    Args:
        inputs: exactly 2 tensors.
        **kwargs: arguments of the ``Subtract`` layer (``name=...``).

    Returns:
        A tensor, ``inputs[0] - inputs[1]``.

    Example:
        >>> import numpy as np
        >>> subtract([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Subtract(**kwargs)(inputs)
