"""The likely fix of a shape error, added to the error's message.

A shape error says which layer, the shape it received and the shape it needed; these
functions look at the two shapes and, when they recognise a classic mistake, add one
sentence saying how to fix it:

* a missing batch axis (one sample given where a batch was expected);
* a missing channel axis (MNIST images as ``(n, 28, 28)`` for a ``Conv2D``);
* the other data format (``(n, 1, 28, 28)`` for a ``channels_last`` model, or the reverse);
* ``Flatten`` missing before ``Dense`` (or a convolution after ``Flatten``/``Dense``);
* integer class labels where one-hot rows were expected, or the reverse.

Example:
    >>> data_hint((60000, 28, 28), (None, 28, 28, 1), "input")
    ' Hint: the data has no channel axis; add one with x = x[..., np.newaxis] (or x.reshape(-1, 28, 28, 1)).'
"""
import numpy as np

__all__ = ["with_hint", "layer_hint", "data_hint", "target_hint"]

_PREFIX = " Hint: "


def with_hint(error, layer, received):
    """``error`` (a ValueError) with the hint for ``layer`` receiving ``received`` added."""
    hint = layer_hint(layer, received)
    if not hint or hint in str(error):
        return error
    return ValueError(str(error) + hint)


def layer_hint(layer, received):
    """The hint for a layer that refused an input of shape ``received``, or ''."""
    from minikeras.layers.core.dense import Dense

    received = tuple(received)
    rank = getattr(layer, "rank", None)
    data_format = getattr(layer, "data_format", None)
    if isinstance(layer, Dense):
        if len(received) == 1:
            return (_PREFIX + "the input has no batch axis; for one sample use x[np.newaxis] "
                    f"(shape (1, {received[0]})).")
        expected = (layer.input_spec.axes or {}).get(-1)
        if len(received) > 2 and expected is not None and _product(received[1:]) == expected:
            return (_PREFIX + f"add Flatten() before this Dense: it was built for vectors of "
                    f"{expected} numbers, and {' * '.join(map(str, received[1:]))} = {expected}.")
        return ""
    if rank is None or data_format is None:
        return ""
    wanted = rank + 2
    if len(received) == 2:
        return (_PREFIX + f"this layer needs (batch, {_spatial_words(rank)}, channels) but "
                "receives flat vectors: put it before Flatten()/Dense, or Reshape the vectors "
                "back into images first.")
    if len(received) == wanted - 1:
        add = "x[..., np.newaxis]" if data_format == "channels_last" else "x[:, np.newaxis]"
        if received[0] is None:  # a symbolic batch: the channel axis is what is missing
            return (_PREFIX + "the input has no channel axis (grey images?): give the Input "
                    f"the shape {_with_channel(received[1:], data_format)}, or start the model "
                    f"with Reshape({_with_channel(received[1:], data_format)}).")
        return (_PREFIX + "the input is missing one axis. If it holds one sample, add the batch "
                f"axis: x[np.newaxis]. If it has no channel axis (grey images), add one: {add}.")
    if len(received) == wanted:
        channel_axis = 1 if data_format == "channels_first" else -1
        other_axis = -1 if data_format == "channels_first" else 1
        expected = (layer.input_spec.axes or {}).get(channel_axis)
        if expected is not None and received[other_axis] == expected and received[channel_axis] != expected:
            other = "channels_first" if data_format == "channels_last" else "channels_last"
            move = "np.moveaxis(x, 1, -1)" if data_format == "channels_last" else "np.moveaxis(x, -1, 1)"
            return (_PREFIX + f"the data looks {other} while the layer is {data_format}: convert "
                    f"it with {move}, or give the layers data_format='{other}'.")
    return ""


def data_hint(received, expected, kind):
    """The hint for data of shape ``received`` given where ``expected`` (batch axis None) was
    needed (``kind``: 'input' or 'target'), or ''."""
    received, expected = tuple(received), tuple(expected)
    if kind == "target":
        return target_hint(received, expected)
    if received == expected[1:]:
        return _PREFIX + "this looks like one sample without the batch axis; use x[np.newaxis]."
    if len(received) == len(expected) - 1 and expected[-1] == 1 and received[1:] == expected[1:-1]:
        return (_PREFIX + "the data has no channel axis; add one with x = x[..., np.newaxis] "
                f"(or x.reshape(-1, {', '.join(map(str, expected[1:]))})).")
    if len(received) == len(expected) - 1 and expected[1] == 1 and received[1:] == expected[2:]:
        return (_PREFIX + "the data has no channel axis; add one with x = x[:, np.newaxis] "
                "(the model is channels_first).")
    if len(received) == len(expected) > 2 and None not in expected[1:]:
        if received[1:] == expected[2:] + expected[1:2]:
            return (_PREFIX + "the data is channels_last but the model is channels_first: "
                    "np.moveaxis(x, -1, 1), or build the model with data_format='channels_last'.")
        if received[1:] == expected[-1:] + expected[1:-1]:
            return (_PREFIX + "the data is channels_first but the model is channels_last: "
                    "np.moveaxis(x, 1, -1), or build the model with data_format='channels_first'.")
    if None not in expected[1:] and len(received) >= 2 and _product(received[1:]) == _product(expected[1:]):
        return (_PREFIX + "the numbers are all there in another arrangement: "
                f"x.reshape(-1, {', '.join(map(str, expected[1:]))}).")
    return ""


def target_hint(received, output_shape, loss_name=None):
    """The hint for targets of shape ``received`` for a model output ``output_shape``."""
    received, output_shape = tuple(received), tuple(output_shape)
    classes = output_shape[-1]
    if len(output_shape) > 2 and len(received) == 2 and received[-1] == classes:
        return (_PREFIX + f"the model's output {output_shape} still has spatial axes: add "
                "Flatten() (or GlobalAveragePooling2D()) before the last Dense.")
    if loss_name == "sparse_categorical_crossentropy":
        if len(received) == len(output_shape) and received[-1] == classes and (classes or 0) > 1:
            return (_PREFIX + "these targets look one-hot; sparse_categorical_crossentropy wants "
                    "integer labels: use y.argmax(axis=-1), or loss='categorical_crossentropy'.")
        return ""
    if len(received) == len(output_shape) and received[-1] == 1 and (classes or 0) > 1:
        return (_PREFIX + f"these targets look like integer class labels; the model outputs "
                f"{classes} numbers per sample: use minikeras.utils.to_categorical(y, {classes}) "
                "(np.eye(classes)[y]), or loss='sparse_categorical_crossentropy'.")
    return ""


def _product(sizes):
    return None if any(s is None for s in sizes) else int(np.prod(sizes))


def _spatial_words(rank):
    return {1: "steps", 2: "rows, columns", 3: "depth, rows, columns"}[rank]


def _with_channel(sample_shape, data_format):
    return tuple(sample_shape) + (1,) if data_format == "channels_last" else (1,) + tuple(sample_shape)
