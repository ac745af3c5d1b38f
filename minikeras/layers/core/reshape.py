"""Reshape: give each sample a new shape with the same number of elements."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import InputSpec, Layer

__all__ = ["Reshape"]


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (the batch axis is kept).

    Args:
        target_shape: tuple of positive ints, the shape of one output sample; one entry
            may be ``-1``, the size that makes the element counts agree.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, ...)``. Output shape: ``(batch,) + target_shape``.

    Raises:
        ValueError: for a ``target_shape`` with zero, negative sizes other than one
            ``-1``, or one whose element count differs from the input's.

    Example:
        >>> import numpy as np
        >>> Reshape((3, 4))(np.zeros((2, 12))).shape
        (2, 3, 4)
        >>> Reshape((-1, 2, 2)).compute_output_shape((None, 6, 2))
        (None, 3, 2, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (list, tuple)) or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and (n > 0 or n == -1)
            for n in target_shape
        ):
            raise ValueError(
                f"Reshape {self.name!r}: `target_shape` must be a tuple of positive ints "
                f"(one of them may be -1), received {target_shape!r}."
            )
        if list(target_shape).count(-1) > 1:
            raise ValueError(
                f"Reshape {self.name!r}: `target_shape` may hold only one unknown (-1) "
                f"dimension, received {tuple(target_shape)}."
            )
        self.target_shape = tuple(int(n) for n in target_shape)
        self.input_spec = InputSpec(min_ndim=1)  # one input, with a batch axis

    def call(self, inputs):
        sample_shape = self._resolve(tuple(inputs.shape[1:]))
        return ops.reshape(inputs, (inputs.shape[0],) + sample_shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if any(n is None for n in input_shape[1:]):
            # Sizes unknown: the -1 stays unknown too.
            return (input_shape[0],) + tuple(None if n == -1 else n for n in self.target_shape)
        return (input_shape[0],) + self._resolve(input_shape[1:])

    def _resolve(self, sample_shape):
        """``target_shape`` with its -1 replaced, after checking the element counts agree."""
        size = int(np.prod(sample_shape, dtype=np.int64))
        known = int(np.prod([n for n in self.target_shape if n != -1], dtype=np.int64))
        if -1 in self.target_shape and size % known == 0:
            return tuple(size // known if n == -1 else n for n in self.target_shape)
        if -1 not in self.target_shape and size == known:
            return self.target_shape
        raise ValueError(
            f"Reshape {self.name!r}: cannot reshape a sample of shape {tuple(sample_shape)} "
            f"({size} elements) into {self.target_shape}: the total size must be unchanged."
        )

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
