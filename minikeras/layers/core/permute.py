"""Permute: reorder the axes of each sample."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer

__all__ = ["Permute"]


class Permute(Layer):
    """Permutes the non-batch axes of the input.

    Args:
        dims: a permutation of ``1..n`` (1-based: axis 0 is the batch and stays first).
            ``(2, 1)`` swaps the two axes of a ``(batch, a, b)`` input.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, d1, ..., dn)`` with ``n = len(dims)``.

    Output shape:
        ``(batch, d_dims[0], ..., d_dims[n-1])``.

    Raises:
        ValueError: if ``dims`` is not a permutation of ``1..n``, or the input's rank is
            not ``n + 1``.

    Example:
        >>> import numpy as np
        >>> Permute((2, 1))(np.zeros((2, 10, 64))).shape
        (2, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        valid = isinstance(dims, (list, tuple)) and all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims
        )
        if not valid or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"Permute {self.name!r}: `dims` must be a permutation of 1..n (1-based, the "
                f"batch axis excluded), e.g. (2, 1); received {dims!r}."
            )
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def _check_input_spec(self, flat_inputs):
        shape = tuple(flat_inputs[0].shape)
        if len(shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute {self.name!r}: dims={self.dims} reorders {len(self.dims)} axes, so the "
                f"input must have rank {len(self.dims) + 1} (the batch axis and {len(self.dims)} "
                f"more); received an input of shape {shape} (rank {len(shape)})."
            )
        super()._check_input_spec(flat_inputs)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute {self.name!r}: expected an input of rank {len(self.dims) + 1}, "
                f"received shape {input_shape}."
            )
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
