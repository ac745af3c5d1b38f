"""StackedRNNCells: several cells acting as one in a single loop through time; and how a
cell is rebuilt from its config."""
import inspect

from minikeras.layers.base_layer import Layer, layer_label
from minikeras.layers.recurrent.base_rnn import state_sizes

__all__ = ["StackedRNNCells", "deserialize_cell"]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def deserialize_cell(config, custom_objects=None):
    """A cell from ``{"class_name": ..., "config": ...}`` (built-in or in ``custom_objects``)."""
    from minikeras.layers.recurrent.gru import GRUCell
    from minikeras.layers.recurrent.lstm import LSTMCell
    from minikeras.layers.recurrent.simple_rnn import SimpleRNNCell

    known = {"SimpleRNNCell": SimpleRNNCell, "GRUCell": GRUCell, "LSTMCell": LSTMCell,
             "StackedRNNCells": StackedRNNCells, **(custom_objects or {})}
    if not isinstance(config, dict) or config.get("class_name") not in known:
        raise ValueError(f"Unknown RNN cell {config!r}: expected one of {sorted(known)} "
                         "(pass your own cells in custom_objects).")
    cell_cls = known[config["class_name"]]
    if cell_cls is StackedRNNCells:
        return StackedRNNCells.from_config(config["config"], custom_objects)
    return cell_cls.from_config(config["config"])


class StackedRNNCells(Layer):
    """Several cells acting as one: the output of each is the input of the next, per step.

    ``RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))`` is a two-layer LSTM run in one
    loop. As in Keras 2 the states form one flat list *in reverse order of the stack*
    (for two LSTM cells ``[h2, c2, h1, c1]``), so that the first state is the output's.
    The weights are the cells' weights, cell after cell.

    Args:
        cells: a list of cells.

    Example:
        >>> import numpy as np
        >>> from minikeras.layers.recurrent.base_rnn import RNN
        >>> from minikeras.layers.recurrent.simple_rnn import SimpleRNNCell
        >>> stack = StackedRNNCells([SimpleRNNCell(3), SimpleRNNCell(2)])
        >>> RNN(stack)(np.ones((1, 4, 5))).shape, stack.state_size
        ((1, 2), (2, 3))
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"{layer_label(self)}: expected a non-empty list of cells, "
                             f"received {cells!r}.")
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
                raise ValueError(f"{layer_label(self)}: every cell needs a `call` method and a "
                                 f"`state_size`; received {cell!r}.")
        self.cells = list(cells)

    @property
    def state_size(self):
        sizes = []
        for cell in self.cells[::-1]:
            sizes += state_sizes(cell)
        return tuple(sizes)

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        return int(size) if size is not None else state_sizes(last)[0]

    def build(self, input_shape):
        extra = []
        if isinstance(input_shape, list):
            input_shape, extra = input_shape[0], input_shape[1:]
        for cell in self.cells:
            if not getattr(cell, "built", False):
                cell.build([tuple(input_shape)] + extra if extra else tuple(input_shape))
                cell.built = True
            size = getattr(cell, "output_size", None)
            size = int(size) if size is not None else state_sizes(cell)[0]
            input_shape = (input_shape[0], size)
        self._trainable_weights = [w for cell in self.cells for w in cell.trainable_weights]
        self._non_trainable_weights = [w for cell in self.cells for w in cell.non_trainable_weights]
        self.built = True

    def _begin_sequence(self, input_shape, training):
        for cell in self.cells:
            if hasattr(cell, "_begin_sequence"):
                cell._begin_sequence(input_shape, training)
            size = getattr(cell, "output_size", None)
            input_shape = (input_shape[0], int(size) if size is not None else state_sizes(cell)[0])

    def _fused_activations(self):
        """Not None when every cell has a sequence op (then ``_run_sequence`` is used)."""
        for cell in self.cells:
            if getattr(cell, "_run_sequence", None) is None or cell._fused_activations() is None:
                return None
        return ()

    def _run_sequence(self, inputs, states, keep):
        """Each cell through the whole sequence in turn, its output sequence the next one's input.

        The same numbers as the step loop: at a masked step every cell keeps its state, and
        what a lower cell outputs there is read only by upper cells that discard that step.
        """
        nested = self._split_states(states)
        finals = []
        for cell, cell_states in zip(self.cells, nested):
            inputs, final = cell._run_sequence(inputs, cell_states, keep)
            finals.append(list(final))
        flat = []
        for cell_states in finals[::-1]:
            flat += cell_states
        return inputs, flat

    def _split_states(self, states):
        """The flat list (reverse order of the stack) as one list of states per cell, in order."""
        nested, states = [], list(states)
        for cell in self.cells[::-1]:
            k = len(state_sizes(cell))
            nested.append(states[:k])
            states = states[k:]
        return nested[::-1]

    def call(self, inputs, states, constants=None, training=None):
        nested, states = [], list(states)
        for cell in self.cells[::-1]:
            k = len(state_sizes(cell))
            nested.append(states[:k])
            states = states[k:]
        nested = nested[::-1]
        new_nested = []
        for cell, cell_states in zip(self.cells, nested):
            parameters = inspect.signature(cell.call).parameters
            extra = {}
            if "training" in parameters:
                extra["training"] = training
            if constants is not None and "constants" in parameters:
                extra["constants"] = constants
            inputs, cell_states = cell.call(inputs, cell_states, **extra)
            new_nested.append(_as_list(cell_states))
        flat = []
        for cell_states in new_nested[::-1]:
            flat += cell_states
        return inputs, flat

    def get_config(self):
        cells = [{"class_name": type(c).__name__, "config": c.get_config()} for c in self.cells]
        return {**super().get_config(), "cells": cells}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [deserialize_cell(c, custom_objects) for c in config["cells"]]
        return cls(**config)
