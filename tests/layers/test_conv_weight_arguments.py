"""Every initializer, regularizer and constraint argument of every convolution layer takes effect.

The arguments are handled by the shared bases in ``base_conv.py``; these tests make sure each
layer wires each of them to the right weight: an initializer sets that weight, a regularizer
adds exactly its penalty to ``layer.losses`` (and the penalty's gradient checks), a constraint
is applied to that weight by the optimizer after a step.
"""
import numpy as np
import pytest

from minikeras import layers, ops, optimizers
from minikeras.utils import assert_gradients_close

# layer class, constructor arguments, input shape, {weight name: argument prefix}
CONV_LAYERS = [
    (layers.Conv1D, dict(filters=3, kernel_size=2), (2, 5, 2), {"kernel": "kernel", "bias": "bias"}),
    (layers.Conv2D, dict(filters=3, kernel_size=2), (2, 4, 4, 2), {"kernel": "kernel", "bias": "bias"}),
    (layers.Conv3D, dict(filters=2, kernel_size=2), (1, 3, 3, 3, 2), {"kernel": "kernel", "bias": "bias"}),
    (layers.Conv2DTranspose, dict(filters=3, kernel_size=2, strides=2), (2, 3, 3, 2),
     {"kernel": "kernel", "bias": "bias"}),
    (layers.Conv3DTranspose, dict(filters=2, kernel_size=2), (1, 2, 2, 2, 2), {"kernel": "kernel", "bias": "bias"}),
    (layers.SeparableConv1D, dict(filters=3, kernel_size=2, depth_multiplier=2), (2, 5, 2),
     {"depthwise_kernel": "depthwise", "pointwise_kernel": "pointwise", "bias": "bias"}),
    (layers.SeparableConv2D, dict(filters=3, kernel_size=2), (2, 4, 4, 2),
     {"depthwise_kernel": "depthwise", "pointwise_kernel": "pointwise", "bias": "bias"}),
    (layers.DepthwiseConv2D, dict(kernel_size=2, depth_multiplier=2), (2, 4, 4, 2),
     {"depthwise_kernel": "depthwise", "bias": "bias"}),
]
CASES = [(cls, kwargs, shape, weight, prefix)
         for cls, kwargs, shape, weights in CONV_LAYERS for weight, prefix in weights.items()]
IDS = [f"{cls.__name__}-{weight}" for cls, _, _, weight, _ in CASES]


def _inputs(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


def _weight(layer, name):
    return next(w for w in layer.weights if w.name == name)


@pytest.mark.parametrize("cls,kwargs,shape,weight,prefix", CASES, ids=IDS)
def test_initializer_sets_its_weight(cls, kwargs, shape, weight, prefix):
    layer = cls(**kwargs, **{f"{prefix}_initializer": {"class_name": "Constant", "config": {"value": 0.375}}})
    layer(_inputs(shape))
    np.testing.assert_array_equal(_weight(layer, weight).numpy(), 0.375)
    others = [w for w in layer.weights if w.name != weight]
    assert all(not np.all(w.numpy() == 0.375) for w in others)
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize("cls,kwargs,shape,weight,prefix", CASES, ids=IDS)
def test_regularizer_adds_its_penalty(cls, kwargs, shape, weight, prefix):
    layer = cls(**kwargs, **{f"{prefix}_regularizer": "l2", "bias_initializer": "ones"}, dtype="float64")
    layer(_inputs(shape))
    (penalty,) = layer.losses
    expected = 0.01 * np.sum(_weight(layer, weight).numpy() ** 2)
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-12)
    variables = list(layer.weights)

    def output_plus_penalty(x, *ws):
        y = layer(x)
        return ops.sum(y * y) + layer.losses[0]

    assert_gradients_close(output_plus_penalty, [_inputs(shape, 1)] + variables, tol=1e-6)


@pytest.mark.parametrize("cls,kwargs,shape", [c[:3] for c in CONV_LAYERS], ids=[c[0].__name__ for c in CONV_LAYERS])
def test_activity_regularizer_penalises_the_output(cls, kwargs, shape):
    layer = cls(**kwargs, activity_regularizer="l1", dtype="float64")
    y = layer(_inputs(shape))
    (penalty,) = layer.losses
    np.testing.assert_allclose(float(penalty), 0.01 * np.abs(y.numpy()).sum(), rtol=1e-12)


@pytest.mark.parametrize("cls,kwargs,shape,weight,prefix", CASES, ids=IDS)
def test_constraint_is_applied_after_an_update(cls, kwargs, shape, weight, prefix):
    layer = cls(**kwargs, **{f"{prefix}_constraint": "non_neg"})
    layer(_inputs(shape))
    for w in layer.weights:  # make every weight negative
        w.assign(-np.abs(w.numpy()) - 0.5)
    before = {w.name: w.numpy().copy() for w in layer.weights}
    zero = [np.zeros(w.shape, dtype=w.dtype) for w in layer.weights]
    optimizers.SGD(0.1).apply_gradients(zip(zero, layer.weights))
    np.testing.assert_array_equal(_weight(layer, weight).numpy(), 0.0)  # non_neg clipped it
    for w in layer.weights:
        if w.name != weight:  # no constraint there: untouched by a zero gradient
            np.testing.assert_array_equal(w.numpy(), before[w.name])
