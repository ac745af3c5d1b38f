"""Bad arguments and bad inputs for every core layer: a ValueError naming the layer,
what it expected and what it received."""
import numpy as np
import pytest

from minikeras.layers.core.activation import Activation
from minikeras.layers.core.activity_regularization import ActivityRegularization
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.dropout import Dropout
from minikeras.layers.core.flatten import Flatten
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.layers.core.masking import Masking
from minikeras.layers.core.permute import Permute
from minikeras.layers.core.repeat_vector import RepeatVector
from minikeras.layers.core.reshape import Reshape
from minikeras.layers.core.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D


# --- bad arguments: refused when the layer is made ------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: Dense(0, name="d"), r"Dense 'd': `units` must be a positive integer, received 0\."),
    (lambda: Dense(-3, name="d"), r"Dense 'd': `units` must be a positive integer, received -3\."),
    (lambda: Dense(2.5, name="d"), r"Dense 'd': `units` must be a positive integer, received 2\.5\."),
    (lambda: Dense(2, activation="relu6"), r"Unknown activation function: 'relu6'"),
    (lambda: Dense(2, kernel_initializer="xavier"), r"Unknown initializer: 'xavier'"),
    (lambda: Dense(2, kernel_regularizer="l3"), r"Unknown regularizer: 'l3'"),
    (lambda: Dense(2, bias_constraint="positive"), r"Unknown constraint: 'positive'"),
    (lambda: Dense(2, activity_regularizer="l4"), r"Unknown regularizer: 'l4'"),
    (lambda: Activation("swish_x"), r"Unknown activation function: 'swish_x'"),
    (lambda: Dropout(1.0, name="drop"), r"Dropout 'drop': `rate` must be a float in \[0, 1\), received 1\.0\."),
    (lambda: Dropout(-0.1, name="drop"), r"Dropout 'drop': `rate` must be a float in \[0, 1\), received -0\.1\."),
    (lambda: Dropout("half", name="drop"), r"Dropout 'drop': `rate` must be a float in \[0, 1\), received 'half'\."),
    (lambda: Dropout(0.5, noise_shape=(None, 0), name="drop"),
     r"Dropout 'drop': `noise_shape` must be a tuple of positive ints or None entries, received \(None, 0\)\."),
    (lambda: Dropout(0.5, seed="x", name="drop"), r"Dropout 'drop': `seed` must be None or an int, received 'x'\."),
    (lambda: SpatialDropout1D(1.5, name="sd"), r"SpatialDropout1D 'sd': `rate` must be a float in \[0, 1\), received 1\.5\."),
    (lambda: SpatialDropout2D(0.5, data_format="channels_middle", name="sd"),
     r"SpatialDropout2D 'sd': The `data_format` argument must be one of 'channels_first', 'channels_last'\. Received: 'channels_middle'"),
    (lambda: SpatialDropout3D(0.5, data_format="NHWC", name="sd"), r"SpatialDropout3D 'sd': The `data_format` argument must be one of"),
    (lambda: SpatialDropout2D(0.5, noise_shape=(1, 1, 1, 1), name="sd"),
     r"SpatialDropout2D 'sd': `noise_shape` is set by the layer \(one value per sample and channel\), received \(1, 1, 1, 1\)\."),
    (lambda: Flatten(data_format="channels", name="f"),
     r"Flatten 'f': The `data_format` argument must be one of 'channels_first', 'channels_last'\. Received: 'channels'"),
    (lambda: Reshape((3, 0), name="r"),
     r"Reshape 'r': `target_shape` must be a tuple of positive ints \(one of them may be -1\), received \(3, 0\)\."),
    (lambda: Reshape((-2, 4), name="r"), r"Reshape 'r': `target_shape` must be a tuple of positive ints .*received \(-2, 4\)\."),
    (lambda: Reshape((-1, -1), name="r"),
     r"Reshape 'r': `target_shape` may hold only one unknown \(-1\) dimension, received \(-1, -1\)\."),
    (lambda: Reshape("3x4", name="r"), r"Reshape 'r': `target_shape` must be a tuple of positive ints .*received '3x4'\."),
    (lambda: Permute((1, 3), name="p"),
     r"Permute 'p': `dims` must be a permutation of 1\.\.n \(1-based, the batch axis excluded\), e\.g\. \(2, 1\); received \(1, 3\)\."),
    (lambda: Permute((0, 1), name="p"), r"Permute 'p': `dims` must be a permutation of 1\.\.n .*received \(0, 1\)\."),
    (lambda: Permute((1, 1), name="p"), r"Permute 'p': `dims` must be a permutation of 1\.\.n .*received \(1, 1\)\."),
    (lambda: RepeatVector(0, name="rv"), r"RepeatVector 'rv': `n` must be a positive integer, received 0\."),
    (lambda: Masking(mask_value="pad", name="m"), r"Masking 'm': `mask_value` must be a number, received 'pad'\."),
    (lambda: ActivityRegularization(l1=-1.0, name="ar"), r"ActivityRegularization 'ar': L1L2: `l1` must be non-negative, received -1\.0\."),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_lambda_arguments():
    with pytest.raises(TypeError, match=r"Lambda 'l': `function` must be callable, received 3\."):
        Lambda(3, name="l")
    with pytest.raises(TypeError, match=r"Lambda 'l': `output_shape` must be a tuple, a list or a function, received 7\."):
        Lambda(lambda x: x, output_shape=7, name="l")
    with pytest.raises(TypeError, match=r"Lambda 'l': `arguments` must be a dict of keyword arguments, received \[1\]\."):
        Lambda(lambda x: x, arguments=[1], name="l")
    with pytest.raises(TypeError, match=r"Keyword argument\(s\) not understood by SpatialDropout1D: \['data_format'\]"):
        SpatialDropout1D(0.5, data_format="channels_last")
    with pytest.raises(TypeError, match=r"Keyword argument\(s\) not understood by Dense: \['unit'\]"):
        Dense(2, unit=3)


