"""LocallyConnected1D/2D: harness, float64 gradients, a loop reference written from Keras
2.2.4's ``K.local_conv1d/2d`` and ``K.bias_add`` (Keras 3 has no such layer), errors."""
import numpy as np
import pytest

from minikeras.layers import Dense, Flatten
from minikeras.layers.locally_connected import LocallyConnected1D, LocallyConnected2D
from minikeras.models import Sequential
from minikeras.utils.layer_test import layer_test


def reference_1d(x, kernel, bias, k, stride):
    """out[b, t, f] = sum_{j, c} x[b, t*stride + j, c] * kernel[t, j*C + c, f] + bias[t, f]"""
    batch, _, channels = x.shape
    positions, _, filters = kernel.shape
    out = np.zeros((batch, positions, filters))
    for t in range(positions):
        for j in range(k):
            for c in range(channels):
                out[:, t] += x[:, t * stride + j, c][:, None] * kernel[t, j * channels + c]
    return out + (0 if bias is None else bias)


def reference_2d(x, kernel, bias, k, s, data_format):
    """Keras 2.2.4: the window flattened as (u, v, c) (channels_last) or (c, u, v)
    (channels_first); the (OR, OC, F) bias reshaped to (F, OR, OC) for channels_first."""
    if data_format == "channels_first":
        x = x.transpose(0, 2, 3, 1)
    batch, rows, cols, channels = x.shape
    out_rows, out_cols = (rows - k[0]) // s[0] + 1, (cols - k[1]) // s[1] + 1
    filters = kernel.shape[2]
    out = np.zeros((batch, out_rows, out_cols, filters))
    for i in range(out_rows):
        for j in range(out_cols):
            for u in range(k[0]):
                for v in range(k[1]):
                    for c in range(channels):
                        if data_format == "channels_first":
                            flat = (c * k[0] + u) * k[1] + v
                        else:
                            flat = (u * k[1] + v) * channels + c
                        out[:, i, j] += x[:, i * s[0] + u, j * s[1] + v, c][:, None] * kernel[i * out_cols + j, flat]
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
        return out + (0 if bias is None else bias.reshape(filters, out_rows, out_cols))
    return out + (0 if bias is None else bias)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 2, "kernel_size": 3}, (2, 6, 3)),
    ({"filters": 3, "kernel_size": 2, "strides": 2, "use_bias": False, "activation": "tanh"}, (2, 7, 2)),
    ({"filters": 2, "kernel_size": (2,), "kernel_regularizer": "l2", "bias_regularizer": "l1",
      "activity_regularizer": "l2", "kernel_constraint": "max_norm", "bias_constraint": "non_neg",
      "kernel_initializer": "he_uniform", "bias_initializer": "ones"}, (2, 4, 2)),
])
def test_harness_1d(kwargs, shape):
    out_len = (shape[1] - np.atleast_1d(kwargs["kernel_size"])[0]) // kwargs.get("strides", 1) + 1
    k = np.atleast_1d(kwargs["kernel_size"])[0]
    weights = [(out_len, k * shape[2], kwargs["filters"])] + ([(out_len, kwargs["filters"])] if kwargs.get("use_bias", True) else [])
    losses = sum(key in kwargs for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"))
    layer_test(LocallyConnected1D, kwargs, input_shape=shape, expected_output_shape=(None, out_len, kwargs["filters"]),
               expected_weight_shapes=weights, expected_num_losses=losses)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kwargs", [
    {"filters": 2, "kernel_size": (2, 3)},
    {"filters": 3, "kernel_size": 2, "strides": (2, 1), "activation": "sigmoid"},
    {"filters": 2, "kernel_size": 1, "use_bias": False},
])
def test_harness_2d(kwargs, data_format):
    shape = (2, 2, 5, 4) if data_format == "channels_first" else (2, 5, 4, 2)
    kwargs = dict(kwargs, data_format=data_format)
    layer_test(LocallyConnected2D, kwargs, input_shape=shape)


