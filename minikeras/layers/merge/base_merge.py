"""The base of the merge layers: several inputs in, one output, shapes broadcast as Keras 2.

A merge layer is called on a list of tensors. The element-wise ones (``Add``, ``Multiply``,
...) broadcast their inputs like Keras 2's ``_Merge``: the shapes without the batch axis
are aligned on the right, a size of 1 stretches to the other size, and an input of lower
rank gets new axes of size 1 inserted right after the batch axis (``(batch, 3)`` and
``(batch, 4, 3)`` merge into ``(batch, 4, 3)``). The output mask is the logical AND of
the inputs' masks (inputs without a mask do not take part).
"""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import Layer, layer_label

__all__ = ["Merge", "merge_masks"]


class Merge(Layer):
    """Shared behaviour of the element-wise merge layers.

    Subclasses define ``_merge_function(inputs)`` on a list of Tensors of equal rank, and
    may set ``num_inputs`` (``Subtract``: exactly 2).
    """

    num_inputs = None  # None: any number >= 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError(f"{type(self).__name__}._merge_function")

    # --- shapes --------------------------------------------------------------------------------
    def _check_list(self, inputs, what="inputs"):
        """A list of at least 2 (or exactly ``num_inputs``) entries, or a ValueError."""
        single = not isinstance(inputs, (list, tuple)) or (
            what == "input shapes" and not all(isinstance(s, (list, tuple)) for s in inputs))
        if single:
            raise ValueError(
                f"{layer_label(self)}: a merge layer should be called on a list of inputs, "
                f"received a single tensor: {_describe(inputs)}."
            )
        if self.num_inputs is not None and len(inputs) != self.num_inputs:
            raise ValueError(
                f"{layer_label(self)}: expected exactly {self.num_inputs} inputs, "
                f"received {len(inputs)}."
            )
        if len(inputs) < 2:
            raise ValueError(
                f"{layer_label(self)}: a merge layer should be called on a list of at least 2 "
                f"inputs, received {len(inputs)}."
            )

    def _broadcast_shape(self, shape1, shape2, shapes):
        """The broadcast of two shapes without the batch axis, aligned on the right."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        output = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                output.append(None)
            elif i == 1 or j == 1:
                output.append(j if i == 1 else i)
            elif i != j:
                raise ValueError(
                    f"{layer_label(self)}: operands could not be broadcast together: expected "
                    f"shapes that agree (or are 1) on every axis after the batch, aligned on the "
                    f"right, received shapes {[tuple(s) for s in shapes]}."
                )
            else:
                output.append(i)
        return tuple(output)

    def _output_shape(self, input_shape):
        self._check_list(input_shape, "input shapes")
        shapes = [tuple(s) for s in input_shape]
        batch_sizes = {s[0] for s in shapes if s and s[0] is not None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{layer_label(self)}: can not merge tensors with different batch sizes, "
                f"received shapes {shapes}."
            )
        output = shapes[0][1:]
        for shape in shapes[1:]:
            output = self._broadcast_shape(output, shape[1:], shapes)
        batch = batch_sizes.pop() if batch_sizes else None
        return (batch,) + tuple(output)

    def build(self, input_shape):
        self._output_shape(input_shape)  # validation only: a merge layer has no weights
        self.built = True

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    # --- the computation -------------------------------------------------------------------------
    def call(self, inputs):
        self._check_list(inputs)
        self._output_shape([x.shape for x in inputs])
        rank = max(x.ndim for x in inputs)
        # Keras 2: an input of lower rank gets axes of size 1 right after the batch axis.
        expanded = []
        for x in inputs:
            for _ in range(rank - x.ndim):
                x = ops.expand_dims(x, 1)
            expanded.append(x)
        return self._merge_function(expanded)

    def compute_mask(self, inputs, mask=None):
        return merge_masks(self, inputs, mask)


def merge_masks(layer, inputs, mask):
    """The logical AND of the masks that are not None (None if every mask is None)."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)) or not isinstance(inputs, (list, tuple)) \
            or len(mask) != len(inputs):
        raise ValueError(
            f"{layer_label(layer)}: `mask` should be a list with one entry per input "
            f"({len(inputs) if isinstance(inputs, (list, tuple)) else 1}), received {type(mask).__name__}."
        )
    masks = [np.asarray(m, dtype=bool) for m in mask if m is not None]
    if not masks:
        return None
    combined = masks[0]
    for m in masks[1:]:
        combined = np.logical_and(combined, m)
    return combined


def _describe(value):
    """``shape (2, 3)`` for a tensor or a shape tuple."""
    shape = getattr(value, "shape", value)
    return f"shape {tuple(shape)}" if isinstance(shape, (list, tuple)) else repr(value)