# --- bad inputs: wrong rank ---------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, expected", [
    (Dense(2, name="d"), (3,), r"Layer 'd' is incompatible with the layer: expected min_ndim=2, found ndim=1\. Full shape received: \(3,\)"),
    (Flatten(name="f"), (2, 3), r"Layer 'f' is incompatible with the layer: expected min_ndim=3, found ndim=2\. Full shape received: \(2, 3\)"),
    (Permute((2, 1), name="p"), (2, 3, 4, 5), r"Permute 'p': dims=\(2, 1\) reorders 2 axes, so the input must have rank 3"),
    (RepeatVector(2, name="rv"), (2, 3, 4), r"Layer 'rv' is incompatible with the layer: expected ndim=2, found ndim=3"),
    (Masking(name="m"), (4,), r"Layer 'm' is incompatible with the layer: expected min_ndim=2, found ndim=1"),
    (SpatialDropout1D(0.5, name="sd1"), (2, 3), r"Layer 'sd1' is incompatible with the layer: expected ndim=3, found ndim=2"),
    (SpatialDropout2D(0.5, name="sd2"), (2, 3, 4), r"Layer 'sd2' is incompatible with the layer: expected ndim=4, found ndim=3"),
    (SpatialDropout3D(0.5, name="sd3"), (2, 3, 4, 5), r"Layer 'sd3' is incompatible with the layer: expected ndim=5, found ndim=4"),
])
def test_wrong_rank(layer, shape, expected):
    with pytest.raises(ValueError, match=expected):
        layer(np.zeros(shape))


def test_wrong_feature_count_after_build():
    layer = Dense(3, name="dense_a")
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Layer 'dense_a' is incompatible with the layer: expected axis -1 of the input "
                                         r"to have value 4, but received input with shape \(2, 5\) \(axis -1 has 5\)\."):
        layer(np.zeros((2, 5)))


