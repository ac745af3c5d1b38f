"""What SimpleRNNCell, GRUCell and LSTMCell share, and what their layers share.

``RecurrentCell`` holds the arguments every Keras 2 cell has (units, activations,
initializers, regularizers and constraints of the three weights, the two dropouts), creates
the weights in Keras' order and shapes, draws the dropout masks of a sequence, and computes
the input's share of every gate for all steps at once:

    xz[:, t, gate] = (x_t * dropout_mask[gate]) @ kernel[:, gate] + bias[gate]

(``implementation=1``: one mask per gate; ``implementation=2``: the first mask for all
gates, as Keras 2.2.4). The step loop (``call``) computes it with ops one step at a time; a
cell's ``_run_sequence`` hands the input, weights and masks to its sequence op, which
computes it for all steps at once.

``CellLayer`` is the RNN layer built from one such cell (``SimpleRNN``, ``GRU``, ``LSTM``):
it takes the cell's arguments, exposes them as attributes and writes them in its config
(Keras 2 layers have no ``cell`` entry in their config).
"""
import re

import numpy as np

from minikeras import activations, backend, constraints, initializers, ops, regularizers
from minikeras.layers.base_layer import Layer, _default_name, layer_label, naming_errors
from minikeras.layers.recurrent.base_rnn import RNN, check_rate, check_units, dropout_masks
from minikeras.ops.recurrent import RECURRENT_ACTIVATIONS
from minikeras.tensor import Tensor, as_tensor

__all__ = ["RecurrentCell", "CellLayer", "kernel_activation_name"]


def kernel_activation_name(function):
    """The name the recurrent kernels know ``function`` by, or None (use the step loop)."""
    name = getattr(function, "__name__", None)
    if name in RECURRENT_ACTIVATIONS and activations.get(name) is function:
        return name
    return None


