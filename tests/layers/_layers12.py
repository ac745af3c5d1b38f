"""Helpers of issue 12's layer tests: the Keras fixtures and a float64 forward/backward run."""
import os

import numpy as np

from minikeras import GradientTape, Tensor

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")


def fixture_cases(filename):
    """``{case: {array name: array}}`` of a ``layers12_*.npz`` fixture (keys ``case/name``)."""
    cases = {}
    with np.load(os.path.join(FIXTURES, filename)) as data:
        for key in data.files:
            case, name = key.split("/")
            cases.setdefault(case, {})[name] = data[key]
    return cases


def run_with_gradients(layer, inputs, upstream, training=False):
    """The output, the input gradients and the trainable-weight gradients of sum(upstream * y)."""
    several = isinstance(inputs, list)
    tensors = [Tensor(np.asarray(x, dtype=np.float64)) for x in (inputs if several else [inputs])]
    if not layer.built:
        layer(tensors if several else tensors[0])
    with GradientTape(persistent=True) as tape:
        for t in tensors:
            tape.watch(t)
        y = layer(tensors if several else tensors[0], training=training)
    sources = tensors + layer.trainable_weights
    grads = tape.gradient(y, sources, output_gradients=Tensor(np.asarray(upstream, dtype=np.float64)))
    grads = [None if g is None else g.numpy() for g in grads]
    return y.numpy(), grads[:len(tensors)], grads[len(tensors):]


def relative_difference(actual, expected):
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(np.abs(expected).max(initial=0.0), 1e-300)
    return float(np.abs(np.asarray(actual, dtype=np.float64) - expected).max(initial=0.0) / scale)


def assert_close(actual, expected, tol=1e-12, what=""):
    difference = relative_difference(actual, expected)
    assert difference <= tol, f"{what}: relative difference from Keras {difference:.3g} > {tol:g}"
