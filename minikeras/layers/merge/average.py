"""Average: a merge layer that outputs the element-wise mean of the inputs."""
from minikeras import ops
from minikeras.layers.merge.base_merge import Merge

__all__ = ["Average", "average"]


class Average(Merge):
    """Averages a list of inputs: the output is the element-wise mean of the inputs.

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
        >>> print(Average()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy())
        [[2. 3.]]
    """

    def _merge_function(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return out / len(inputs)


def average(inputs, **kwargs):
    """Functional interface to the ``Average`` layer: ``average([x1, x2])``.

    Args:
        inputs: a list of at least 2 tensors.
        **kwargs: arguments of the ``Average`` layer (``name=...``).

    Returns:
        A tensor, the element-wise mean of the inputs.

    Example:
        >>> import numpy as np
        >>> average([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Average(**kwargs)(inputs)
