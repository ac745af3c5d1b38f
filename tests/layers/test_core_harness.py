"""The layer-test harness must catch broken layers, each with a message that says what broke."""
import numpy as np
import pytest

from minikeras import ops
from minikeras.layers.base_layer import Layer
from minikeras.layers.core.dense import Dense
from minikeras.ops.base import Op
from minikeras.utils.layer_test import layer_test


class Scale(Layer):
    """A correct little layer: ``factor * x`` with a trainable per-feature weight."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return self.factor * inputs * self.w

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class WrongShape(Scale):
    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (1,)


class ForgetsFactor(Scale):
    def get_config(self):
        config = super().get_config()
        del config["factor"]
        return config


class HalfGradient(Op):
    """z = x, but a backward rule that is off by a factor of two."""

    def forward(self, x):
        return x

    def backward(self, grad):
        return 0.5 * grad


class WrongGradient(Scale):
    def call(self, inputs):
        return HalfGradient.apply(super().call(inputs))


class NoGradientForWeight(Scale):
    def call(self, inputs):
        return self.factor * inputs * ops.stop_gradient(self.w)


def test_a_correct_layer_passes():
    out = layer_test(Scale, {"factor": 3.0}, input_shape=(2, 3), expected_output_shape=(None, 3),
                     expected_weight_shapes=[(3,)])
    assert out.shape == (2, 3)


@pytest.mark.parametrize("cls, kwargs, message", [
    (WrongShape, {}, r"WrongShape: compute_output_shape\(\(2, 3\)\) = \(2, 1\), but the output shape is \[\(2, 3\)\]"),
    (ForgetsFactor, {"factor": 3.0}, r"ForgetsFactor: the layer rebuilt from its config computes another output"),
    (WrongGradient, {}, r"gradient of input 0 is off: relative error 0\.5"),
    (Scale, {"dtype": "float32"}, r"gradient checks need float64"),
])
def test_broken_layers_are_caught(cls, kwargs, message):
    with pytest.raises((AssertionError, ValueError), match=message):
        layer_test(cls, kwargs, input_shape=(2, 3))


def test_expectations_are_checked():
    with pytest.raises(AssertionError, match=r"Dense weight shapes \[\(3, 2\), \(2,\)\], expected \[\(2, 3\), \(2,\)\]"):
        layer_test(Dense, {"units": 2}, input_shape=(2, 3), expected_weight_shapes=[(2, 3), (2,)])
    with pytest.raises(AssertionError, match=r"Dense: output shape \(2, 2\), expected \(None, 3\)"):
        layer_test(Dense, {"units": 2}, input_shape=(2, 3), expected_output_shape=(None, 3))
    with pytest.raises(AssertionError, match=r"Dense: output differs from expected_output"):
        layer_test(Dense, {"units": 2, "kernel_initializer": "ones"}, input_data=np.ones((1, 3)),
                   expected_output=[[3.0, 3.5]])
    with pytest.raises(AssertionError, match=r"Dense has 0 losses, expected 1"):
        layer_test(Dense, {"units": 2}, input_shape=(2, 3), expected_num_losses=1)
    with pytest.raises(AssertionError, match=r"Dense.supports_masking is True, expected False"):
        layer_test(Dense, {"units": 2}, input_shape=(2, 3), supports_masking=False)


def test_training_step_needs_a_gradient_for_every_weight():
    with pytest.raises(AssertionError, match=r"NoGradientForWeight: weight 'w' gets no gradient in training"):
        layer_test(NoGradientForWeight, {}, input_shape=(2, 3), check_gradients=False)
