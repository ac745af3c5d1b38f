"""Embedding: turn positive integers (indices) into dense vectors of fixed size."""
import numpy as np

from minikeras import constraints, initializers, regularizers
from minikeras.layers.base_layer import Layer, layer_label, naming_errors
from minikeras.ops.embedding import EmbeddingLookup, check_indices
from minikeras.tensor import Tensor

__all__ = ["Embedding"]


class Embedding(Layer):
    """Turns positive integers (indices) into dense vectors of fixed size.

    ``output[b, t, :] = embeddings[inputs[b, t], :]``: each index picks one row of the
    weight matrix, e.g. ``[[4], [20]] -> [[[0.25, 0.1]], [[0.6, -0.2]]]``. The gradient of
    ``embeddings`` is a scatter-add of the upstream rows (see ``ops/embedding.py``).
    Float inputs are truncated to integers, as Keras 2 casts them.

    Args:
        input_dim: int > 0, the size of the vocabulary (largest index + 1).
        output_dim: int > 0, the size of each vector.
        embeddings_initializer: initializer of the matrix (default ``"uniform"``:
            uniform on [-0.05, 0.05]).
        embeddings_regularizer, activity_regularizer: regularizers, or None.
        embeddings_constraint: constraint of the matrix, or None.
        mask_zero: whether index 0 is padding: the layer then outputs the mask
            ``inputs != 0`` for the next layers (and index 0 cannot be a word:
            ``input_dim`` should be the vocabulary size + 1).
        input_length: the length of the input sequences, when it is constant (an int, or
            a tuple for inputs of rank > 2). Needed to connect ``Flatten`` then ``Dense``
            downstream; without it the first layer of a ``Sequential`` takes sequences of
            any length.
        **kwargs: base layer arguments.

    Weights: ``embeddings`` of shape ``(input_dim, output_dim)``.

    Input shape:
        ``(batch, sequence_length)`` integers (any rank).

    Output shape:
        ``(batch, sequence_length, output_dim)``.

    Raises:
        ValueError: for a non-positive ``input_dim``/``output_dim``, an index outside
            ``[0, input_dim)`` (checked before any lookup), an input that disagrees with
            ``input_length``.

    Example:
        >>> import numpy as np
        >>> layer = Embedding(1000, 64, input_length=10)
        >>> layer(np.random.randint(1000, size=(32, 10))).shape
        (32, 10, 64)
        >>> Embedding(5, 2, mask_zero=True).compute_mask(np.array([[3, 0]]))
        array([[ True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for argument, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(
                    f"Embedding {self.name!r}: `{argument}` must be a positive integer, "
                    f"received {argument}={value!r}."
                )
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        with naming_errors(self):
            self.embeddings_initializer = initializers.get(embeddings_initializer)
            self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
            self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if input_length is not None:
            lengths = list(input_length) if isinstance(input_length, (list, tuple)) else [input_length]
            if not all(n is None or (isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0)
                       for n in lengths):
                raise ValueError(
                    f"Embedding {self.name!r}: `input_length` must be a positive int (or a tuple of "
                    f"them), received input_length={input_length!r}."
                )
            input_length = tuple(lengths) if isinstance(input_length, (list, tuple)) else int(input_length)
        self.input_length = input_length
        if self._batch_input_shape is None:
            # As Keras 2: an Embedding always knows its input's rank (sequences of indices).
            lengths = input_length if isinstance(input_length, tuple) else (input_length,)
            self._batch_input_shape = (kwargs.get("batch_size"),) + lengths
        self.embeddings = None

    def _to_tensor(self, x):
        """Indices stay indices: no cast to the layer's float dtype."""
        value = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
        if value.dtype.kind not in "biuf":
            raise TypeError(
                f"{layer_label(self)} expects integer indices, received {type(x).__name__} of dtype {value.dtype}."
            )
        return x if isinstance(x, Tensor) else Tensor(value)

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
        )
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))  # input_length agrees with the input
        indices = check_indices(inputs.numpy(), self.input_dim, name=layer_label(self))
        return EmbeddingLookup.apply(self.embeddings, indices=indices)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, tuple) else [self.input_length]
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(
                f"{layer_label(self)}: input_length is {self.input_length}, but the input has "
                f"shape {input_shape} (expected {len(lengths)} axis/axes after the batch axis)."
            )
        for i, (expected, received) in enumerate(zip(lengths, input_shape[1:])):
            if expected is not None and received is not None and expected != received:
                raise ValueError(
                    f"{layer_label(self)}: input_length is {self.input_length}, but the input has "
                    f"shape {input_shape} (axis {i + 1} has {received}, expected {expected})."
                )
            if expected is None:
                lengths[i] = received
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": list(self.input_length) if isinstance(self.input_length, tuple) else self.input_length,
        }
        return {**super().get_config(), **config}
