"""The fused operations of the training step (issue 10): bias and activation in one pass
(``bias_activation``, ``conv(..., bias=, activation=)``), ReLU's backward rule, dropout from
random bits; against the unfused operations, finite differences and their twins."""
import numpy as np
import pytest

from minikeras import GradientTape, Tensor, kernels, ops
from minikeras._kernels import activation as compiled_activation
from minikeras._kernels import dropout as compiled_dropout
from minikeras._kernels import reference
from minikeras.ops.conv import conv
from minikeras.ops.nn import ReluGradient, bias_activation, dropout_mask_apply
from minikeras.utils.gradient_check import assert_gradients_close


def away_from_zero(shape, seed, margin=0.05):
    """Random values with |v| >= margin: no finite difference crosses ReLU's kink."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x)


# --- bias_activation --------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bias_activation_is_the_unfused_computation(activation, with_bias):
    x = np.random.default_rng(0).standard_normal((5, 4, 3)).astype("float32")
    b = np.random.default_rng(1).standard_normal(3).astype("float32")
    expected = x + b if with_bias else x
    if activation == "relu":
        expected = np.maximum(expected, 0)
    fused = bias_activation(x, b if with_bias else None, activation)
    assert fused.dtype == np.float32
    np.testing.assert_array_equal(fused.numpy(), expected)


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_bias_activation_gradients(activation):
    x = away_from_zero((6, 5), 2)
    b = np.zeros(5)  # keeps x + b away from the kink too
    assert_gradients_close(lambda x, b: bias_activation(x, b, activation), [x, b])
    assert_gradients_close(lambda x: bias_activation(x, None, activation), [x])


def test_bias_activation_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"BiasActivation: `activation` must be 'relu' or 'linear'; received 'tanh'"):
        bias_activation(np.ones((2, 3)), np.ones(3), "tanh")
    with pytest.raises(ValueError, match=r"BiasActivation: expected a bias of shape \(3,\) .*received shape \(4,\)"):
        bias_activation(np.ones((2, 3)), np.ones(4), "relu")
    with pytest.raises(ValueError, match=r"ReluGradient: expected a gradient of the output's shape \(2, 3\); received shape \(3,\)"):
        ReluGradient.apply(np.ones(3), np.ones((2, 3)))


def test_relu_gradient_is_linear_in_the_gradient_and_has_second_derivatives():
    y = np.maximum(away_from_zero((4, 3), 3), 0)
    assert_gradients_close(lambda g: ReluGradient.apply(g, Tensor(y)), [away_from_zero((4, 3), 4)])

    def gradient_norm(x):
        with GradientTape() as tape:
            tape.watch(x)
            loss = (ops.relu(x) * ops.relu(x) * x).sum()
        dx = tape.gradient(loss, x)
        return (dx * dx).sum()

    assert_gradients_close(gradient_norm, [away_from_zero((3, 4), 5)])


# --- the fused convolution ----------------------------------------------------------------------

@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_fused_conv_is_conv_plus_bias_then_activation(data_format, activation):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 7, 6, 2) if data_format == "channels_last" else (3, 2, 7, 6)).astype("float32")
    w, b = rng.standard_normal((3, 3, 2, 4)).astype("float32"), rng.standard_normal(4).astype("float32")
    plain = conv(x, w, padding="same", data_format=data_format).numpy()
    plain = plain + (b if data_format == "channels_last" else b[:, None, None])
    if activation == "relu":
        plain = np.maximum(plain, 0)
    fused = conv(x, w, padding="same", data_format=data_format, bias=b, activation=activation)
    np.testing.assert_array_equal(fused.numpy(), plain)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_fused_conv_gradients(data_format, with_bias):
    x_shape = (2, 5, 6, 3) if data_format == "channels_last" else (2, 3, 5, 6)
    # A large bias keeps the outputs away from ReLU's kink for the finite differences.
    b = np.array([4.0, -4.0]) if with_bias else None
    w = 0.2 * np.random.default_rng(8).standard_normal((3, 3, 3, 2))
    if with_bias:
        assert_gradients_close(lambda x, w, b: conv(x, w, strides=2, padding="same", data_format=data_format,
                                                    bias=b, activation="relu"),
                               [away_from_zero(x_shape, 7), w, b])
    else:
        assert_gradients_close(lambda x, w: conv(x, w, data_format=data_format, activation="relu"),
                               [np.abs(away_from_zero(x_shape, 7)), np.abs(w)])


def test_fused_conv_second_order_gradients():
    def squared_gradients(x, w, b):
        with GradientTape() as tape:
            tape.watch([x, w, b])
            y = conv(x, w, padding="same", bias=b, activation="linear")
            loss = (y * y * y).sum()
        dx, dw, db = tape.gradient(loss, [x, w, b])
        return (dx * dx).sum() + (dw * dw).sum() + (db * db * db).sum()

    rng = np.random.default_rng(9)
    assert_gradients_close(squared_gradients, [rng.standard_normal((2, 4, 4, 2)),
                                               rng.standard_normal((3, 3, 2, 3)), rng.standard_normal(3)])


def test_fused_conv_refuses_bad_arguments():
    x, w = np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4))
    with pytest.raises(ValueError, match=r"conv: `activation` must be 'relu' or 'linear'; received 'elu'"):
        conv(x, w, activation="elu")
    with pytest.raises(ValueError, match=r"conv: expected a bias of shape \(4,\) \(one value per channel\); received shape \(2,\)"):
        conv(x, w, bias=np.ones(2))


# --- dropout from random bits ------------------------------------------------------------------

def test_dropout_mask_apply_values_gradients_and_errors():
    bits = np.random.default_rng(10).integers(0, 2**32, (4, 5), dtype=np.uint32)
    x = np.random.default_rng(11).standard_normal((4, 5)).astype("float32")
    threshold, scale = round(0.3 * 2**32), np.float32(1) / np.float32(0.7)
    expected = x * np.where(bits >= threshold, scale, np.float32(0))
    np.testing.assert_array_equal(dropout_mask_apply(x, bits, threshold, scale).numpy(), expected)
    assert_gradients_close(lambda x: dropout_mask_apply(x, bits, threshold, 1 / 0.7), [x.astype("float64")])
    with pytest.raises(ValueError, match=r"dropout_mask_apply: expected uint32 bits of the input's shape \(4, 5\); received int64 of shape \(4, 5\)"):
        dropout_mask_apply(x, bits.astype(np.int64), threshold, scale)
    with pytest.raises(ValueError, match=r"`threshold` must be in \[0, 2\*\*32\]; received -1"):
        dropout_mask_apply(x, bits, -1, scale)


# --- the kernels against their twins --------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_and_dropout_kernels_agree_with_their_twins(dtype):
    rng = np.random.default_rng(12)
    rows, C = 3000, 24  # above the size where the loops use threads
    z = rng.standard_normal((rows, C)).astype(dtype)
    bias = rng.standard_normal(C).astype(dtype)
    for has_bias in (True, False):
        for relu in (True, False):
            a, b = z.copy(), z.copy()
            compiled_activation.bias_activation(a, bias, has_bias, relu)
            reference.bias_activation(b, bias, has_bias, relu)
            np.testing.assert_array_equal(a, b)
            grad = rng.standard_normal((rows, C)).astype(dtype)
            outs = [(np.zeros_like(grad), np.zeros((8, C))) for _ in range(2)]
            for module, (dz, parts) in zip((compiled_activation, reference), outs):
                module.bias_activation_backward(grad, a, dz, parts, has_bias, relu)
            np.testing.assert_array_equal(outs[0][0], outs[1][0])
            np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-12)
    bits = rng.integers(0, 2**32, rows * C, dtype=np.uint32)
    x = z.reshape(-1)
    outs = [np.empty_like(x), np.empty_like(x)]
    compiled_dropout.dropout_mask_apply(x, bits, 2**31, 2.0, outs[0])
    reference.dropout_mask_apply(x, bits, 2**31, 2.0, outs[1])
    np.testing.assert_array_equal(*outs)


def test_fused_layers_give_the_same_numbers_on_both_backends():
    from minikeras import layers, models

    model = models.Sequential([layers.Conv2D(3, 3, activation="relu", input_shape=(6, 6, 2)),
                               layers.Dropout(0.5, seed=1), layers.Flatten(),
                               layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = np.random.default_rng(13).standard_normal((2, 6, 6, 2)).astype("float32")
    compiled = model.predict(x, verbose=0)
    with kernels.using("reference"):
        twin = model.predict(x, verbose=0)
    np.testing.assert_allclose(twin, compiled, rtol=1e-6, atol=1e-7)