def test_reshape_with_the_wrong_number_of_elements():
    with pytest.raises(ValueError, match=r"Reshape 'r': cannot reshape a sample of shape \(10,\) \(10 elements\) into "
                                         r"\(3, 4\): the total size must be unchanged\."):
        Reshape((3, 4), name="r")(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"Reshape 'r2': cannot reshape a sample of shape \(7,\) \(7 elements\) into \(-1, 2\)"):
        Reshape((-1, 2), name="r2").compute_output_shape((None, 7))


def test_shape_functions_refuse_bad_shapes():
    with pytest.raises(ValueError, match=r"Dense 'd': the last axis of the input must be known, received shape \(None, None\)\."):
        Dense(2, name="d").compute_output_shape((None, None))
    with pytest.raises(ValueError, match=r"Dense 'd': the last axis of the input must be known"):
        Dense(2, name="d").build((None, None))
    with pytest.raises(ValueError, match=r"Dense 'd2': expected an input of rank >= 2 \(batch, \.\.\., input_dim\), received shape \(4,\)\."):
        Dense(2, name="d2").compute_output_shape((4,))
    with pytest.raises(ValueError, match=r"Flatten 'f': the shape of the input is not fully defined \(got \(None, 3\)\)\. "
                                         r"Make sure to pass a complete `input_shape`"):
        Flatten(name="f").compute_output_shape((None, None, 3))
    with pytest.raises(ValueError, match=r"Permute 'p': expected an input of rank 3, received shape \(None, 4\)\."):
        Permute((2, 1), name="p").compute_output_shape((None, 4))
    with pytest.raises(ValueError, match=r"RepeatVector 'rv': expected a 2-D input \(batch, features\), received shape \(None, 2, 3\)\."):
        RepeatVector(2, name="rv").compute_output_shape((None, 2, 3))


def test_dropout_noise_shape_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"Dropout 'drop': noise_shape \(None, 3\) does not broadcast to the input shape \(2, 4\) "
                                         r"\(each entry must be None, 1 or the input's size\)\."):
        Dropout(0.5, noise_shape=(None, 3), name="drop")(np.ones((2, 4)), training=True)
    with pytest.raises(ValueError, match=r"Dropout 'drop2': noise_shape \(2, 1\) does not broadcast to the input shape \(2, 4, 1\)"):
        Dropout(0.5, noise_shape=(2, 1), name="drop2")(np.ones((2, 4, 1)), training=True)


@pytest.mark.parametrize("make, shape", [
    (lambda: Dense(3, name="w"), (2, 4)),
    (lambda: Dense(3, use_bias=False, name="w"), (2, 4)),
])
def test_set_weights_with_wrong_shapes(make, shape):
    layer = make()
    layer(np.zeros(shape))
    good = layer.get_weights()
    with pytest.raises(ValueError, match=r"Layer 'w': weight 'kernel' expected shape \(4, 3\), but received an array of shape \(3, 4\)\."):
        layer.set_weights([np.zeros((3, 4))] + good[1:])
    with pytest.raises(ValueError, match=rf"Layer 'w': set_weights expected a list of {len(good)} arrays .*but received {len(good) + 1}\."):
        layer.set_weights(good + [np.zeros(3)])
    if len(good) == 2:
        with pytest.raises(ValueError, match=r"Layer 'w': weight 'bias' expected shape \(3,\), but received an array of shape \(4,\)\."):
            layer.set_weights([good[0], np.zeros(4)])
    np.testing.assert_array_equal(layer.get_weights()[0], good[0])  # nothing half-set


@pytest.mark.parametrize("layer", [Activation("relu", name="w"), Dropout(0.5, name="w"), Flatten(name="w"),
                                   Reshape((6,), name="w"), Permute((2, 1, 3), name="w"), Masking(name="w"),
                                   SpatialDropout2D(0.5, name="w"), ActivityRegularization(name="w")])
def test_set_weights_on_layers_without_weights(layer):
    layer(np.zeros((2, 3, 2, 1)))
    assert layer.get_weights() == []
    with pytest.raises(ValueError, match=r"Layer 'w': set_weights expected a list of 0 arrays \(shapes \[\]\), but received 1\."):
        layer.set_weights([np.zeros(2)])
