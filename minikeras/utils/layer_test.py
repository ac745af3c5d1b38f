"""The one layer-test harness: run a layer class through everything a layer must do.

``layer_test(Dense, {"units": 3}, input_shape=(2, 4))`` builds the layer in float64 and
checks, in order:

1. it is built by its first call, and the call leaves the input unchanged;
2. its weights have the expected shapes, in Keras' order (``expected_weight_shapes``),
   and ``get_weights`` returns arrays of those shapes;
3. the output's shape equals ``compute_output_shape`` of the input's shape, also with
   an unknown (None) batch size, and ``expected_output_shape`` (None entries match
   anything); the output equals ``expected_output`` when given;
4. the config is JSON-friendly and round-trips: ``from_config(get_config())`` gives a
   layer with the same config, which computes the same output once given the weights;
5. ``set_weights`` sets what ``get_weights`` returns, and refuses a list of the wrong
   length or an array of the wrong shape with a ``ValueError``;
6. the tape's gradients with respect to the input and every weight agree with central
   differences (relative error below ``gradient_tol``), in float64;
7. a training step: under ``training=True`` the loss (output times a random gradient,
   plus ``layer.losses``) has a finite gradient for every trainable weight, and an SGD
   step followed by the weights' constraints runs.

It uses only NumPy and minikeras, and raises ``AssertionError`` with the numbers when a
check fails (and lets the layer's own ``ValueError`` through when it refuses its input).
Keep shapes small: the gradient check runs the layer twice per input and weight element.
"""
import inspect
import json

import numpy as np

from minikeras.tape import GradientTape
from minikeras.tensor import Tensor
from minikeras.utils.gradient_check import assert_gradients_close

__all__ = ["layer_test"]


