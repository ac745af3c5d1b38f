"""Subclassed models: ``Model`` with your own ``__init__`` and ``call`` (Keras 2.2).

Instead of a graph of symbolic tensors, the model is plain Python::

    class TwoLayers(Model):
        def __init__(self):
            super().__init__(name="two_layers")
            self.hidden = Dense(32, activation="relu")    # tracked: assigned to self
            self.out = Dense(10, activation="softmax")

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = TwoLayers()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(x, y)            # builds the model from the first data
    model.summary()            # after the first call; output shapes are "multiple"

The layers assigned to attributes (also in a list) are the model's ``layers``, in the order
of assignment; their weights are its weights. The model is built (``model.build(shape)``,
or on its first data) by running ``call`` once on zeros of the input shape, batch size 1:
that creates the layers' weights and tells the output shapes, which ``compile`` needs for
its losses and metrics. The inputs are named ``input_1``, ... and the outputs
``output_1``, ... as in Keras 2. A model first given a dict of arrays (Keras 3:
``model({"title": ..., "tags": ...})``, ``fit({...}, y)``) has inputs named by its keys, and
its ``call`` receives a dict of Tensors with those keys.

There is no graph to store, so, as in Keras 2, ``get_config``, ``to_json`` and ``save``
raise ``NotImplementedError``; ``save_weights`` and ``load_weights`` (once built) work.
"""
import numpy as np

from minikeras.layers.symbolic import KerasTensor
from minikeras.tensor import Tensor

__all__ = ["track_layer_attribute", "build_from_shapes", "refuse_config"]


def track_layer_attribute(model, value):
    """Remember the layers in ``value`` (a layer, or a list/tuple of them) as ``model``'s."""
    from minikeras.layers.base_layer import Layer

    items = value if isinstance(value, (list, tuple)) else [value]
    layers = [item for item in items if isinstance(item, Layer)]
    if not layers:
        return
    tracked = model.__dict__.get("_tracked_layers")
    if tracked is None:
        raise RuntimeError(
            "It looks like you are subclassing `Model` and you forgot to call "
            "`super().__init__()` before assigning layers to the model. Always start with this line."
        )
    for layer in layers:
        if layer is not model and all(layer is not known for known in tracked):
            tracked.append(layer)


def build_from_shapes(model, input_shape):
    """Run ``call`` once on zeros of ``input_shape`` (a shape or a list of shapes, batch axis
    first): the layers build their weights, and the model learns its output shapes."""
    keys = list(input_shape) if isinstance(input_shape, dict) else None
    if keys is not None:  # Keras 3: inputs by name, call() receives a dict
        input_shape = [input_shape[key] for key in keys]
    several = isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple))
    shapes = [tuple(s) for s in input_shape] if several else [tuple(input_shape)]
    if any(n is None for shape in shapes for n in shape[1:]):
        raise ValueError(
            f"Model {model.name!r}: build() needs every size of the input shape but the batch axis, "
            f"received {input_shape}."
        )
    zeros = [Tensor(np.zeros((1,) + shape[1:], dtype=model.dtype)) for shape in shapes]
    model.built = True  # so that calling the model here does not build it again
    arguments = dict(zip(keys, zeros)) if keys is not None else zeros if several else zeros[0]
    with np.errstate(all="ignore"):
        outputs = model.call(arguments)
    single_output = not isinstance(outputs, (list, tuple))
    outputs = [outputs] if single_output else list(outputs)
    names = keys if keys is not None else [f"input_{i + 1}" for i in range(len(shapes))]
    model.inputs = [KerasTensor((None,) + shape[1:], dtype=model.dtype, name=name)
                    for name, shape in zip(names, shapes)]
    model._input_keys = keys
    model.outputs = [KerasTensor((None,) + tuple(out.shape[1:]), dtype=out.dtype, name=f"output_{i + 1}")
                     for i, out in enumerate(outputs)]
    model._single_input, model._single_output = not several, single_output
    model._compiled = None  # the metric names are resolved again with the output shapes
    arguments = model.__dict__.pop("_compile_arguments", None)
    if arguments is not None:
        model.compile(**arguments)  # compile() came first and had to guess the outputs


def refuse_config(model, what):
    raise NotImplementedError(
        f"Model {model.name!r} is a subclassed model (its own call()): its layers are connected "
        f"by Python code, which {what} cannot store. As in Keras 2, save its weights with "
        "model.save_weights(path), and rebuild it in code before model.load_weights(path)."
    )
