"""The functional-API examples of the Keras 2 reference pages, run with minikeras.

Each example is written as on its page (``keras`` replaced by ``minikeras``), then
compiled, trained for one epoch and used for prediction on small random data.
"""
import numpy as np
import pytest

from minikeras import backend as K
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.input_layer import Input
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.models import Model


@pytest.fixture(autouse=True)
def fresh_names():
    K.clear_session()


def random_data(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def one_hot(n, classes, seed=0):
    return np.eye(classes, dtype=np.float32)[np.random.default_rng(seed).integers(0, classes, n)]


def test_input_page_logistic_regression():
    # "this is a logistic regression in Keras" (Input's docstring)
    x = Input(shape=(32,))
    y = Dense(16, activation="softmax")(x)
    model = Model(x, y)

    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    data, = random_data((64, 32))
    history = model.fit(data, one_hot(64, 16), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}  # tf.keras' name; "acc" still finds it
    assert history.history["acc"] is history.history["accuracy"]
    predictions = model.predict(data[:5])
    assert predictions.shape == (5, 16)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)


def test_models_page_single_and_multiple_io():
    # "from keras.models import Model ... a = Input(shape=(32,)); b = Dense(32)(a)"
    a = Input(shape=(32,))
    b = Dense(32)(a)
    model = Model(inputs=a, outputs=b)
    model.compile(optimizer="sgd", loss="mse")
    x, y = random_data((16, 32), (16, 32))
    model.fit(x, y, epochs=1, verbose=0)
    assert model.predict(x).shape == (16, 32)

    # "In the case of multi-input or multi-output models, you can use lists as well"
    a1, a2 = Input(shape=(8,)), Input(shape=(4,))
    b1 = Dense(3)(a1)
    b2 = Dense(2)(a2)
    b3 = Dense(1)(Lambda(lambda t: K.concatenate(t))([b1, b2]))
    model = Model(inputs=[a1, a2], outputs=[b1, b2, b3])
    model.compile(optimizer="adam", loss="mse")
    x1, x2, y1, y2, y3 = random_data((16, 8), (16, 4), (16, 3), (16, 2), (16, 1))
    history = model.fit([x1, x2], [y1, y2, y3], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "dense_2_loss", "dense_3_loss", "dense_4_loss"}
    assert [p.shape for p in model.predict([x1, x2])] == [(16, 3), (16, 2), (16, 1)]


def test_core_layers_page_hadamard_product_sum_with_two_inputs_and_two_outputs():
    input_1 = Input(shape=(16,))
    input_2 = Input(shape=(16,))

    # add a layer that returns the hadamard product
    # and sum of it from two input tensors

    def hadamard_product_sum(tensors):
        out1 = tensors[0] * tensors[1]
        out2 = K.sum(out1, axis=-1)
        return [out1, out2]

    def hadamard_product_sum_output_shape(input_shapes):
        shape1 = list(input_shapes[0])
        shape2 = list(input_shapes[1])
        assert shape1 == shape2  # else hadamard product isn't possible
        return [tuple(shape1), tuple(shape2[:-1])]

    x1 = Dense(32)(input_1)
    x2 = Dense(32)(input_2)
    layer = Lambda(hadamard_product_sum, hadamard_product_sum_output_shape)
    x_hadamard, x_sum = layer([x1, x2])

    assert x_hadamard.shape == (None, 32) and x_sum.shape == (None,)
    model = Model([input_1, input_2], [x_hadamard, x_sum])
    assert model.output_names == ["lambda_1", "lambda_1_1"]
    model.compile(optimizer="sgd", loss=["mse", "mse"], loss_weights=[1.0, 0.01])
    u, v, target = random_data((20, 16), (20, 16), (20, 32))
    history = model.fit([u, v], [target, target.sum(axis=1)], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "lambda_1_loss", "lambda_1_1_loss"}
    product, total = model.predict([u, v])
    assert product.shape == (20, 32) and total.shape == (20,)
    np.testing.assert_allclose(total, product.sum(axis=1), rtol=1e-4, atol=1e-5)


def test_functional_guide_densely_connected_network_and_calling_a_model():
    # "This returns a tensor"
    inputs = Input(shape=(784,))

    # a layer instance is callable on a tensor, and returns a tensor
    x = Dense(64, activation="relu")(inputs)
    x = Dense(64, activation="relu")(x)
    predictions = Dense(10, activation="softmax")(x)

    # This creates a model that includes the Input layer and three Dense layers
    model = Model(inputs=inputs, outputs=predictions)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    data, = random_data((32, 784))
    labels = one_hot(32, 10)
    model.fit(data, labels, epochs=1, verbose=0)  # starts training

    # "All models are callable, just like layers"
    x = Input(shape=(784,))
    # This works, and returns the 10-way softmax we defined above.
    y = model(x)
    reused = Model(x, y)
    np.testing.assert_allclose(reused.predict(data), model.predict(data), rtol=1e-6)
    assert reused.count_params() == model.count_params()
