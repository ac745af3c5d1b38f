"""Maximum: a merge layer that outputs the element-wise maximum of the inputs."""
from minikeras import ops
from minikeras.layers.merge.base_merge import Merge

__all__ = ["Maximum", "maximum"]


class Maximum(Merge):
    """Takes the maximum of a list of inputs: the output is the element-wise maximum of the inputs (the gradient goes to the first input that holds it).

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
        >>> print(Maximum()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy())
        [[3. 4.]]
    """

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.maximum(out, x)
        return out


def maximum(inputs, **kwargs):
    """Functional interface to the ``Maximum`` layer: ``maximum([x1, x2])``.

    Args:
        inputs: a list of at least 2 tensors.
        **kwargs: arguments of the ``Maximum`` layer (``name=...``).

    Returns:
        A tensor, the element-wise maximum of the inputs.

    Example:
        >>> import numpy as np
        >>> maximum([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Maximum(**kwargs)(inputs)
