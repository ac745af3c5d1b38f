"""The code examples of the Keras 2 core-layers reference page, with minikeras in place of
keras, as calls on concrete arrays: each gives the output shape its comments state.
(The Sequential / functional versions are tested with the models.)"""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras import config
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.flatten import Flatten
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.layers.core.permute import Permute
from minikeras.layers.core.repeat_vector import RepeatVector
from minikeras.layers.core.reshape import Reshape

BATCH = 2


def data(*shape):
    return np.random.default_rng(0).standard_normal((BATCH,) + shape)


def test_dense_example():
    # model.add(Dense(32, input_shape=(16,)))  -> input arrays (*, 16), output arrays (*, 32)
    first = Dense(32, input_shape=(16,))
    y = first(data(16))
    assert y.shape == (BATCH, 32) and first.compute_output_shape((None, 16)) == (None, 32)
    # model.add(Dense(32))  -> no input size needed after the first layer
    assert Dense(32)(y).shape == (BATCH, 32)


def test_flatten_example():
    conv2d = pytest.importorskip("minikeras.layers.convolutional.conv2d")
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")  # the page's shapes are channels first
    try:
        conv = conv2d.Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding="same")
        y = conv(np.zeros((1, 3, 32, 32)))
        assert y.shape == (1, 64, 32, 32)  # now: model.output_shape == (None, 64, 32, 32)
        flatten = Flatten()
        assert flatten(y).shape == (1, 65536)  # now: model.output_shape == (None, 65536)
        assert flatten.compute_output_shape((None, 64, 32, 32)) == (None, 65536)
    finally:
        config.set_image_data_format(previous)


def test_flatten_example_shapes_without_conv():
    flatten = Flatten(data_format="channels_first")
    assert flatten(np.zeros((1, 64, 32, 32))).shape == (1, 65536)


def test_reshape_example():
    x = data(12)
    first = Reshape((3, 4), input_shape=(12,))
    y = first(x)
    assert y.shape == (BATCH, 3, 4)  # now: model.output_shape == (None, 3, 4)
    y = Reshape((6, 2))(y)
    assert y.shape == (BATCH, 6, 2)  # now: model.output_shape == (None, 6, 2)
    inferred = Reshape((-1, 2, 2))
    assert inferred(y).shape == (BATCH, 3, 2, 2)  # now: model.output_shape == (None, 3, 2, 2)
    assert inferred.compute_output_shape((None, 6, 2)) == (None, 3, 2, 2)


def test_permute_example():
    layer = Permute((2, 1), input_shape=(10, 64))
    assert layer(data(10, 64)).shape == (BATCH, 64, 10)  # now: model.output_shape == (None, 64, 10)
    assert layer.compute_output_shape((None, 10, 64)) == (None, 64, 10)


def test_repeat_vector_example():
    y = Dense(32, input_dim=32)(data(32))
    assert y.shape == (BATCH, 32)  # now: model.output_shape == (None, 32)
    repeat = RepeatVector(3)
    assert repeat(y).shape == (BATCH, 3, 32)  # now: model.output_shape == (None, 3, 32)
    assert repeat.compute_output_shape((None, 32)) == (None, 3, 32)


def test_lambda_square_example():
    # model.add(Lambda(lambda x: x ** 2))
    x = data(5)
    layer = Lambda(lambda x: x ** 2)
    np.testing.assert_allclose(layer(x).numpy(), (x ** 2).astype(np.float32), rtol=1e-6)
    assert layer.compute_output_shape((None, 5)) == (None, 5)


def antirectifier(x):
    x -= K.mean(x, axis=1, keepdims=True)
    x = K.l2_normalize(x, axis=1)
    pos = K.relu(x)
    neg = K.relu(-x)
    return K.concatenate([pos, neg], axis=1)


def antirectifier_output_shape(input_shape):
    shape = list(input_shape)
    assert len(shape) == 2  # only valid for 2D tensors
    shape[-1] *= 2
    return tuple(shape)


def test_lambda_antirectifier_example():
    layer = Lambda(antirectifier, output_shape=antirectifier_output_shape)
    x = data(6)
    y = layer(x).numpy()
    assert y.shape == (BATCH, 12) and layer.compute_output_shape((None, 6)) == (None, 12)
    centred = x - x.mean(axis=1, keepdims=True)
    unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    np.testing.assert_allclose(y, np.concatenate([np.maximum(unit, 0), np.maximum(-unit, 0)], axis=1), rtol=1e-5)


def hadamard_product_sum(tensors):
    out1 = tensors[0] * tensors[1]
    out2 = K.sum(out1, axis=-1)
    return [out1, out2]


def hadamard_product_sum_output_shape(input_shapes):
    shape1 = list(input_shapes[0])
    shape2 = list(input_shapes[1])
    assert shape1 == shape2  # else hadamard product isn't possible
    return [tuple(shape1), tuple(shape2[:-1])]


def test_lambda_hadamard_product_sum_example():
    input_1, input_2 = data(8), 2.0 * data(8)
    x1 = Dense(32)(input_1)
    x2 = Dense(32)(input_2)
    layer = Lambda(hadamard_product_sum, hadamard_product_sum_output_shape)
    x_hadamard, x_sum = layer([x1, x2])
    assert x_hadamard.shape == (BATCH, 32) and x_sum.shape == (BATCH,)
    assert layer.compute_output_shape([(None, 32), (None, 32)]) == [(None, 32), (None,)]
    np.testing.assert_allclose(x_sum.numpy(), (x1.numpy() * x2.numpy()).sum(-1), rtol=1e-5)
