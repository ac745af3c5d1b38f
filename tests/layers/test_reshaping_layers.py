"""ZeroPadding, Cropping and UpSampling layers: values, shapes, gradients, configs, errors.

Their agreement with Keras is checked on fixtures in ``test_conv_layers.py``
(``test_matches_keras[reshaping-*]``); here the values are checked against NumPy.
"""
import json

import numpy as np
import pytest

from minikeras.layers.convolutional.conv2d import Conv2D
from minikeras.layers.convolutional.cropping import Cropping1D, Cropping2D, Cropping3D
from minikeras.layers.convolutional.upsampling import UpSampling1D, UpSampling2D, UpSampling3D
from minikeras.layers.convolutional.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from minikeras.utils.layer_test import layer_test

CF = {"data_format": "channels_first"}


def to_last(x, data_format):
    """A channels_first array moved to channels_last (unchanged if already so)."""
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


# --- the harness: shapes, config round trip, input gradients ------------------------------------
HARNESS_CASES = [
    (ZeroPadding1D, dict(), (2, 3, 2), (None, 5, 2)),
    (ZeroPadding1D, dict(padding=(0, 2)), (1, 2, 2), (None, 4, 2)),
    (ZeroPadding2D, dict(padding=((1, 0), (0, 2))), (1, 2, 2, 1), (None, 3, 4, 1)),
    (ZeroPadding2D, dict(padding=(1, 2), **CF), (1, 2, 2, 1), (None, 2, 4, 5)),
    (ZeroPadding3D, dict(padding=1), (1, 1, 2, 1, 1), (None, 3, 4, 3, 1)),
    (ZeroPadding3D, dict(padding=((0, 1), (1, 0), (0, 0)), **CF), (1, 2, 1, 1, 2), (None, 2, 2, 2, 2)),
    (Cropping1D, dict(), (2, 4, 2), (None, 2, 2)),
    (Cropping1D, dict(cropping=(0, 2)), (1, 5, 1), (None, 3, 1)),
    (Cropping2D, dict(cropping=((1, 0), (0, 2))), (1, 3, 4, 2), (None, 2, 2, 2)),
    (Cropping2D, dict(cropping=1, **CF), (1, 2, 3, 4), (None, 2, 1, 2)),
    (Cropping3D, dict(), (1, 3, 3, 4, 1), (None, 1, 1, 2, 1)),
    (Cropping3D, dict(cropping=(0, 1, (1, 0)), **CF), (1, 1, 2, 3, 2), (None, 1, 2, 1, 1)),
    (UpSampling1D, dict(), (2, 3, 2), (None, 6, 2)),
    (UpSampling1D, dict(size=3), (1, 2, 1), (None, 6, 1)),
    (UpSampling2D, dict(size=(1, 3)), (1, 2, 2, 1), (None, 2, 6, 1)),
    (UpSampling2D, dict(**CF), (1, 2, 2, 2), (None, 2, 4, 4)),
    (UpSampling2D, dict(size=(2, 3), interpolation="bilinear"), (1, 2, 3, 1), (None, 4, 9, 1)),
    (UpSampling2D, dict(size=3, interpolation="bilinear", **CF), (1, 1, 2, 2), (None, 1, 6, 6)),
    (UpSampling3D, dict(size=(1, 2, 1)), (1, 2, 2, 1, 1), (None, 2, 4, 1, 1)),
    (UpSampling3D, dict(**CF), (1, 1, 1, 2, 1), (None, 1, 2, 4, 2)),
]


@pytest.mark.parametrize("layer_cls, kwargs, input_shape, output_shape", HARNESS_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(HARNESS_CASES)])
def test_layer_harness(layer_cls, kwargs, input_shape, output_shape):
    layer_test(layer_cls, kwargs, input_shape=input_shape, expected_output_shape=output_shape,
               expected_weight_shapes=[])