def layer_test(layer_cls, kwargs=None, input_shape=None, input_data=None, *,
               expected_output_shape=None, expected_output=None, expected_weight_shapes=None,
               expected_num_losses=None, supports_masking=None, call_kwargs=None,
               custom_objects=None, dtype="float64", check_gradients=True, gradient_tol=1e-6,
               run_training_check=True, rtol=1e-7, atol=1e-10, seed=0):
    """Run ``layer_cls(**kwargs)`` through the checks listed in the module docstring.

    Args:
        layer_cls: the layer class.
        kwargs: its constructor arguments (``dtype`` defaults to ``dtype`` below).
        input_shape: the input's shape (None entries become 2), or a list of shapes for a
            layer with several inputs; random normal data of that shape is used.
        input_data: the input itself (an array or a list of arrays), instead of a shape.
        expected_output_shape: a shape (or list of shapes); None entries match any size.
        expected_output: the expected output values (array or list of arrays).
        expected_weight_shapes: the shapes of ``layer.weights``, in order.
        expected_num_losses: the expected ``len(layer.losses)`` after a call.
        supports_masking: the expected value of ``layer.supports_masking``.
        call_kwargs: extra keyword arguments of the calls (e.g. ``{"mask": m}``).
        custom_objects: passed to ``from_config`` when the class's ``from_config``
            accepts it (e.g. for a Lambda layer's function).
        dtype: the layer's dtype; gradient checks need ``"float64"``.
        check_gradients: run the finite-difference gradient check (step 6).
        gradient_tol: the largest relative gradient error allowed.
        run_training_check: run the training step (step 7).
        rtol, atol: tolerances of the output comparisons.
        seed: seed of the random input and weights.

    Returns:
        The layer's output (a NumPy array, or a list of them), for further checks.

    Example:
        >>> from minikeras.layers.core.dense import Dense
        >>> layer_test(Dense, {"units": 3}, input_shape=(2, 4),
        ...            expected_output_shape=(None, 3), expected_weight_shapes=[(4, 3), (3,)]).shape
        (2, 3)
    """
    kwargs = dict(kwargs or {})
    kwargs.setdefault("dtype", dtype)
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    inputs = _make_inputs(input_shape, input_data, kwargs["dtype"], rng)
    several = isinstance(inputs, list)
    flat_inputs = inputs if several else [inputs]
    what = layer_cls.__name__

    # 1. build on first call; the input is not modified
    layer = layer_cls(**kwargs)
    _check(not layer.built, f"{what} is built before its first call.")
    if supports_masking is not None:
        _check(layer.supports_masking == supports_masking,
               f"{what}.supports_masking is {layer.supports_masking}, expected {supports_masking}.")
    copies = [np.array(x) for x in flat_inputs]
    output = layer(inputs, **call_kwargs)
    _check(layer.built, f"{what} is not built after its first call.")
    for x, copy in zip(flat_inputs, copies):
        _check(np.array_equal(x, copy), f"{what} modified its input in place.")
    outputs = _as_list(output)
    _check(all(isinstance(out, Tensor) for out in outputs),
           f"{what} returned {type(output).__name__}, expected Tensors.")
    values = [np.array(out.numpy()) for out in outputs]

    # 2. weights
    shapes = [tuple(w.shape) for w in layer.weights]
    if expected_weight_shapes is not None:
        expected = [tuple(s) for s in expected_weight_shapes]
        _check(shapes == expected, f"{what} weight shapes {shapes}, expected {expected}.")
    _check([w.shape for w in layer.get_weights()] == shapes,
           f"{what}.get_weights() shapes differ from layer.weights shapes {shapes}.")

    # 3. output shapes and values
    input_shapes = [tuple(x.shape) for x in flat_inputs]
    computed = layer.compute_output_shape(input_shapes if several else input_shapes[0])
    _check(_shape_list(computed) == [v.shape for v in values],
           f"{what}: compute_output_shape({input_shapes if several else input_shapes[0]}) = "
           f"{computed}, but the output shape is {[v.shape for v in values]}.")
    unknown_batch = [(None,) + s[1:] for s in input_shapes]
    computed = _shape_list(layer.compute_output_shape(unknown_batch if several else unknown_batch[0]))
    batch = input_shapes[0][0]
    for shape, value in zip(computed, values):
        expected = tuple(None if i == 0 and n == batch else n for i, n in enumerate(value.shape))
        _check(len(shape) == len(expected) and all(a == b for a, b in zip(shape, expected)),
               f"{what}: with an unknown batch size compute_output_shape gives {shape}, expected {expected}.")
    if expected_output_shape is not None:
        for shape, value in zip(_shape_list(expected_output_shape), values):
            _check(len(shape) == value.ndim and all(e is None or e == n for e, n in zip(shape, value.shape)),
                   f"{what}: output shape {value.shape}, expected {shape}.")
    if expected_output is not None:
        for expected, value in zip(_as_list(expected_output), values):
            np.testing.assert_allclose(value, np.asarray(expected), rtol=rtol, atol=atol,
                                       err_msg=f"{what}: output differs from expected_output")
    if expected_num_losses is not None:
        _check(len(layer.losses) == expected_num_losses,
               f"{what} has {len(layer.losses)} losses, expected {expected_num_losses}.")

    # 4. config round trip
    config = layer.get_config()
    try:
        as_json = json.dumps(config, sort_keys=True)
    except TypeError as error:
        raise AssertionError(f"{what}.get_config() is not JSON-friendly: {error}\n{config}") from None
    extra = {}
    if custom_objects is not None and "custom_objects" in inspect.signature(layer_cls.from_config).parameters:
        extra["custom_objects"] = custom_objects
    clone = layer_cls.from_config(json.loads(as_json), **extra)
    _check(type(clone) is layer_cls, f"{what}.from_config returned a {type(clone).__name__}.")
    _check(json.dumps(clone.get_config(), sort_keys=True) == as_json,
           f"{what}: the config does not round-trip:\n{as_json}\n{json.dumps(clone.get_config(), sort_keys=True)}")
    clone(inputs, **call_kwargs)
    clone.set_weights(layer.get_weights())
    for value, again in zip(values, _as_list(clone(inputs, **call_kwargs))):
        np.testing.assert_allclose(np.asarray(again), value, rtol=rtol, atol=atol,
                                   err_msg=f"{what}: the layer rebuilt from its config computes another output")

    # 5. get_weights / set_weights
    original = layer.get_weights()
    if original:
        fresh = [rng.standard_normal(w.shape).astype(w.dtype) for w in original]
        layer.set_weights(fresh)
        for got, want in zip(layer.get_weights(), fresh):
            _check(np.array_equal(got, want), f"{what}: get_weights does not return what set_weights set.")
        _expect_value_error(lambda: layer.set_weights(fresh[:-1]), f"{what}.set_weights with too few arrays")
        wrong = [np.zeros(w.shape + (1,)) for w in fresh]
        _expect_value_error(lambda: layer.set_weights(wrong), f"{what}.set_weights with wrong shapes")
        layer.set_weights(original)

    # 6. gradients of the input(s) and every weight, by central differences
    if check_gradients:
        float_weights = [w for w in layer.weights if np.issubdtype(w.dtype, np.floating)]
        n = len(flat_inputs)

        def forward(*tensors):
            out = layer(list(tensors[:n]) if several else tensors[0], **call_kwargs)
            return _joined(out)

        assert_gradients_close(forward, [np.array(x) for x in flat_inputs] + float_weights,
                               tol=gradient_tol, seed=seed)

    # 7. a training step
    if run_training_check and layer.trainable_weights:
        upstream = [Tensor(rng.standard_normal(v.shape).astype(v.dtype)) for v in values]
        with GradientTape() as tape:
            out = _as_list(layer(inputs, **{**call_kwargs, "training": True}))
            loss = sum((o * g).sum() for o, g in zip(out, upstream))
            for penalty in layer.losses:
                loss = loss + penalty
        grads = tape.gradient(loss, layer.trainable_weights)
        for w, g in zip(layer.trainable_weights, grads):
            _check(g is not None, f"{what}: weight {w.name!r} gets no gradient in training.")
            _check(g.shape == w.shape and np.all(np.isfinite(g.numpy())),
                   f"{what}: the gradient of weight {w.name!r} has shape {g.shape} or is not finite.")
            w.assign_sub(0.01 * g.numpy())
            if w.constraint is not None:
                w.assign(w.constraint(w))
    return values if isinstance(output, (list, tuple)) else values[0]


