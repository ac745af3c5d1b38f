"""OpLayer: a ``K`` function (or a Tensor operator) applied to symbolic tensors, as a layer.

tf.keras lets a program do backend math on the symbolic tensors of a functional model; each
call becomes a layer of the graph (``TFOpLambda``). minikeras does the same::

    x = Input(shape=(4,))
    h = Dense(3)(x)
    y = K.square(h) + 1.0             # two OpLayers: square_1, then add_1
    model = Model(x, y)               # runs Dense, square, add on real data

``K.square(h)`` sees a ``KerasTensor`` (see ``minikeras/dispatch.py``) and calls
``op_node(K.square, (h,), {}, "square")``: the arguments are kept with every symbolic tensor
replaced by a numbered slot, and an ``OpLayer`` is called on the symbolic tensors. When the
model runs, ``OpLayer.call`` fills the slots with the real Tensors and calls the function:
the same code, now on values, recorded on the tape like any other.

The output shape is found as ``Lambda`` finds it: by running the function on example values
of the input shapes, where an unknown size (the batch) is tried as 2 and as 3; an output
axis that follows it is unknown too. The example values are zeros, except for the outputs
of other OpLayers, which keep the values they gave (``_examples``): so ``K.shape(x)[0]`` is
2 (then 3) when it reaches ``K.random_normal(shape=(K.shape(x)[0], 2))``.

Saving: a model with K math between its layers can be saved and loaded when each function
is one of minikeras' (``K.*``, ``ops.*``, a loss, an operator) and its other arguments are
JSON values (numbers, tuples, slices, small arrays); ``op_layer_config.py`` says how, and
loading never imports or runs other code. Keras 2 cannot save such models at all. Other
arguments (a Variable, a Python function, an object) cannot be stored: ``get_config`` then
raises a ``NotImplementedError`` that says what to do instead: ``model.save_weights`` (and
rebuilding the model in code), or a ``Lambda`` layer with a module-level function.
"""
import numpy as np

from minikeras import backend, dispatch
from minikeras.layers.base_layer import Layer
from minikeras.layers.op_layer_config import NotStorable, Slot, decode, encode, function_from_name, function_name
from minikeras.tensor import Tensor

__all__ = ["OpLayer", "op_node"]