# --- values against NumPy --------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding, pairs", [
    (2, ((2, 2), (2, 2))), ((1, 3), ((1, 1), (3, 3))), (((0, 1), (2, 0)), ((0, 1), (2, 0))),
    ([[1, 2], [3, 4]], ((1, 2), (3, 4))),
])
def test_zero_padding_2d_forms(padding, pairs, data_format):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2) if data_format == "channels_last" else (2, 2, 3, 4))
    layer = ZeroPadding2D(padding, data_format=data_format, dtype="float64")
    spatial = [(0, 0), *pairs, (0, 0)] if data_format == "channels_last" else [(0, 0), (0, 0), *pairs]
    np.testing.assert_array_equal(layer(x).numpy(), np.pad(x, spatial))
    assert layer.get_config()["padding"] == pairs


def test_zero_padding_1d_and_3d_forms():
    x = np.arange(6.0).reshape(1, 3, 2)
    assert ZeroPadding1D(2).get_config()["padding"] == (2, 2)
    np.testing.assert_array_equal(ZeroPadding1D((0, 1))(x).numpy(), np.pad(x, ((0, 0), (0, 1), (0, 0))))
    volume = np.ones((1, 2, 2, 2, 1))
    layer = ZeroPadding3D(((1, 0), 2, (0, 3)))
    assert layer.padding == ((1, 0), (2, 2), (0, 3))
    np.testing.assert_array_equal(layer(volume).numpy(),
                                  np.pad(volume, ((0, 0), (1, 0), (2, 2), (0, 3), (0, 0))))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cropping_takes_the_middle(data_format):
    x = np.random.default_rng(1).standard_normal((2, 6, 7, 3))
    layer = Cropping2D(((1, 2), (3, 0)), data_format=data_format, dtype="float64")
    layout = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    np.testing.assert_array_equal(to_last(layer(layout).numpy(), data_format), x[:, 1:4, 3:, :])
    volume = np.random.default_rng(2).standard_normal((1, 4, 5, 6, 2))
    layer = Cropping3D(((0, 1), 2, (1, 3)), data_format=data_format, dtype="float64")
    layout = volume if data_format == "channels_last" else np.moveaxis(volume, -1, 1)
    np.testing.assert_array_equal(to_last(layer(layout).numpy(), data_format), volume[:, :3, 2:3, 1:3, :])
    sequence = np.arange(10.0).reshape(1, 5, 2)
    np.testing.assert_array_equal(Cropping1D(2)(sequence).numpy(), sequence[:, 2:3])


def test_padding_then_cropping_is_the_identity():
    x = np.random.default_rng(3).standard_normal((2, 3, 2, 4))
    amounts = ((2, 1), (0, 3))
    y = Cropping2D(amounts, data_format="channels_first")(
        ZeroPadding2D(amounts, data_format="channels_first")(x))
    np.testing.assert_array_equal(y.numpy(), x.astype(np.float32))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_nearest_upsampling_repeats(data_format):
    x = np.random.default_rng(4).standard_normal((2, 3, 2, 2))
    layout = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    y = to_last(UpSampling2D((2, 3), data_format=data_format, dtype="float64")(layout).numpy(), data_format)
    np.testing.assert_array_equal(y, x.repeat(2, axis=1).repeat(3, axis=2))
    np.testing.assert_array_equal(UpSampling1D(2, dtype="float64")(x[..., 0]).numpy(), x[..., 0].repeat(2, axis=1))
    volume = np.random.default_rng(5).standard_normal((1, 2, 1, 2, 3))
    layout = volume if data_format == "channels_last" else np.moveaxis(volume, -1, 1)
    y = to_last(UpSampling3D((3, 1, 2), data_format=data_format, dtype="float64")(layout).numpy(), data_format)
    np.testing.assert_array_equal(y, volume.repeat(3, axis=1).repeat(2, axis=3))


