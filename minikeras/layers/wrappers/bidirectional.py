"""Bidirectional: run a recurrent layer forwards and a copy of it backwards, and merge."""
from minikeras import ops
from minikeras.layers.base_layer import InputSpec, layer_label
from minikeras.layers.recurrent.base_rnn import RNN, state_sizes
from minikeras.layers.wrappers.time_distributed import Wrapper

__all__ = ["Bidirectional"]

MERGE_MODES = ("sum", "mul", "concat", "ave", None)


class Bidirectional(Wrapper):
    """Bidirectional wrapper for RNNs.

    A forward copy of ``layer`` reads the sequence from its start, a backward copy (the same
    configuration with ``go_backwards`` flipped) from its end; with ``return_sequences``
    the backward outputs are reversed again, so that both describe step t. They are merged:

        concat: [y_fwd, y_bwd] on the last axis     sum: y_fwd + y_bwd
        mul: y_fwd * y_bwd                          ave: (y_fwd + y_bwd) / 2
        None: the list [y_fwd, y_bwd]

    Args:
        layer: a recurrent layer (``RNN``, ``SimpleRNN``, ``GRU``, ``LSTM``).
        merge_mode: one of ``"sum"``, ``"mul"``, ``"concat"`` (default), ``"ave"``, None.
        weights: initial weights, the forward layer's then the backward layer's.

    Call arguments: ``mask`` and ``training`` go to both layers; ``initial_state``: the
    forward layer's states, then the backward layer's.

    Weights (Keras order): the forward layer's, then the backward layer's.

    Output shape: the wrapped layer's, with the last axis doubled for ``concat``; with
    ``return_state`` the merged output(s) then the forward and backward final states.

    Raises:
        ValueError: for a merge mode not listed above, or a layer that is not recurrent.

    Example:
        >>> import numpy as np
        >>> from minikeras.layers import LSTM
        >>> Bidirectional(LSTM(10, return_sequences=True))(np.zeros((2, 5, 3))).shape
        (2, 5, 20)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, **kwargs):
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Bidirectional: invalid merge mode {merge_mode!r}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}.'
            )
        if not isinstance(layer, RNN):
            raise ValueError(f"Bidirectional: expected a recurrent layer (RNN, SimpleRNN, GRU, "
                             f"LSTM), received {layer!r}.")
        super().__init__(layer, **kwargs)
        config = layer.get_config()
        forward_config = {**config, "name": "forward_" + layer.name}
        backward_config = {**config, "name": "backward_" + layer.name,
                           "go_backwards": not config["go_backwards"]}
        self.forward_layer = type(layer).from_config(forward_config)
        self.backward_layer = type(layer).from_config(backward_config)
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self._initial_weights_split = weights

    # initial_state, as for RNN: given as a keyword, carried in the input list
    def __call__(self, inputs, initial_state=None, **kwargs):
        if initial_state is None:
            return super().__call__(inputs, **kwargs)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        return super().__call__([inputs] + states, **kwargs)

    def _check_input_spec(self, flat_inputs):
        if flat_inputs:
            self.input_spec.check(self.name, tuple(flat_inputs[0].shape))

    def build(self, input_shape):
        shape = tuple(input_shape[0]) if isinstance(input_shape[0], (list, tuple)) else tuple(input_shape)
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer.build(shape)
                layer.built = True
        self._trainable_weights = self.forward_layer.trainable_weights + self.backward_layer.trainable_weights
        self._non_trainable_weights = (self.forward_layer.non_trainable_weights
                                       + self.backward_layer.non_trainable_weights)
        self.built = True
        if self._initial_weights_split is not None:
            self.set_weights(self._initial_weights_split)
            self._initial_weights_split = None

    def call(self, inputs, training=None, mask=None):
        states = []
        if isinstance(inputs, (list, tuple)):
            inputs, states = inputs[0], list(inputs[1:])
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if len(states) % 2:
            raise ValueError(f"{layer_label(self)}: initial_state must hold the forward layer's "
                             f"states then the backward layer's (an even number), received "
                             f"{len(states)}.")
        half = len(states) // 2
        arguments = {"training": training, "mask": mask}
        y = self.forward_layer(inputs, initial_state=states[:half] or None, **arguments)
        y_rev = self.backward_layer(inputs, initial_state=states[half:] or None, **arguments)
        final = []
        if self.return_state:
            final = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.getitem(y_rev, (slice(None), slice(None, None, -1)))
        if self.merge_mode == "concat":
            output = [ops.concatenate([y, y_rev], axis=-1)]
        elif self.merge_mode == "sum":
            output = [y + y_rev]
        elif self.merge_mode == "ave":
            output = [(y + y_rev) / 2]
        elif self.merge_mode == "mul":
            output = [y * y_rev]
        else:
            output = [y, y_rev]
        self._losses.extend(self.forward_layer.losses + self.backward_layer.losses)
        if self.return_state or self.merge_mode is None:
            return output + final
        return output[0]

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def compute_output_shape(self, input_shape):
        if input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        shape = self.forward_layer.compute_output_shape(tuple(input_shape))
        state_shapes = []
        if self.return_state:
            state_shapes = shape[1:]
            shape = shape[0]
        if self.merge_mode == "concat":
            outputs = [tuple(shape[:-1]) + (shape[-1] * 2,)]
        elif self.merge_mode is None:
            outputs = [tuple(shape), tuple(shape)]
        else:
            outputs = [tuple(shape)]
        if self.return_state or self.merge_mode is None:
            return outputs + [tuple(s) for s in state_shapes] * 2
        return outputs[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask] if self.merge_mode else [output_mask, output_mask]
        if self.return_state:
            masks += [None] * (2 * len(state_sizes(self.forward_layer.cell)))
        return masks if len(masks) > 1 else masks[0]

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode}
