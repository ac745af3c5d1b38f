"""RepeatVector: repeat each sample's feature vector ``n`` times along a new axis."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer

__all__ = ["RepeatVector"]


class RepeatVector(Layer):
    """Repeats the input ``n`` times: ``(batch, features) -> (batch, n, features)``.

    Args:
        n: positive int, the number of repetitions.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, features)``. Output shape: ``(batch, n, features)``.

    Raises:
        ValueError: for a non-positive ``n`` or an input that is not 2-D.

    Example:
        >>> import numpy as np
        >>> RepeatVector(3)(np.zeros((2, 32))).shape
        (2, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(
                f"RepeatVector {self.name!r}: `n` must be a positive integer, received {n!r}."
            )
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        # (batch, features) -> (batch, 1, features) -> n copies along axis 1
        return ops.tile(ops.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"RepeatVector {self.name!r}: expected a 2-D input (batch, features), "
                f"received shape {input_shape}."
            )
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
