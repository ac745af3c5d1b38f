"""Dot: a merge layer that takes the dot product of two samples, sample by sample."""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import Layer, layer_label

__all__ = ["Dot", "dot"]


class Dot(Layer):
    """Dot product between the samples of two tensors (``K.batch_dot``).

    For every sample ``i``, axis ``axes[0]`` of ``x1[i]`` is contracted with axis
    ``axes[1]`` of ``x2[i]``: for ``x1`` of shape ``(batch, n)`` and ``x2`` of shape
    ``(batch, n)`` the output is ``(batch, 1)`` with ``sum_k x1[i, k] * x2[i, k]``. The
    output has the remaining axes of ``x1``, then those of ``x2`` (without the batch
    axis); a result with only the batch axis gets a last axis of size 1.

    With ``normalize=True`` both inputs are first L2-normalised along their dot axis
    (``x / sqrt(max(sum(x**2), 1e-12))``), so the output is the cosine similarity.

    For inputs of rank <= 3 this is exactly Keras 2.2.4's ``batch_dot``; for higher ranks
    minikeras follows the general rule above (that of Keras >= 2.3 and Keras 3), where
    2.2.4's TensorFlow backend treated the leading axes as batch axes of a matmul.

    Args:
        axes: an int, or a pair of ints: the axis of each input to contract (never 0,
            the batch axis). Negative axes count from the end.
        normalize: whether to L2-normalise the inputs along ``axes`` first.
        **kwargs: base layer arguments.

    Input shape:
        A list of 2 tensors of rank >= 2 with the same batch size, e.g.
        ``[(batch, n), (batch, n)]`` or ``[(batch, t, n), (batch, s, n)]`` with axes 2.

    Output shape:
        ``(batch, *rest of x1, *rest of x2)``, at least ``(batch, 1)``.

    Raises:
        TypeError/ValueError: for ``axes`` that are not an int or a pair of ints, or
            that name the batch axis; inputs that are not a list of 2, or whose sizes
            along the dot axes differ.

    Example:
        >>> import numpy as np
        >>> Dot(axes=1)([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy()
        array([[11.]], dtype=float32)
        >>> Dot(axes=(2, 2))([np.zeros((4, 5, 3)), np.zeros((4, 7, 3))]).shape
        (4, 5, 7)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        def is_int(a):
            return isinstance(a, (int, np.integer)) and not isinstance(a, bool)

        if not is_int(axes):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Dot {self.name!r}: `axes` should be an int or a list of 2 ints, "
                    f"received {type(axes).__name__} {axes!r}."
                )
            if len(axes) != 2 or not all(is_int(a) for a in axes):
                raise ValueError(
                    f"Dot {self.name!r}: `axes` should be an int or a list of 2 ints, received axes={axes!r}."
                )
            axes = [int(a) for a in axes]
        else:
            axes = int(axes)
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _axes_for(self, shapes):
        """``[axis of x1, axis of x2]`` as non-negative ints, after checking the shapes."""
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or \
                not all(isinstance(s, (list, tuple)) for s in shapes):
            count = len(shapes) if isinstance(shapes, (list, tuple)) and all(
                isinstance(s, (list, tuple)) for s in shapes) else 1
            raise ValueError(
                f"{layer_label(self)}: a `Dot` layer should be called on a list of 2 inputs, "
                f"received {count} input(s)."
            )
        shape1, shape2 = (tuple(s) for s in shapes)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(
                f"{layer_label(self)}: expected 2 inputs of rank >= 2 (batch, ...), received "
                f"shapes {shape1} and {shape2}."
            )
        raw = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        axes = []
        for axis, shape in zip(raw, (shape1, shape2)):
            if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
                raise ValueError(
                    f"{layer_label(self)}: axes={self.axes} must name an axis other than the batch "
                    f"axis of each input, received shapes {shape1} and {shape2}."
                )
            axes.append(axis % len(shape))
        a, b = shape1[axes[0]], shape2[axes[1]]
        if a is not None and b is not None and a != b:
            raise ValueError(
                f"{layer_label(self)}: dimension incompatibility {a} != {b}: axis {axes[0]} of the "
                f"first input and axis {axes[1]} of the second must have the same size, received "
                f"shapes {shape1} and {shape2}."
            )
        if None not in (shape1[0], shape2[0]) and shape1[0] != shape2[0]:
            raise ValueError(
                f"{layer_label(self)}: the two inputs must have the same batch size, received "
                f"shapes {shape1} and {shape2}."
            )
        return axes

    def build(self, input_shape):
        self._axes_for(input_shape)
        self.built = True

    def call(self, inputs):
        shapes = [x.shape for x in inputs] if isinstance(inputs, (list, tuple)) else tuple(inputs.shape)
        axes = self._axes_for(shapes)
        x1, x2 = inputs
        if self.normalize:
            x1 = ops.l2_normalize(x1, axis=axes[0])
            x2 = ops.l2_normalize(x2, axis=axes[1])
        return ops.batch_dot(x1, x2, axes=tuple(axes))

    def compute_output_shape(self, input_shape):
        axes = self._axes_for(input_shape)
        shape1, shape2 = (list(s) for s in input_shape)
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        output = shape1 + shape2[1:]
        if len(output) == 1:
            output.append(1)
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional interface to the ``Dot`` layer: ``dot([x1, x2], axes=1)``.

    Args:
        inputs: a list of 2 tensors.
        axes: an int or a pair of ints, the axes to contract.
        normalize: whether to L2-normalise along ``axes`` first (cosine similarity).
        **kwargs: arguments of the ``Dot`` layer (``name=...``).

    Returns:
        A tensor, the sample-wise dot product.

    Example:
        >>> import numpy as np
        >>> dot([np.ones((2, 3)), np.ones((2, 3))], axes=1).numpy().ravel()
        array([3., 3.], dtype=float32)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
