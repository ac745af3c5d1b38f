"""Multiply: a merge layer that outputs the element-wise product of the inputs."""
from minikeras import ops
from minikeras.layers.merge.base_merge import Merge

__all__ = ["Multiply", "multiply"]


class Multiply(Merge):
    """Multiplies a list of inputs: the output is the element-wise product of the inputs.

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
        >>> print(Multiply()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy())
        [[3. 8.]]
    """

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.multiply(out, x)
        return out


def multiply(inputs, **kwargs):
    """Functional interface to the ``Multiply`` layer: ``multiply([x1, x2])``.

    Args:
        inputs: a list of at least 2 tensors.
        **kwargs: arguments of the ``Multiply`` layer (``name=...``).

    Returns:
        A tensor, the element-wise product of the inputs.

    Example:
        >>> import numpy as np
        >>> multiply([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Multiply(**kwargs)(inputs)
