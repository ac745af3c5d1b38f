"""Concatenate: a merge layer that joins its inputs along one axis."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import Layer, layer_label

__all__ = ["Concatenate", "concatenate"]


class Concatenate(Layer):
    """Concatenates a list of inputs along ``axis``.

    Every input must have the same shape except along ``axis``; the output's size along
    ``axis`` is the sum of theirs. Masks, as in Keras 2: an input without a mask counts
    as all True, a mask of lower rank than its input is repeated along a new last axis
    to the input's shape, the masks are concatenated along ``axis`` and the output mask is
    their AND over the last axis. (Keras 2.2.4 gave the mask a last axis of size 1
    without repeating it, which fails when another input has no mask; Keras 3 repeats it.)

    Args:
        axis: int, the axis to join along (default -1; 0, the batch axis, is allowed).
        **kwargs: base layer arguments.

    Input shape:
        A list of at least 2 tensors of equal rank, e.g. ``[(batch, 3), (batch, 5)]``.

    Output shape:
        Their common shape with the sizes along ``axis`` added, e.g. ``(batch, 8)``.

    Raises:
        ValueError: for an input that is not a list of at least 2 tensors, an ``axis``
            that is not an int or outside the inputs' rank, or shapes that differ on
            another axis than ``axis``.

    Example:
        >>> import numpy as np
        >>> Concatenate()([np.zeros((2, 3)), np.ones((2, 5))]).shape
        (2, 8)
        >>> Concatenate(axis=1)([np.zeros((2, 3, 4)), np.ones((2, 1, 4))]).shape
        (2, 4, 4)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"Concatenate {self.name!r}: `axis` must be an int, received axis={axis!r}.")
        self.axis = int(axis)
        self.supports_masking = True

    def _check_shapes(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f"{layer_label(self)}: a `Concatenate` layer should be called on a list of at least "
                f"2 inputs, received a single input of shape {tuple(input_shape)}."
            )
        shapes = [tuple(s) for s in input_shape]
        if len(shapes) < 2:
            raise ValueError(
                f"{layer_label(self)}: a `Concatenate` layer should be called on a list of at least "
                f"2 inputs, received {len(shapes)}."
            )
        ranks = {len(s) for s in shapes}
        rank = min(ranks)
        if len(ranks) > 1 or not -rank <= self.axis < rank:
            raise ValueError(
                f"{layer_label(self)}: expected inputs of equal rank with an axis {self.axis}, "
                f"received inputs of shapes {shapes}."
            )
        axis = self.axis % rank
        others = {s[:axis] + s[axis + 1:] for s in shapes}
        if len(others) > 1:
            raise ValueError(
                f"{layer_label(self)}: a `Concatenate` layer requires inputs with matching shapes "
                f"except for the concatenation axis {self.axis}, received inputs of shapes {shapes}."
            )
        return shapes, axis

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            self._check_shapes(tuple(inputs.shape))
        self._check_shapes([x.shape for x in inputs])
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes, axis = self._check_shapes(input_shape)
        output = list(shapes[0])
        sizes = [s[axis] for s in shapes]
        output[axis] = None if any(n is None for n in sizes) else sum(sizes)
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f"{layer_label(self)}: `mask` should be a list with one entry per input "
                f"({len(inputs)}), received {mask!r}."
            )
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(np.ones(x.shape, dtype=bool))
            else:
                m = np.asarray(m, dtype=bool)
                masks.append(np.broadcast_to(m[..., None], x.shape) if m.ndim < x.ndim else m)
        return np.all(np.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to the ``Concatenate`` layer: ``concatenate([x1, x2], axis=-1)``.

    Args:
        inputs: a list of at least 2 tensors.
        axis: the concatenation axis.
        **kwargs: arguments of the ``Concatenate`` layer (``name=...``).

    Returns:
        A tensor, the inputs joined along ``axis``.

    Example:
        >>> import numpy as np
        >>> concatenate([np.ones((2, 3)), np.ones((2, 1))]).shape
        (2, 4)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