def _make_inputs(input_shape, input_data, dtype, rng):
    if input_data is not None:
        if isinstance(input_data, (list, tuple)):
            return [np.asarray(x, dtype=dtype) for x in input_data]
        return np.asarray(input_data, dtype=dtype)
    if input_shape is None:
        raise ValueError("layer_test: give input_shape or input_data.")
    several = len(input_shape) > 0 and all(isinstance(s, (list, tuple)) for s in input_shape)
    shapes = input_shape if several else [input_shape]
    arrays = [rng.standard_normal(tuple(2 if n is None else n for n in s)).astype(dtype) for s in shapes]
    return arrays if several else arrays[0]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _shape_list(shape):
    """A shape or a list of shapes, as a list of tuples."""
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [tuple(s) for s in shape]
    return [tuple(shape)]


def _joined(output):
    """One Tensor from one or several outputs (the gradient check needs a single one)."""
    outputs = _as_list(output)
    if len(outputs) == 1:
        return outputs[0]
    from minikeras import ops

    return ops.concatenate([ops.reshape(o, (-1,)) for o in outputs], axis=0)


def _check(condition, message):
    if not condition:
        raise AssertionError(message)


def _expect_value_error(action, description):
    try:
        action()
    except ValueError:
        return
    raise AssertionError(f"{description} did not raise ValueError.")
