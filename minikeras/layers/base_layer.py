"""The base class of every layer: weights, building on first call, masks, losses, config.

A layer is a function with state. Subclasses write four small methods:

* ``__init__``: store and check the configuration (never shapes of the input);
* ``build(input_shape)``: create the weights with ``add_weight`` once the input's shape
  is known;
* ``call(inputs, training=None, mask=None)``: the computation, with minikeras operations
  so that a ``GradientTape`` records it;
* ``compute_output_shape(input_shape)`` and ``get_config()``.

``layer(x)`` then does the bookkeeping: it turns NumPy input into Tensors of the layer's
dtype, checks the input against ``input_spec``, builds the layer on first use, runs
``call``, records the regularization penalties in ``layer.losses`` and attaches the output
mask. Called on symbolic inputs (``Input(...)``), it records a node of the functional
graph instead (see ``minikeras/layers/symbolic.py``).
"""
import contextlib
import inspect
import re

import numpy as np

from minikeras import backend, config
from minikeras.tensor import Tensor, Variable

__all__ = ["Layer", "InputSpec", "layer_label", "naming_errors"]

_BASE_KWARGS = {
    "input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
    "activity_regularizer", "trainable", "name", "dtype", "input_length",
}


class InputSpec:
    """What a layer accepts: ``ndim`` (exact), ``min_ndim``, ``max_ndim``, ``axes`` ({axis: size}).

    Layers set ``self.input_spec`` in ``__init__`` (rank) and refine it in ``build``
    (the channel count), so that a later call with another shape fails with a clear error.
    """

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, shape=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})
        self.shape = shape

    def check(self, layer_name, shape, position=None):
        where = f"Input {position} of layer {layer_name!r}" if position is not None else f"Layer {layer_name!r}"
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected ndim={self.ndim}, "
                f"found ndim={rank}. Full shape received: {tuple(shape)}"
            )
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected min_ndim={self.min_ndim}, "
                f"found ndim={rank}. Full shape received: {tuple(shape)}"
            )
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected max_ndim={self.max_ndim}, "
                f"found ndim={rank}. Full shape received: {tuple(shape)}"
            )
        for axis, size in self.axes.items():
            if size is None:
                continue
            if not -rank <= axis < rank or shape[axis] not in (size, None):
                found = shape[axis] if -rank <= axis < rank else "nothing"
                raise ValueError(
                    f"{where} is incompatible with the layer: expected axis {axis} of the input "
                    f"to have value {size}, but received input with shape {tuple(shape)} "
                    f"(axis {axis} has {found})."
                )

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, {})]
        return f"InputSpec({', '.join(parts)})"


def layer_label(layer):
    """How errors name a layer: its class and its name, e.g. ``Conv2D 'conv2d_1'``."""
    return f"{type(layer).__name__} {layer.name!r}"


@contextlib.contextmanager
def naming_errors(layer):
    """Prefix the ``ValueError`` of a shared helper (``conv_utils``, ``*.get``) with the layer.

    ``activations.get("relux")`` says what is wrong with the name; inside this block the
    message also says which layer received it.
    """
    try:
        yield
    except ValueError as error:
        label = layer_label(layer)
        if str(error).startswith(label):
            raise
        raise ValueError(f"{label}: {error}") from None