class RecurrentCell(Layer):
    """The shared part of the built-in cells (see the module docstring).

    Subclasses set ``gates`` (1, 3 or 4) and write ``call`` (one step with ops) and
    ``_run_sequence`` (all steps with the sequence op).
    """

    gates = 1
    has_recurrent_activation = True

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=1, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.use_bias = bool(use_bias)
        with naming_errors(self):
            self.activation = activations.get(activation)
            self.recurrent_activation = activations.get(recurrent_activation)
            self.kernel_initializer = initializers.get(kernel_initializer)
            self.recurrent_initializer = initializers.get(recurrent_initializer)
            self.bias_initializer = initializers.get(bias_initializer)
            self.kernel_regularizer = regularizers.get(kernel_regularizer)
            self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
            self.bias_regularizer = regularizers.get(bias_regularizer)
            self.kernel_constraint = constraints.get(kernel_constraint)
            self.recurrent_constraint = constraints.get(recurrent_constraint)
            self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        if implementation not in (1, 2) or isinstance(implementation, bool):
            raise ValueError(f"{layer_label(self)}: `implementation` must be 1 or 2, "
                             f"received {implementation!r}.")
        self.implementation = int(implementation)
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    # --- weights ---------------------------------------------------------------------------
    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer_for_build(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_shape = tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)
        if input_shape[-1] is None:
            raise ValueError(f"{layer_label(self)}: the last axis of the input must be known, "
                             f"received shape {input_shape}.")
        width = self.gates * self.units
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], width), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", self._bias_shape(), initializer=self._bias_initializer_for_build(),
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    # --- dropout ---------------------------------------------------------------------------
    def _begin_sequence(self, input_shape, training):
        """Draw this sequence's masks: (gates, N, features) and (gates, N, units), or None."""
        N, F = input_shape
        self._dropout_mask = dropout_masks(self.dropout, (N, F), self.gates, training, self.dtype)
        self._recurrent_dropout_mask = dropout_masks(
            self.recurrent_dropout, (N, self.units), self.gates, training, self.dtype)

    def _input_mask(self, gate):
        """The dropout mask the inputs of ``gate`` get (None: no dropout)."""
        if self._dropout_mask is None:
            return None
        return self._dropout_mask[gate if self.implementation == 1 else 0]

    def _recurrent_mask(self, gate):
        if self._recurrent_dropout_mask is None:
            return None
        return self._recurrent_dropout_mask[gate if self.implementation == 1 else 0]

    def _recurrent_masks(self):
        """(gates, N, units) for the sequence ops, or None."""
        if self._recurrent_dropout_mask is None:
            return None
        return np.stack([self._recurrent_mask(g) for g in range(self.gates)])

    def _input_bias(self):
        return self.bias

    def _input_masks(self):
        """(gates, N, features) for the sequence ops, or None."""
        if self._dropout_mask is None:
            return None
        return np.stack([self._input_mask(g) for g in range(self.gates)])

    def _zeros(self, shape):
        return Tensor(np.zeros(shape, dtype=self.dtype))

    def _sequence_bias(self):
        """The input bias for the sequence ops (zeros without one)."""
        bias = self._input_bias()
        return bias if bias is not None else self._zeros((self.gates * self.units,))

    # --- the inputs' share of the gates ---------------------------------------------------------
    def _gate_columns(self, weight, gate):
        return ops.getitem(weight, (Ellipsis, slice(gate * self.units, (gate + 1) * self.units)))

    def _input_projection(self, x):
        """xz = (x * mask_gate) @ kernel_gate + bias_gate for every gate; x: (N, T, F) or (N, F)."""
        x = as_tensor(x)
        lead = tuple(x.shape[:-1])
        rows = ops.reshape(x, (-1, x.shape[-1]))
        if self._dropout_mask is None or self.implementation == 2:
            mask = self._input_mask(0)
            if mask is not None:
                rows = ops.reshape(x * Tensor(mask.reshape(mask.shape[:1] + (1,) * (x.ndim - 2) + mask.shape[1:])), (-1, x.shape[-1]))
            xz = ops.matmul(rows, self.kernel)
        else:
            parts = []
            for g in range(self.gates):
                mask = self._input_mask(g)
                dropped = x * Tensor(mask.reshape(mask.shape[:1] + (1,) * (x.ndim - 2) + mask.shape[1:]))
                parts.append(ops.matmul(ops.reshape(dropped, (-1, x.shape[-1])), self._gate_columns(self.kernel, g)))
            xz = ops.concatenate(parts, axis=-1)
        bias = self._input_bias()
        if bias is not None:
            xz = xz + bias
        return ops.reshape(xz, lead + (self.gates * self.units,))

    def _recurrent_share(self, h, gate, weight=None):
        """(h * recurrent_mask_gate) @ recurrent_kernel_gate, for the step loop."""
        mask = self._recurrent_mask(gate)
        h = as_tensor(h)
        if mask is not None:
            h = h * Tensor(mask)
        return ops.matmul(h, self._gate_columns(self.recurrent_kernel if weight is None else weight, gate))

    def _fused_activations(self):
        """The names for the sequence op, or None when an activation has no kernel."""
        act = kernel_activation_name(self.activation)
        ract = kernel_activation_name(self.recurrent_activation) if self.has_recurrent_activation else "linear"
        return None if act is None or ract is None else (act, ract)

    # --- config --------------------------------------------------------------------------------
    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
        }
        if self.has_recurrent_activation:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        })
        if self.gates > 1:
            config["implementation"] = self.implementation
        return {**super().get_config(), **config}


class CellLayer(RNN):
    """An RNN layer made of one built-in cell; ``cell_class`` is set by the subclass."""

    cell_class = None
    _cell_arguments = ()

    def __init__(self, cell_kwargs, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, activity_regularizer=None,
                 **kwargs):
        cell_kwargs = {**cell_kwargs, "dtype": kwargs.get("dtype"),
                       "trainable": kwargs.get("trainable", True)}
        name = kwargs.get("name") or backend.unique_name(_default_name(type(self)))
        kwargs["name"] = name
        try:
            cell = self.cell_class(**cell_kwargs)
        except (ValueError, TypeError) as error:  # name the layer the user created, not its cell
            message = re.sub(r"^\w+ '[^']*': ", "", str(error))
            raise type(error)(f"{type(self).__name__} {name!r}: {message}") from None
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    def __getattr__(self, name):
        # units, activation, dropout, ...: the cell's arguments read through the layer.
        if name in type(self)._cell_arguments and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        cell_config = config.pop("cell")["config"]
        for key in ("name", "trainable", "dtype", "batch_input_shape"):
            cell_config.pop(key, None)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
