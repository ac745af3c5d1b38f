"""The embedding lookup: rows of a weight matrix picked by integer indices.

``z[..., :] = weights[indices[...], :]``. Its gradient with respect to the weights is a
scatter-add: row ``r`` of the gradient is the sum of the upstream gradients of every
position whose index is ``r`` (rows never looked up get 0). The kernel
``embedding_backward`` (``_kernels/embedding.pyx``) adds each upstream row into a zero
matrix, never through a one-hot matrix of ``(positions, input_dim)``: for 10,000 words
that matrix would be 10,000 times larger than the gradient itself. (``np.add.at`` does
the same in one line; it took 26 ms for (128, 80) indices into (10000, 64), the loop
about 1 ms.) The indices are checked to lie in ``[0, input_dim)`` before the loop runs.
"""
import numpy as np

from minikeras._kernels import compute_dtype, kernel
from minikeras.ops.base import Op
from minikeras.tensor import as_tensor

__all__ = ["embedding_lookup", "check_indices"]


class EmbeddingLookup(Op):
    """z = weights[indices];  dweights = zeros, then dweights[indices[p]] += grad[p] for every p."""

    def forward(self, weights):
        return weights.take(self.indices, axis=0)

    def backward(self, grad):
        weights = self.inputs[0]
        dtype = compute_dtype(weights.numpy())
        rows = np.ascontiguousarray(grad.numpy(), dtype=dtype).reshape(-1, weights.shape[1])
        dweights = np.zeros(weights.shape, dtype=dtype)
        kernel("embedding_backward")(np.ascontiguousarray(self.indices.reshape(-1)), rows, dweights)
        return dweights.astype(weights.dtype, copy=False)


def check_indices(indices, input_dim, name="embedding_lookup"):
    """``indices`` as an int64 array, after checking that every one is in ``[0, input_dim)``.

    Float indices are truncated toward zero as Keras 2 casts them (``K.cast(x, 'int32')``).

    Raises:
        ValueError: naming ``name``, the range and the first index outside it.
    """
    array = np.asarray(indices)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected integer indices, received an array of dtype {array.dtype}.")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name}: expected integer indices, received NaN or infinite values.")
        array = np.trunc(array)
    array = array.astype(np.int64, copy=False)
    if array.size:
        low, high = int(array.min()), int(array.max())
        if low < 0 or high >= input_dim:
            bad = low if low < 0 else high
            raise ValueError(
                f"{name}: expected indices in [0, {input_dim}) (input_dim={input_dim}), "
                f"received index {bad} (indices range over [{low}, {high}])."
            )
    return array


def embedding_lookup(weights, indices):
    """``weights[indices]``: one row of ``weights`` ``(input_dim, output_dim)`` per index.

    Args:
        weights: a 2-D Tensor or array ``(input_dim, output_dim)``.
        indices: integer array of any shape, every value in ``[0, input_dim)``.

    Returns:
        A Tensor of shape ``indices.shape + (output_dim,)``.

    Example:
        >>> import numpy as np
        >>> embedding_lookup(np.arange(6.0).reshape(3, 2), [[2, 0]]).numpy()
        array([[[4., 5.],
                [0., 1.]]])
    """
    weights = as_tensor(weights)
    if weights.ndim != 2:
        raise ValueError(f"embedding_lookup: expected 2-D weights (input_dim, output_dim), received shape {weights.shape}.")
    indices = check_indices(indices, weights.shape[0])
    return EmbeddingLookup.apply(weights, indices=indices)
