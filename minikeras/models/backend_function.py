"""``K.function(inputs, outputs)``: part of a functional graph as a function of arrays.

Keras 2 scripts read what a layer computes on data this way::

    get_hidden = K.function([model.input, K.learning_phase()], [model.layers[1].output])
    hidden_values = get_hidden([x_test[:10], 0])[0]      # 0: test mode (Dropout off)

The backend cannot build models itself (the models build on the backend), so the models
package registers the model class here and ``K.function`` gets a ``_GraphFunction``: a
``Model`` from the inputs to the outputs, called with the learning phase as ``training``.
"""
import functools

import numpy as np

from minikeras import dispatch

__all__ = ["register_function_builder"]


def register_function_builder(model_class):
    """Let ``K.function`` build its graphs as ``model_class(inputs, outputs)``."""
    dispatch.register_function_builder(functools.partial(_GraphFunction, model_class))


class _GraphFunction:
    """What ``K.function(inputs, outputs)`` returns: arrays in, the outputs' arrays out."""

    def __init__(self, model_class, inputs, outputs):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._phase_at = [i for i, x in enumerate(inputs) if getattr(x, "_is_learning_phase", False)]
        self._single_output = not isinstance(outputs, (list, tuple))
        graph_inputs = [x for i, x in enumerate(inputs) if i not in self._phase_at]
        self._model = model_class(graph_inputs, [outputs] if self._single_output else list(outputs))

    def __call__(self, values):
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        training = bool(values[self._phase_at[0]]) if self._phase_at else False
        data = [v for i, v in enumerate(values) if i not in self._phase_at]
        results = self._model(data, training=training)
        results = results if isinstance(results, (list, tuple)) else [results]
        arrays = [np.array(r.numpy()) for r in results]
        return arrays[0] if self._single_output else arrays