def _default_name(cls):
    """Keras' snake case: ``Conv2D -> conv2d``, ``SpatialDropout1D -> spatial_dropout1d``."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", cls.__name__)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Layer:
    """The base layer.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a unique name (default: the class name in snake case with a counter).
        dtype: the float dtype of the weights and computation (default ``K.floatx()``);
            inputs are cast to it.
        input_shape / batch_input_shape / batch_size / input_dim: for the first layer of a
            ``Sequential`` model: the shape of one sample (or with the batch axis).
        weights: initial weights, set right after the layer is built.
        activity_regularizer: a penalty on the layer's output, added to ``layer.losses``
            (the raw sum over the batch, as in multi-backend Keras 2).
    """

    supports_masking = False

    def __init__(self, **kwargs):
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument(s) not understood by {type(self).__name__}: {sorted(unknown)}")
        from minikeras import regularizers

        name = kwargs.get("name")
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__}: `name` must be a string, received {name!r}."
            )
        self.name = name or backend.unique_name(_default_name(type(self)))
        self.trainable = bool(kwargs.get("trainable", True))
        try:
            self.dtype = str(np.dtype(kwargs.get("dtype") or config.floatx()))
        except TypeError:
            raise TypeError(
                f"{layer_label(self)}: `dtype` must be a NumPy dtype such as 'float32' or "
                f"'float64', received {kwargs.get('dtype')!r}."
            ) from None
        with naming_errors(self):
            self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self.built = False
        self.input_spec = None
        self.supports_masking = type(self).supports_masking  # a subclass may set it on the class
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._initial_weights = kwargs.get("weights")
        self._inbound_nodes = []
        self._outbound_nodes = []

        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            input_shape = kwargs.get("input_shape")
            if input_shape is None and kwargs.get("input_dim") is not None:
                input_shape = (kwargs["input_dim"],)
                if kwargs.get("input_length") is not None:
                    input_shape = (kwargs["input_length"], kwargs["input_dim"])
            if input_shape is not None:
                input_shape = self._checked_shape(input_shape, "input_shape")
                batch_input_shape = (kwargs.get("batch_size"),) + input_shape
        if batch_input_shape is not None:
            batch_input_shape = self._checked_shape(batch_input_shape, "batch_input_shape")
        self._batch_input_shape = batch_input_shape

    def _checked_shape(self, shape, argument):
        """``shape`` as a tuple of positive ints and Nones, or a ``ValueError`` naming it."""
        def size_ok(n):  # a whole number (3.0 is 3, as for Input), positive, or None
            if n is None:
                return True
            number = isinstance(n, (int, float, np.integer, np.floating)) and not isinstance(n, bool)
            return number and 0 < n < float("inf") and int(n) == n

        if not isinstance(shape, (list, tuple)) or not all(size_ok(n) for n in shape):
            raise ValueError(
                f"{layer_label(self)}: `{argument}` must be a tuple of positive ints (or None "
                f"for an unknown size), e.g. (28, 28, 1); received {argument}={shape!r}."
            )
        return tuple(None if n is None else int(n) for n in shape)

    # --- weights ----------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer="glorot_uniform",
                   regularizer=None, trainable=True, constraint=None, autocast=True, aggregation="none"):
        """Create a weight Variable, initialised and remembered by the layer (call it in ``build``).

        Args (Keras 2's order, positional or by keyword):
            name: the weight's name (``kernel``, ``bias``, ...).
            shape: a tuple of non-negative ints.
            dtype: default the layer's dtype.
            initializer: a name, an ``Initializer`` or a function ``(shape, dtype)``
                (None means ``'glorot_uniform'``).
            regularizer: a penalty on the weight, added to ``layer.losses``.
            trainable: whether training updates it (listed in ``trainable_weights``).
            constraint: applied to the weight after each update.
            autocast, aggregation: Keras 3's mixed-precision and multi-device settings, accepted
                so that Keras 3 code runs; minikeras has one device and no mixed precision.

        Keras 3 code passes everything by keyword (``add_weight(shape=(3, 4),
        initializer="random_normal", trainable=True)``), which is the same call.

        Returns:
            The new ``Variable``.

        Raises:
            ValueError: if ``shape`` is missing or not a tuple of non-negative ints.
        """
        from minikeras import constraints, initializers, regularizers

        try:
            shape = tuple(int(n) for n in shape)
            if [n for n in shape if n < 0]:
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(
                f"{layer_label(self)}: add_weight({name!r}) needs a shape, a tuple of non-negative "
                f"ints; received shape={shape!r}."
            ) from None
        if initializer is None:
            initializer = "glorot_uniform"
        dtype = str(np.dtype(dtype or self.dtype))
        with naming_errors(self):  # e.g. a random initializer asked for integers
            value = initializers.get(initializer)(shape, dtype=dtype)
        variable = Variable(
            np.asarray(value, dtype=dtype), trainable=trainable, name=name,
            constraint=constraints.get(constraint),
        )
        variable.regularizer = regularizers.get(regularizer)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(variable)
        return variable

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    # tf.keras 2 and Keras 3 spell these ``*variables``; the same lists.
    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    def get_weights(self):
        """The weights as NumPy arrays, in Keras' order."""
        return [np.array(w.numpy()) for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays of Keras' shapes, in Keras' order."""
        params = self.weights
        if not isinstance(weights, (list, tuple)):
            raise TypeError(
                f"Layer {self.name!r}: set_weights expects a list of {len(params)} arrays (shapes "
                f"{[tuple(p.shape) for p in params]}), but received {type(weights).__name__}."
            )
        weights = list(weights)
        if len(weights) != len(params):
            unbuilt = "" if self.built else " (the layer is not built yet: call it or build it first)"
            raise ValueError(
                f"Layer {self.name!r}: set_weights expected a list of {len(params)} arrays "
                f"(shapes {[tuple(p.shape) for p in params]}), but received {len(weights)}{unbuilt}."
            )
        self._assign_checked(f"Layer {self.name!r}", params, weights)

    @staticmethod
    def _assign_checked(label, params, weights, owners=None):
        """Assign each array to its variable, once every shape is checked: nothing half-set.

        ``label`` names the owner in the error (``Layer 'dense_1'``, ``Model 'model_1'``);
        ``owners``, if given, the layer of each weight (a model's ``set_weights``).
        """
        arrays = []
        for position, (param, given) in enumerate(zip(params, weights)):
            if owners is not None:
                where = f"{label}: layer {owners[position]!r} (array #{position} of the list)"
            else:
                where = label
            try:
                value = np.asarray(given)
            except ValueError:  # a ragged nest of lists
                value = np.asarray(given, dtype=object)
            if value.dtype.kind not in "biuf":
                raise ValueError(
                    f"{where}: weight {param.name!r} expected an array of numbers of shape "
                    f"{tuple(param.shape)}, but received {type(given).__name__} of dtype {value.dtype}."
                )
            if value.shape != param.shape:
                raise ValueError(
                    f"{where}: weight {param.name!r} expected shape {tuple(param.shape)}, "
                    f"but received an array of shape {value.shape}."
                )
            arrays.append(value)
        for param, value in zip(params, arrays):
            param.assign(value)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on layer {self.name!r}, but the layer isn't built. "
                "Build it first by calling it on an input or with layer.build(input_shape)."
            )
        return int(sum(np.prod(w.shape, dtype=np.int64) for w in self.weights))

    # --- the computation ---------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (batch axis None allowed).

        A layer that defines its own ``call`` but not this method (as Keras 3 layers do) gets
        its output shape by running ``call`` once on zeros of that shape (a batch of 2 for
        None), as Keras 3 traces a call; if that cannot run, the input shape (Keras 2's
        default).
        """
        if type(self).call is not Layer.call:
            inferred = _traced_output_shape(self, input_shape)
            if inferred is not None:
                return inferred
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: passed on unchanged by layers that support masking."""
        if not self.supports_masking:
            return None
        return mask

    def __call__(self, inputs, *args, **kwargs):
        if _is_symbolic(inputs):
            from minikeras.layers import symbolic

            return symbolic.call_layer(self, inputs, *args, **kwargs)
        inputs = self._to_tensors(inputs)
        flat = list(inputs.values()) if isinstance(inputs, dict) else inputs if isinstance(inputs, list) else [inputs]
        mask = kwargs.pop("mask", None)
        if mask is None:
            masks = [t._keras_mask for t in flat]
            mask = (masks if isinstance(inputs, list) else masks[0]) if any(m is not None for m in masks) else None
        self._check_input_spec(flat)
        if not self.built:
            self._maybe_build(inputs)
        call_kwargs = dict(kwargs)
        parameters = inspect.signature(self.call).parameters
        if "mask" in parameters:
            call_kwargs["mask"] = mask
        if "training" not in parameters:
            call_kwargs.pop("training", None)
        self._losses = []  # call() may add_loss; the penalties follow
        outputs = self.call(inputs, *args, **call_kwargs)
        self._record_losses(outputs)
        outputs = _fresh_outputs(outputs, flat)
        output_mask = self.compute_mask(inputs, mask)
        for i, out in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
            if isinstance(out, Tensor):
                out._keras_mask = output_mask[i] if isinstance(output_mask, (list, tuple)) else output_mask
        return outputs

    def _to_tensors(self, inputs):
        if isinstance(inputs, (list, tuple)):
            return [self._to_tensor(x) for x in inputs]
        return self._to_tensor(inputs)

    def _to_tensor(self, x):
        """``x`` as a Tensor of the layer's dtype; integer and boolean data are cast too, Tensor
        or not (an integer Tensor kept as it is made Dropout scale by ``1 // (1 - rate)``)."""
        value = x if isinstance(x, Tensor) else np.asarray(x)
        if np.dtype(value.dtype).kind not in "biuf":
            raise TypeError(
                f"Layer {self.name!r} expects numeric inputs, got {type(x).__name__} of dtype {value.dtype}."
            )
        if not isinstance(x, Tensor):
            return Tensor(value.astype(self.dtype, copy=False))
        if x.dtype != self.dtype:
            from minikeras import ops

            return ops.cast(x, self.dtype)
        return x

    def _check_input_spec(self, flat_inputs):
        specs = self.input_spec
        if specs is None:
            return
        specs = specs if isinstance(specs, (list, tuple)) else [specs]
        if len(specs) != len(flat_inputs):
            raise ValueError(
                f"Layer {self.name!r} expects {len(specs)} input(s), but it received "
                f"{len(flat_inputs)} input tensors."
            )
        for i, (spec, x) in enumerate(zip(specs, flat_inputs)):
            if spec is not None:
                try:
                    spec.check(self.name, tuple(x.shape), i if len(specs) > 1 else None)
                except ValueError as error:  # add the likely fix (Flatten, a channel axis, ...)
                    from minikeras.inspect.shape_hints import with_hint

                    raise with_hint(error, self, tuple(x.shape)) from None

    def _maybe_build(self, inputs):
        if isinstance(inputs, dict):  # Keras 3: named inputs, built from a dict of shapes
            shapes = {key: tuple(x.shape) for key, x in inputs.items()}
        else:
            shapes = [tuple(x.shape) for x in inputs] if isinstance(inputs, list) else tuple(inputs.shape)
        self.build(shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    # --- losses --------------------------------------------------------------------------------
    def _record_losses(self, outputs):
        losses = []
        for w in self._trainable_weights + self._non_trainable_weights:
            if getattr(w, "regularizer", None) is not None:
                losses.append(w.regularizer(w))
        if self.activity_regularizer is not None:
            for out in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
                losses.append(self.activity_regularizer(out))
        self._losses.extend(losses)

    def add_loss(self, losses, inputs=None):
        """Add a penalty (a Tensor, or a list of them) to ``layer.losses`` until the next call.

        Called inside ``call`` (Keras 2's custom VAE layer: ``self.add_loss(loss,
        inputs=inputs)``): the model adds it to the training loss. ``inputs`` is accepted
        for Keras 2 compatibility. A symbolic tensor belongs to a model: ``model.add_loss``.
        """
        from minikeras.tensor import as_tensor

        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if getattr(loss, "_is_symbolic", False):
                raise TypeError(
                    f"Layer {self.name!r}: add_loss received a symbolic tensor ({loss.name!r}) "
                    "outside a model run. Add it to the model instead: model.add_loss(tensor), "
                    "or call self.add_loss inside the layer's call()."
                )
            self._losses.append(as_tensor(loss))

    @property
    def losses(self):
        """The regularization penalties of the last call, as scalar Tensors."""
        return list(self._losses)

    # --- the functional graph (added by the models helper) -----------------------------------------
    # Keras 2's ``layer.input`` / ``output`` / ``input_shape`` / ``output_shape``, read from the
    # nodes the layer recorded when called on symbolic tensors (``layers/symbolic.py``); used
    # e.g. to cut a model: ``Model(model.input, model.get_layer("dense_1").output)``.
    @property
    def input(self):
        return _node_attribute(self, "input")

    @property
    def output(self):
        return _node_attribute(self, "output")

    @property
    def input_shape(self):
        return _node_attribute(self, "input_shape")

    @property
    def output_shape(self):
        return _node_attribute(self, "output_shape")

    def get_input_at(self, node_index):
        return _node_attribute(self, "input", node_index)

    def get_output_at(self, node_index):
        return _node_attribute(self, "output", node_index)

    def get_input_shape_at(self, node_index):
        return _node_attribute(self, "input_shape", node_index)

    def get_output_shape_at(self, node_index):
        return _node_attribute(self, "output_shape", node_index)

    # --- teaching -------------------------------------------------------------------------------
    def explain(self, input_shape):
        """How the output shape follows from ``input_shape`` (batch axis first), in words and
        numbers: the padding formula, the split of ``same`` padding, strides, dilation, ...

        Returns a ``str`` to print, whose ``output_shape`` equals ``compute_output_shape``.
        See ``minikeras/inspect/explain.py``.
        """
        from minikeras.inspect.explain import explain

        return explain(self, input_shape)

    # --- configuration ----------------------------------------------------------------------------
    def get_config(self):
        """A JSON-friendly dict from which ``from_config`` rebuilds an equal, unbuilt layer."""
        config_dict = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config_dict["batch_input_shape"] = self._batch_input_shape
        return config_dict

    @classmethod
    def from_config(cls, config_dict):
        return cls(**config_dict)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _fresh_outputs(outputs, inputs):
    """Outputs that are inputs passed through get a new Tensor, so that setting the
    output's mask never changes the mask of the caller's input."""
    from minikeras.ops import identity

    def fresh(out):
        return identity(out) if any(out is x for x in inputs) else out

    if isinstance(outputs, (list, tuple)):
        return type(outputs)(fresh(out) for out in outputs)
    return fresh(outputs)


def _is_symbolic(inputs):
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return any(getattr(x, "_is_symbolic", False) for x in items)


def _node_attribute(layer, attribute, node_index=None):
    from minikeras.layers import symbolic

    return symbolic.node_attribute(layer, attribute, node_index)


def _traced_output_shape(layer, input_shape):
    """The output shape(s) of ``layer.call`` on zeros of ``input_shape``, or None if it fails."""
    def zeros(shape):
        return np.zeros([2 if n is None else n for n in shape], dtype=layer.dtype)

    def shape_of(out, batch_unknown):
        shape = tuple(out.shape)
        return ((None,) + shape[1:]) if batch_unknown and shape else shape

    several = isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list))
    shapes = input_shape if several else [input_shape]
    if any(s is None for s in shapes) or any(n is not None and not isinstance(n, (int, np.integer))
                                             for s in shapes for n in s):
        return None
    batch_unknown = any(s and s[0] is None for s in shapes)
    try:
        inputs = [Tensor(zeros(s)) for s in shapes]
        out = layer.call(inputs if several else inputs[0])
    except Exception:  # a call that zeros cannot run (integer indices, a state): Keras 2's default
        return None
    if isinstance(out, (list, tuple)):
        return [shape_of(o, batch_unknown) for o in out]
    return shape_of(out, batch_unknown) if hasattr(out, "shape") else None