class OpLayer(Layer):
    """One call of ``function(*args, **kwargs)`` where some arguments are symbolic tensors.

    Args:
        function: the function to call when the model runs (e.g. ``K.square``, ``ops.add``).
        args, kwargs: its arguments, as given; the symbolic tensors among them (also inside
            lists, tuples and dicts) become the layer's inputs.
        name: the layer name's prefix (default: the function's name).

    Input shape:
        The shapes of the symbolic tensors among the arguments. Output shape: what the
        function returns for them.

    Example:
        >>> from minikeras import backend as K
        >>> from minikeras.layers import Input
        >>> x = Input(shape=(3,))
        >>> y = K.sum(K.square(x), axis=-1)
        >>> type(y._keras_history[0]).__name__, y.shape
        ('OpLayer', (None,))
    """

    def __init__(self, function, args=(), kwargs=None, name=None, input_dtypes=None, **layer_kwargs):
        super().__init__(name=name or backend.unique_name(getattr(function, "__name__", "op")),
                         **layer_kwargs)
        self.function = function
        symbolic = []
        self._args = _template(tuple(args), symbolic)
        self._kwargs = _template(dict(kwargs or {}), symbolic)
        self.symbolic_inputs = symbolic
        # From a config the arguments already hold slots, and the dtypes are stored.
        self._input_dtypes = list(input_dtypes) if input_dtypes is not None else [str(x.dtype) for x in symbolic]
        self._examples = {}  # unknown size -> the output values on the example inputs
        self.built = True

    def __call__(self, inputs, **kwargs):
        # Always a list of inputs (a config replays a one-input call with the tensor alone).
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if any(getattr(x, "_is_symbolic", False) for x in inputs):
            self.symbolic_inputs = inputs
        return super().__call__(inputs, **kwargs)

    def call(self, inputs):
        values = list(inputs)
        return self.function(*_filled(self._args, values), **_filled(self._kwargs, values))

    def _to_tensors(self, inputs):
        # No cast to the layer's dtype: each argument keeps the dtype it has (int shapes,
        # float64 inputs).
        return [x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in inputs]

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        first, dtypes = self._shapes_on_zeros(shapes, unknown_size=2)
        # Always twice: an unknown size may also arrive as a value (``K.shape(x)[0]``).
        second, _ = self._shapes_on_zeros(shapes, unknown_size=3)
        first = [tuple(a if a == b else None for a, b in zip(s1, s2)) if len(s1) == len(s2) else s1
                 for s1, s2 in zip(first, second)]
        # The output takes the dtype the function gives (an int shape, a float64 sum).
        self.dtype = dtypes[0]
        return first if len(first) > 1 else first[0]

    def _shapes_on_zeros(self, shapes, unknown_size):
        examples = []
        for position, (shape, dtype) in enumerate(zip(shapes, self._input_dtypes)):
            concrete = tuple(unknown_size if n is None else n for n in shape)
            example = _example_of(self.symbolic_inputs, position, unknown_size)
            if example is None or tuple(example.shape) != concrete:
                example = Tensor(np.zeros(concrete, dtype=dtype))
            examples.append(example)
        try:
            with np.errstate(all="ignore"):  # zeros may divide by zero; only shapes matter
                outputs = self.call(examples)
        except Exception as error:
            raise type(error)(
                f"{type(self).__name__} {self.name!r}: {_describe(self.function)} cannot be applied "
                f"to symbolic tensors of shapes {shapes}: {error}"
            ) from None
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        outputs = [out if isinstance(out, Tensor) else Tensor(np.asarray(out)) for out in outputs]
        self._examples[unknown_size] = outputs
        return [tuple(out.shape) for out in outputs], [str(out.dtype) for out in outputs]

    def get_config(self):
        """The function by its minikeras name and the arguments as JSON (see
        ``op_layer_config.py``); ``NotImplementedError`` if either cannot be stored."""
        reference = function_name(self.function)
        try:
            if reference is None:
                raise NotStorable(f"the function {_describe(self.function)}")
            arguments = {"args": encode(list(self._args)), "kwargs": encode(dict(self._kwargs))["dict"]}
        except NotStorable as what:
            raise NotImplementedError(
                f"{type(self).__name__} {self.name!r} ({_describe(self.function)} applied to symbolic "
                f"tensors) cannot be saved in a config: {what} is not a minikeras backend, ops or "
                "loss function or a JSON value. Keras 2 cannot save such a model either. Save the "
                "weights with model.save_weights(path) and rebuild the model in code, or put the "
                "math in a Lambda layer with a module-level function."
            ) from None
        return {**super().get_config(), "function": reference, "arguments": arguments,
                "input_dtypes": list(self._input_dtypes)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        function = function_from_name(config.pop("function", None), config.get("name"))
        arguments = config.pop("arguments", None) or {}
        args = decode(arguments.get("args", []))
        kwargs = {key: decode(value) for key, value in (arguments.get("kwargs") or {}).items()}
        return cls(function, tuple(args), kwargs, **config)


def op_node(function, args, kwargs, name):
    """The symbolic output of ``function(*args, **kwargs)``: a new ``OpLayer`` called on the
    symbolic tensors among the arguments (``dispatch.symbolic_call`` comes here)."""
    layer = OpLayer(function, args, kwargs, name=backend.unique_name(name))
    return layer(layer.symbolic_inputs)


def _example_of(symbolic_inputs, position, unknown_size):
    """The example value of a symbolic input that an OpLayer computed, else None."""
    if position >= len(symbolic_inputs):
        return None
    layer, _, tensor_index = symbolic_inputs[position]._keras_history
    examples = getattr(layer, "_examples", {}).get(unknown_size) if isinstance(layer, OpLayer) else None
    return examples[tensor_index] if examples else None


def _template(value, symbolic):
    if getattr(value, "_is_symbolic", False):
        symbolic.append(value)
        return Slot(len(symbolic) - 1)
    if isinstance(value, (list, tuple)):
        items = [_template(item, symbolic) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {key: _template(item, symbolic) for key, item in value.items()}
    return value


def _filled(value, values):
    if isinstance(value, Slot):
        return values[value.index]
    if isinstance(value, (list, tuple)):
        items = [_filled(item, values) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {key: _filled(item, values) for key, item in value.items()}
    return value


def _describe(function):
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", repr(function))
    prefix = "K." if module.startswith("minikeras.backend") else ""
    return f"{prefix}{name}"


dispatch.register_node_builder(op_node)
