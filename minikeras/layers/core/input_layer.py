"""InputLayer and Input: where a functional model starts.

``Input(shape=(32,))`` creates an ``InputLayer`` and returns its output, a symbolic
``KerasTensor`` of shape ``(None, 32)``; layers called on it record the graph that
``Model(inputs, outputs)`` then runs (see ``minikeras/layers/symbolic.py``).
"""
import numpy as np

from minikeras import backend
from minikeras.layers.base_layer import Layer
from minikeras.layers.symbolic import KerasTensor, Node

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The layer behind ``Input``: it has no weights and computes nothing.

    Args:
        input_shape: the shape of one sample, without the batch axis, e.g. ``(32,)``.
        batch_size: optional fixed batch size.
        batch_input_shape: the full shape, batch axis first (instead of the two above).
        dtype: the dtype of the data fed to this input (default ``K.floatx()``).
        input_tensor: optional tensor whose shape (and dtype) the input takes.
        sparse: must be False: minikeras has no sparse tensors.
        name: the layer's name (default ``input_1``, ``input_2``, ...).

    Raises:
        ValueError: when no shape is given, when two shapes are given, or ``sparse=True``.

    Example:
        >>> layer = InputLayer(input_shape=(3,))
        >>> layer.output.shape
        (None, 3)
    """

    def __init__(self, input_shape=None, batch_size=None, batch_input_shape=None, dtype=None,
                 input_tensor=None, sparse=False, name=None, **kwargs):
        name = name or backend.unique_name("input")
        if sparse:
            raise ValueError(f"InputLayer {name!r}: sparse inputs are not supported (sparse=True).")
        if input_tensor is not None:
            tensor_shape = tuple(input_tensor.shape)
            if batch_input_shape is None and input_shape is None:
                batch_input_shape = tensor_shape
            if dtype is None:
                dtype = input_tensor.dtype
        if input_shape is not None and batch_input_shape is not None:
            raise ValueError(
                f"InputLayer {name!r}: give either input_shape or batch_input_shape, not both "
                f"(received input_shape={input_shape}, batch_input_shape={batch_input_shape})."
            )
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(
                    f"InputLayer {name!r}: an input shape is required: pass input_shape= "
                    "(or shape= to Input), batch_input_shape=, or input_tensor=."
                )
            batch_input_shape = (batch_size,) + _as_tuple(input_shape, name)
        batch_input_shape = _as_tuple(batch_input_shape, name)
        if dtype is not None:
            _check_dtype(dtype, name)
        for size in batch_input_shape:
            if size is not None and size <= 0:
                raise ValueError(
                    f"InputLayer {name!r}: every size in the shape must be positive or None, "
                    f"received {batch_input_shape}."
                )
        super().__init__(name=name, dtype=dtype, batch_input_shape=batch_input_shape, **kwargs)
        self.sparse = False
        self.batch_input_shape = batch_input_shape
        self.built = True
        self.is_placeholder = input_tensor is None
        output = KerasTensor(batch_input_shape, dtype=self.dtype, name=f"{self.name}:0",
                             keras_history=(self, 0, 0))
        Node(self, [], [output])

    def get_config(self):
        return {
            "batch_input_shape": self.batch_input_shape,
            "dtype": self.dtype,
            "sparse": self.sparse,
            "name": self.name,
        }


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_size=None):
    """Start a functional model: a symbolic tensor that layers can be called on.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. ``(32,)`` for vectors
            of 32 numbers or ``(28, 28, 1)`` for images; ``None`` for a size that varies.
        batch_shape: the full shape with the batch axis first (instead of ``shape``).
        name: the name of the input layer (default ``input_1``, ...).
        dtype: the dtype of the data (default ``K.floatx()``).
        sparse: must be False (sparse tensors are not supported).
        tensor: optional tensor from which the shape and dtype are taken.
        batch_size: optional fixed batch size, with ``shape``.

    Returns:
        A ``KerasTensor`` of shape ``(batch_size, *shape)``.

    Raises:
        ValueError: when neither a shape nor a tensor is given.

    Example:
        >>> x = Input(shape=(32,))
        >>> x.shape
        (None, 32)
    """
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError(
            "Input: please provide shape= (the shape of one sample, e.g. shape=(32,)) or "
            "batch_shape= (with the batch axis first), or a tensor=."
        )
    if shape is not None and batch_shape is not None:
        raise ValueError(
            f"Input: give either shape or batch_shape, not both (received shape={shape}, "
            f"batch_shape={batch_shape})."
        )
    layer = InputLayer(input_shape=shape, batch_size=batch_size, batch_input_shape=batch_shape,
                       dtype=dtype, input_tensor=tensor, sparse=sparse, name=name)
    return layer._inbound_nodes[0].output_tensors[0]


def _as_tuple(shape, name):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        sizes = tuple(shape)
        # A size must be a whole number: 3.0 is 3, but 3.5 is refused rather than truncated.
        if any(n is not None and (isinstance(n, (bool, str, bytes)) or int(n) != n) for n in sizes):
            raise ValueError
        return tuple(None if n is None else int(n) for n in sizes)
    except (TypeError, ValueError):
        raise ValueError(
            f"InputLayer {name!r}: a shape must be a tuple of positive integers or None, "
            f"received {shape!r}."
        ) from None


def _check_dtype(dtype, name):
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        kind = None
    if kind not in ("b", "i", "u", "f"):
        raise TypeError(
            f"InputLayer {name!r}: dtype must be a numeric NumPy dtype (e.g. 'float32', 'int32'), "
            f"received {dtype!r}."
        )