@pytest.mark.parametrize("k, stride, use_bias", [(3, 1, True), (2, 2, False), (1, 3, True)])
def test_1d_matches_the_keras_2_loop(k, stride, use_bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 8, 2))
    layer = LocallyConnected1D(4, k, strides=stride, use_bias=use_bias, dtype="float64")
    layer(x)
    weights = [rng.standard_normal(w.shape) for w in layer.weights]
    layer.set_weights(weights)
    expected = reference_1d(x, weights[0], weights[1] if use_bias else None, k, stride)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("k, s", [((2, 3), (1, 1)), ((3, 2), (2, 3)), ((1, 1), (1, 2))])
def test_2d_matches_the_keras_2_loop(k, s, data_format):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 7) if data_format == "channels_first" else (2, 6, 7, 3))
    layer = LocallyConnected2D(4, k, strides=s, data_format=data_format, dtype="float64")
    layer(x)
    weights = [rng.standard_normal(w.shape) for w in layer.weights]
    layer.set_weights(weights)
    expected = reference_2d(x, weights[0], weights[1], k, s, data_format)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-13, atol=1e-13)


def test_1d_channels_first_is_channels_last_with_the_window_flattened_as_c_j():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 7, 3))
    last = LocallyConnected1D(2, 3, dtype="float64")
    first = LocallyConnected1D(2, 3, data_format="channels_first", dtype="float64")
    last(x)
    first(x.transpose(0, 2, 1))
    kernel, bias = last.get_weights()
    # channels_first flattens the window as (c, j) (tf.keras' rule), channels_last as (j, c)
    kernel_first = kernel.reshape(5, 3, 3, 2).transpose(0, 2, 1, 3).reshape(5, 9, 2)
    first.set_weights([kernel_first, bias])
    np.testing.assert_allclose(first(x.transpose(0, 2, 1)).numpy(), last(x).numpy().transpose(0, 2, 1), rtol=1e-13)


def test_in_a_model():
    model = Sequential([LocallyConnected2D(4, 3, input_shape=(6, 6, 1), activation="relu"), Flatten(), Dense(2)])
    assert model.output_shape == (None, 2) and model.layers[0].output_shape == (None, 4, 4, 4)
    model.compile("sgd", "mse")
    model.fit(np.random.default_rng(0).random((8, 6, 6, 1)), np.zeros((8, 2)), verbose=0)
    assert model.count_params() == 16 * 9 * 4 + 16 * 4 + 64 * 2 + 2


@pytest.mark.parametrize("action, error, message", [
    (lambda: LocallyConnected1D(2, 3, padding="same"), ValueError,
     r"Invalid border mode for LocallyConnected1D \(only \"valid\" is supported\): received padding='same'"),
    (lambda: LocallyConnected2D(0, 3), ValueError, r"LocallyConnected2D .*`filters` must be a positive integer, received filters=0"),
    (lambda: LocallyConnected2D(2, (3, 0)), ValueError, r"LocallyConnected2D .*kernel_size"),
    (lambda: LocallyConnected2D(2, 3, data_format="nchw"), ValueError, r"LocallyConnected2D .*data_format"),
    (lambda: LocallyConnected1D(2, 3, implementation=2), NotImplementedError, r"LocallyConnected1D .*implementation=2 is not supported"),
    (lambda: LocallyConnected1D(2, 5)(np.zeros((1, 4, 2))), ValueError,
     r"LocallyConnected1D .*the kernel \(5,\) is larger than the input's spatial size \(4,\)"),
    (lambda: LocallyConnected2D(2, 3)(np.zeros((1, 4, 4))), ValueError, r"expected ndim=4, found ndim=3"),
])
def test_errors(action, error, message):
    with pytest.raises(error, match=message):
        action()


def test_unknown_sizes_and_another_shape_after_build():
    with pytest.raises(ValueError, match=r"LocallyConnected1D .*should be fully defined.*\(None, None, 3\)"):
        LocallyConnected1D(2, 2).build((None, None, 3))
    layer = LocallyConnected1D(2, 2)
    layer(np.zeros((1, 5, 3)))
    with pytest.raises(ValueError, match=r"expected axis 1 of the input to have value 5"):
        layer(np.zeros((1, 6, 3)))