def numpy_bilinear(x, factors):
    """TensorFlow 2's bilinear resize of a channels_last batch, at half-pixel centres."""
    out = x
    for axis, factor in zip((1, 2), factors):
        n = out.shape[axis]
        source = (np.arange(n * factor) + 0.5) / factor - 0.5
        source = np.clip(source, 0, n - 1)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, n - 1)
        weight = (source - low).reshape([-1 if a == axis else 1 for a in range(out.ndim)])
        out = np.take(out, low, axis=axis) * (1 - weight) + np.take(out, high, axis=axis) * weight
    return out


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("size", [(2, 2), (3, 1), (1, 4)])
def test_bilinear_upsampling_samples_at_half_pixel_centres(size, data_format):
    x = np.random.default_rng(6).standard_normal((2, 3, 4, 2))
    layout = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    layer = UpSampling2D(size, data_format=data_format, interpolation="bilinear", dtype="float64")
    np.testing.assert_allclose(to_last(layer(layout).numpy(), data_format), numpy_bilinear(x, size),
                               rtol=1e-12, atol=1e-12)


# --- the Keras 2 documentation's Cropping2D example ------------------------------------------------
def test_the_keras_2_cropping2d_example():
    from minikeras.models.sequential import Sequential

    # Crop the input 2D images or feature maps
    model = Sequential()
    model.add(Cropping2D(cropping=((2, 2), (4, 4)), input_shape=(28, 28, 3)))
    # now model.output_shape == (None, 24, 20, 3)
    assert model.output_shape == (None, 24, 20, 3)
    model.add(Conv2D(64, (3, 3), padding="same"))
    model.add(Cropping2D(cropping=((2, 2), (2, 2))))
    # now model.output_shape == (None, 20, 16, 64)
    assert model.output_shape == (None, 20, 16, 64)
    assert model.predict(np.ones((2, 28, 28, 3)), verbose=0).shape == (2, 20, 16, 64)


# --- configs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, expected", [
    (ZeroPadding1D(), {"padding": (1, 1)}),
    (ZeroPadding2D(), {"padding": ((1, 1), (1, 1)), "data_format": "channels_last"}),
    (ZeroPadding3D(2, **CF), {"padding": ((2, 2),) * 3, "data_format": "channels_first"}),
    (Cropping1D(), {"cropping": (1, 1)}),
    (Cropping2D(), {"cropping": ((0, 0), (0, 0)), "data_format": "channels_last"}),
    (Cropping3D(), {"cropping": ((1, 1),) * 3, "data_format": "channels_last"}),
    (UpSampling1D(), {"size": 2}),
    (UpSampling2D(), {"size": (2, 2), "data_format": "channels_last", "interpolation": "nearest"}),
    (UpSampling3D(**CF), {"size": (2, 2, 2), "data_format": "channels_first"}),
], ids=lambda v: type(v).__name__ if not isinstance(v, dict) else "")
def test_config_has_the_keras_2_keys_and_defaults(layer, expected):
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype"} | set(expected)
    assert {k: config[k] for k in expected} == expected
    assert type(layer).from_config(json.loads(json.dumps(config))).get_config() == config


# --- errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, argument, bad", [
    (ZeroPadding1D, "padding", -1), (ZeroPadding1D, "padding", (1, 2, 3)),
    (ZeroPadding2D, "padding", ((1, 2), (3, -4))), (ZeroPadding2D, "padding", (1, 2, 3)),
    (ZeroPadding3D, "padding", "same"), (ZeroPadding3D, "padding", ((1, 2), (3,), 1)),
    (Cropping1D, "cropping", (-1, 0)), (Cropping2D, "cropping", ((1, 1), (1, 1.5))),
    (Cropping3D, "cropping", (1, 1)),
])
def test_malformed_or_negative_amounts_are_refused(cls, argument, bad):
    n = int(cls.__name__[-2])
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'p': `{argument}` should be an int, a tuple "
                                         rf"of {n} ints or a tuple of {n} tuples of 2 ints "
                                         r"\(non-negative\)\. Received: "):
        cls(bad, name="p")


@pytest.mark.parametrize("cls", [UpSampling1D, UpSampling2D, UpSampling3D])
@pytest.mark.parametrize("size", [0, -2])
def test_non_positive_upsampling_factors_are_refused(cls, size):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'u': The `size` argument must hold "
                                         rf"positive values\. Received: {size}"):
        cls(size, name="u")


