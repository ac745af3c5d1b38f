"""Lambda: wrap any function of Tensors as a layer.

Saving a Lambda layer is the delicate part. Keras 2 stored the function's bytecode and
ran it again when loading: a saved model could then run any code. minikeras never does
that. ``get_config`` stores a function as a *reference*, ``"module:qualname"``, when it
is a plain function that can be imported by that name, and otherwise (a ``lambda``
expression, a function defined inside another one, a callable object) only a marker
with its name. ``from_config`` rebuilds the layer:

* from ``custom_objects`` when the caller passes the function under its name;
* else, only if the caller passes ``safe_mode=False``, by importing the named module
  and taking the function from it (never ``eval``, never unpickling);
* a marker (a lambda expression) cannot be rebuilt: a clear ``ValueError`` says so.
"""
import importlib
import inspect
import sys

import numpy as np

from minikeras.layers.base_layer import Layer
from minikeras.tensor import Tensor, as_tensor

__all__ = ["Lambda"]


class Lambda(Layer):
    """Wraps an arbitrary function of a tensor (or a list of tensors) as a layer.

    Args:
        function: called as ``function(inputs, **arguments)``; ``inputs`` is one Tensor
            or a list of Tensors, and it returns one Tensor or a list. Use minikeras
            operations (``K.*``, ``minikeras.ops``, Tensor operators) so that the tape
            records it. If the function has a ``mask`` parameter it receives the input mask.
        output_shape: the output's shape, for ``compute_output_shape``:
            a tuple without the batch axis (the batch size is the input's), or a function
            of the full input shape (or list of shapes) returning the full output shape
            (or a list of them). When omitted it is inferred by running ``function`` on
            zeros of the input shape.
        mask: the output mask: None, an array, or a function ``mask(inputs, input_mask)``.
        arguments: optional dict of keyword arguments passed to ``function``.
        **kwargs: base layer arguments.

    Input shape:
        Any. Output shape: as ``output_shape`` (or the function) gives.

    Raises:
        TypeError: if ``function`` is not callable, or ``output_shape`` is neither a
            tuple, a list nor a function.
        ValueError: in ``from_config`` when the function cannot be rebuilt safely.

    Example:
        >>> import numpy as np
        >>> Lambda(lambda x: x ** 2)(np.array([[1.0, 3.0]])).numpy()
        array([[1., 9.]], dtype=float32)
        >>> Lambda(lambda x, k: x * k, arguments={"k": 10.0})(np.ones((1, 2))).numpy()
        array([[10., 10.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Lambda {self.name!r}: `function` must be callable, received {function!r}."
            )
        if output_shape is not None and not isinstance(output_shape, (tuple, list)) \
                and not callable(output_shape):
            raise TypeError(
                f"Lambda {self.name!r}: `output_shape` must be a tuple, a list or a function, "
                f"received {output_shape!r}."
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(
                f"Lambda {self.name!r}: `arguments` must be a dict of keyword arguments, "
                f"received {arguments!r}."
            )
        self.function = function
        self._output_shape = tuple(output_shape) if isinstance(output_shape, (tuple, list)) else output_shape
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None):
        arguments = dict(self.arguments)
        if _accepts(self.function, "mask"):
            arguments["mask"] = mask
        outputs = self.function(inputs, **arguments)
        if isinstance(outputs, (list, tuple)):
            return [as_tensor(out) for out in outputs]
        return as_tensor(outputs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    # --- shapes --------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return self._infer_output_shape(input_shape)
        if isinstance(self._output_shape, tuple):
            batch = input_shape[0][0] if _is_shape_list(input_shape) else (input_shape[0] if input_shape else None)
            return (batch,) + self._output_shape
        shape = self._output_shape(input_shape)
        if not isinstance(shape, (list, tuple)):
            raise ValueError(
                f"Lambda {self.name!r}: the `output_shape` function must return a tuple or a "
                f"list of tuples, it returned {shape!r}."
            )
        if isinstance(shape, list) and (not shape or not isinstance(shape[0], (list, tuple))):
            shape = tuple(shape)  # a list of sizes is one shape
        return [tuple(s) for s in shape] if isinstance(shape, list) else shape

    def _infer_output_shape(self, input_shape):
        """Run the function on zeros of ``input_shape``; unknown (None) sizes are tried twice.

        An unknown size is replaced by 2, then by 3: an output axis whose length changes
        between the two runs follows the unknown input size, so it is unknown (None) too.
        """
        as_list = _is_shape_list(input_shape)
        shapes = [tuple(s) for s in input_shape] if as_list else [tuple(input_shape)]
        inferred, returns_list = self._run_on_zeros(shapes, as_list, unknown_size=2)
        if any(n is None for shape in shapes for n in shape):
            again, _ = self._run_on_zeros(shapes, as_list, unknown_size=3)
            inferred = [
                tuple(a if a == b else None for a, b in zip(s1, s2)) if len(s1) == len(s2) else s1
                for s1, s2 in zip(inferred, again)
            ]
        return inferred if returns_list else inferred[0]

    def _run_on_zeros(self, shapes, as_list, unknown_size):
        """The output shapes of the function on zeros, and whether it returned a list."""
        zeros = [
            Tensor(np.zeros(tuple(unknown_size if n is None else n for n in shape), dtype=self.dtype))
            for shape in shapes
        ]
        with np.errstate(all="ignore"):  # zeros may divide by zero; only the shape matters
            outputs = self.call(zeros if as_list else zeros[0])
        if isinstance(outputs, list):
            return [tuple(out.shape) for out in outputs], True
        return [tuple(outputs.shape)], False

    # --- configuration --------------------------------------------------------------------
    def get_config(self):
        function, function_type = _callable_to_config(self.function)
        if callable(self._output_shape):
            output_shape, output_shape_type = _callable_to_config(self._output_shape)
        else:
            output_shape, output_shape_type = self._output_shape, "raw"
        if callable(self.mask):
            mask, mask_type = _callable_to_config(self.mask)
        else:
            mask = None if self.mask is None else np.asarray(self.mask).tolist()
            mask_type = "raw"
        arguments = {
            key: {"type": "ndarray", "value": value.tolist()} if isinstance(value, np.ndarray) else value
            for key, value in self.arguments.items()
        }
        config = {
            "function": function, "function_type": function_type,
            "output_shape": output_shape, "output_shape_type": output_shape_type,
            "mask": mask, "mask_type": mask_type, "arguments": arguments,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=True):
        """Rebuild a Lambda layer from ``get_config()``.

        Args:
            config: the dict ``get_config`` returned (possibly through JSON).
            custom_objects: optional dict ``{name: function}``; a function found there by
                its name is used as is.
            safe_mode: when True (default), a function is never imported: it must be in
                ``custom_objects``. Pass False, for a config you trust, to import a named
                module-level function (``"module:qualname"``).

        Raises:
            ValueError: if a function is a lambda expression (its code is not stored), is
                not in ``custom_objects`` in safe mode, or cannot be imported.
        """
        config = dict(config)
        name = config.get("name", "lambda")
        load = {"name": name, "custom_objects": custom_objects or {}, "safe_mode": safe_mode}
        function = _callable_from_config(config.pop("function"), config.pop("function_type", "function"),
                                         what="function", **load)
        output_shape = config.pop("output_shape", None)
        output_shape_type = config.pop("output_shape_type", "raw")
        if output_shape_type == "raw":
            output_shape = None if output_shape is None else tuple(output_shape)
        else:
            output_shape = _callable_from_config(output_shape, output_shape_type, what="output_shape", **load)
        mask = config.pop("mask", None)
        mask_type = config.pop("mask_type", "raw")
        if mask_type == "raw":
            mask = None if mask is None else np.asarray(mask, dtype=bool)
        else:
            mask = _callable_from_config(mask, mask_type, what="mask", **load)
        arguments = {
            key: np.asarray(value["value"]) if isinstance(value, dict) and value.get("type") == "ndarray" else value
            for key, value in (config.pop("arguments", None) or {}).items()
        }
        return cls(function, output_shape=output_shape, mask=mask, arguments=arguments, **config)


def _is_shape_list(input_shape):
    """True for a list of shapes (a layer with several inputs), False for one shape."""
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and all(
        isinstance(s, (list, tuple)) for s in input_shape
    )


def _accepts(function, parameter):
    try:
        return parameter in inspect.signature(function).parameters
    except (TypeError, ValueError):  # some built-ins have no signature
        return False


def _callable_to_config(function):
    """``("module:qualname", "function")`` for an importable function, else ``(name, "lambda")``."""
    module_name = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    plain = inspect.isfunction(function) or inspect.isbuiltin(function)
    if plain and module_name and qualname and "<" not in qualname:
        found = sys.modules.get(module_name)
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if found is function:
            return f"{module_name}:{qualname}", "function"
    # A lambda expression, a nested function, a callable object: only its name is kept.
    return getattr(function, "__qualname__", None) or type(function).__name__, "lambda"


def _callable_from_config(value, kind, what, name, custom_objects, safe_mode):
    """The function a config refers to (see the module docstring for the rules)."""
    if kind not in ("function", "lambda"):
        raise ValueError(f"Lambda {name!r}: unknown {what} type {kind!r} in the config.")
    if not isinstance(value, str):
        raise ValueError(f"Lambda {name!r}: expected the {what} as a name, found {type(value).__name__}.")
    short = value.rpartition(":")[2]
    for key in (value, short, short.rpartition(".")[2]):
        if key in custom_objects:
            return custom_objects[key]
    if kind == "lambda":
        raise ValueError(
            f"Lambda {name!r}: the {what} was a lambda expression or a locally defined "
            f"function ({value!r}); its code is not stored in the config, so the layer cannot "
            "be rebuilt from it. Define the function at module level (then its name is "
            "stored), or pass the function in custom_objects under its name."
        )
    if ":" not in value:
        raise ValueError(
            f"Lambda {name!r}: the {what} {value!r} is not a 'module:qualname' reference; "
            f"pass it in custom_objects={{{value!r}: ...}}."
        )
    if safe_mode:
        raise ValueError(
            f"Lambda {name!r}: rebuilding it needs the {what} {value!r}, which would be "
            "imported from its module (running that module's code). This is refused in safe "
            "mode: pass safe_mode=False if you trust this config, or pass the function in "
            f"custom_objects={{{short.rpartition('.')[2]!r}: ...}}."
        )
    module_name, _, qualname = value.partition(":")
    try:
        found = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"Lambda {name!r}: cannot import the {what} {value!r}: {error}") from None
    if not (inspect.isfunction(found) or inspect.isbuiltin(found)):
        raise ValueError(
            f"Lambda {name!r}: {value!r} is a {type(found).__name__}, not a function; only "
            "named module functions are imported."
        )
    return found