def test_unknown_interpolation_and_data_format_are_refused():
    with pytest.raises(ValueError, match=r"UpSampling2D 'u': `interpolation` must be one of 'nearest', "
                                         r"'bilinear'\. Received: interpolation='bicubic'"):
        UpSampling2D(interpolation="bicubic", name="u")
    for cls in (ZeroPadding2D, ZeroPadding3D, Cropping2D, Cropping3D, UpSampling2D, UpSampling3D):
        with pytest.raises(ValueError, match=rf"{cls.__name__} 'u': The `data_format` argument must "
                                             r"be one of 'channels_first', 'channels_last'\. "
                                             r"Received: 'channels_middle'"):
            cls(data_format="channels_middle", name="u")


@pytest.mark.parametrize("layer, shape, message", [
    (Cropping1D((2, 3), name="c"), (1, 5, 2),
     r"Cropping1D 'c': the cropping \(\(2, 3\),\) is larger than the input: it would leave spatial "
     r"sizes \(0,\) from \(5,\) \(input shape \(1, 5, 2\)\); every axis must keep at least one element"),
    (Cropping2D(((2, 2), (4, 4)), name="c"), (1, 28, 8, 3),
     r"Cropping2D 'c': the cropping \(\(2, 2\), \(4, 4\)\) is larger than the input: it would leave "
     r"spatial sizes \(24, 0\) from \(28, 8\)"),
    (Cropping2D(3, data_format="channels_first", name="c"), (1, 3, 7, 5),
     r"would leave spatial sizes \(1, -1\) from \(7, 5\)"),
    (Cropping3D(((0, 0), (0, 0), (1, 9)), name="c"), (1, 2, 2, 9, 1),
     r"would leave spatial sizes \(2, 2, -1\)"),
])
def test_a_crop_larger_than_the_input_is_refused(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer.compute_output_shape(shape)
    with pytest.raises(ValueError, match=message):
        layer(np.ones(shape))


@pytest.mark.parametrize("layer, rank", [
    (ZeroPadding1D(name="l"), 1), (ZeroPadding2D(name="l"), 2), (ZeroPadding3D(name="l"), 3),
    (Cropping1D(name="l"), 1), (Cropping2D(name="l"), 2), (Cropping3D(name="l"), 3),
    (UpSampling1D(name="l"), 1), (UpSampling2D(name="l"), 2), (UpSampling3D(name="l"), 3),
], ids=lambda v: type(v).__name__ if not isinstance(v, int) else "")
def test_wrong_rank_and_empty_axes_are_refused(layer, rank):
    with pytest.raises(ValueError, match=rf"Layer 'l' is incompatible with the layer: expected "
                                         rf"ndim={rank + 2}, found ndim={rank + 1}"):
        layer(np.ones((3,) * (rank + 1)))
    empty = (1, 0) + (4,) * rank
    with pytest.raises(ValueError, match=rf"{type(layer).__name__} 'l': expected an input whose sizes "
                                         r"\(other than the batch\) are all positive, but received an "
                                         rf"input of shape \(1, 0, "):
        layer(np.ones(empty))
    with pytest.raises(ValueError, match=r"are all positive"):
        layer.compute_output_shape(empty)


def test_unknown_sizes_stay_unknown():
    assert ZeroPadding2D(1).compute_output_shape((None, None, 4, 3)) == (None, None, 6, 3)
    assert Cropping3D(1, **CF).compute_output_shape((None, 2, None, 4, 5)) == (None, 2, None, 2, 3)
    assert UpSampling1D(3).compute_output_shape((None, None, 4)) == (None, None, 4)
    assert UpSampling2D(2, interpolation="bilinear").compute_output_shape((2, 3, None, 1)) == (2, 6, None, 1)


@pytest.mark.parametrize("cls", [ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D,
                                 Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D])
def test_set_weights_on_a_layer_without_weights(cls):
    layer = cls(name="l")
    layer.build((1,) + (4,) * int(cls.__name__[-2]) + (1,))
    layer.set_weights([])
    assert layer.weights == [] and layer.count_params() == 0
    with pytest.raises(ValueError, match=r"Layer 'l': set_weights expected a list of 0 arrays \(shapes "
                                         r"\[\]\), but received 1\."):
        layer.set_weights([np.zeros(3)])
