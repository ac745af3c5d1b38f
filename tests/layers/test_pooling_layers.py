"""Pooling layers: values, shapes, gradients, masks, configs and errors.

Their agreement with Keras is checked on fixtures in ``test_conv_layers.py``
(``test_matches_keras[pooling-*]``); here the values are checked against NumPy.
"""
import json

import numpy as np
import pytest

from minikeras.layers.pooling.average_pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D,
)
from minikeras.layers.pooling.global_pooling import (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D,
)
from minikeras.layers.pooling.max_pooling import MaxPooling1D, MaxPooling2D, MaxPooling3D
from minikeras.utils.layer_test import layer_test

CF = {"data_format": "channels_first"}
WINDOWED = [MaxPooling1D, MaxPooling2D, MaxPooling3D, AveragePooling1D, AveragePooling2D,
            AveragePooling3D]
GLOBAL = [GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, GlobalAveragePooling1D,
          GlobalAveragePooling2D, GlobalAveragePooling3D]


def rank_of(cls):
    return int(cls.__name__[-2])


# --- the harness: shapes, config round trip, input gradients (random inputs: no ties) ----------
HARNESS_CASES = [
    (MaxPooling1D, dict(), (2, 5, 2), (None, 2, 2)),
    (MaxPooling1D, dict(pool_size=3, strides=1, padding="same", **CF), (1, 2, 4), (None, 2, 4)),
    (MaxPooling2D, dict(pool_size=(2, 3), strides=(1, 2)), (1, 3, 5, 2), (None, 2, 2, 2)),
    (MaxPooling2D, dict(pool_size=3, strides=2, padding="same", **CF), (1, 2, 4, 3), (None, 2, 2, 2)),
    (MaxPooling3D, dict(), (1, 2, 4, 3, 1), (None, 1, 2, 1, 1)),
    (MaxPooling3D, dict(pool_size=2, strides=1, padding="same", **CF), (1, 1, 2, 2, 3), (None, 1, 2, 2, 3)),
    (AveragePooling1D, dict(pool_size=3, strides=2, padding="same"), (2, 6, 1), (None, 3, 1)),
    (AveragePooling1D, dict(**CF), (1, 2, 5), (None, 2, 2)),
    (AveragePooling2D, dict(), (1, 4, 5, 2), (None, 2, 2, 2)),
    (AveragePooling2D, dict(pool_size=3, strides=(2, 1), padding="same", **CF), (1, 1, 3, 4), (None, 1, 2, 4)),
    (AveragePooling3D, dict(pool_size=(1, 2, 2), padding="same"), (1, 2, 3, 3, 1), (None, 2, 2, 2, 1)),
    (AveragePooling3D, dict(pool_size=2, strides=1, **CF), (1, 2, 2, 3, 2), (None, 2, 1, 2, 1)),
    (GlobalMaxPooling1D, dict(), (2, 4, 3), (None, 3)),
    (GlobalMaxPooling1D, dict(**CF), (2, 3, 4), (None, 3)),
    (GlobalAveragePooling1D, dict(), (2, 4, 3), (None, 3)),
    (GlobalAveragePooling1D, dict(**CF), (2, 3, 4), (None, 3)),
    (GlobalMaxPooling2D, dict(), (1, 3, 2, 2), (None, 2)),
    (GlobalMaxPooling2D, dict(**CF), (1, 2, 3, 2), (None, 2)),
    (GlobalAveragePooling2D, dict(), (1, 3, 2, 2), (None, 2)),
    (GlobalAveragePooling2D, dict(**CF), (1, 2, 3, 2), (None, 2)),
    (GlobalMaxPooling3D, dict(), (1, 2, 2, 2, 2), (None, 2)),
    (GlobalMaxPooling3D, dict(**CF), (1, 3, 2, 1, 2), (None, 3)),
    (GlobalAveragePooling3D, dict(), (1, 2, 2, 2, 2), (None, 2)),
    (GlobalAveragePooling3D, dict(**CF), (1, 3, 2, 1, 2), (None, 3)),
]


@pytest.mark.parametrize("layer_cls, kwargs, input_shape, output_shape", HARNESS_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(HARNESS_CASES)])
def test_layer_harness(layer_cls, kwargs, input_shape, output_shape):
    layer_test(layer_cls, kwargs, input_shape=input_shape, expected_output_shape=output_shape,
               expected_weight_shapes=[])


# --- values against NumPy --------------------------------------------------------------------------
def numpy_pool_2d(x, pool, strides, padding, reduce):
    """Pool a channels_last batch; padded cells are ignored (never the max, not averaged)."""
    n, h, w, c = x.shape
    if padding == "same":
        oh, ow = -(-h // strides[0]), -(-w // strides[1])
        pad_h = max((oh - 1) * strides[0] + pool[0] - h, 0)
        pad_w = max((ow - 1) * strides[1] + pool[1] - w, 0)
        top, left = pad_h // 2, pad_w // 2
    else:
        oh, ow = (h - pool[0]) // strides[0] + 1, (w - pool[1]) // strides[1] + 1
        top = left = 0
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - top, j * strides[1] - left
            window = x[:, max(r0, 0):r0 + pool[0], max(c0, 0):c0 + pool[1], :]
            y[:, i, j, :] = reduce(window, axis=(1, 2))
    return y


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("cls, reduce", [(MaxPooling2D, np.max), (AveragePooling2D, np.mean)])
@pytest.mark.parametrize("pool, strides, padding", [
    ((2, 2), None, "valid"), ((3, 2), (2, 1), "valid"), ((3, 3), (2, 2), "same"),
    ((2, 3), (1, 2), "same"), ((4, 1), (3, 1), "same"),
])
def test_windowed_pooling_matches_numpy(cls, reduce, pool, strides, padding, data_format):
    x = np.random.default_rng(0).standard_normal((2, 7, 6, 3))
    layout = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
    layer = cls(pool, strides, padding, data_format=data_format, dtype="float64")
    y = layer(layout).numpy()
    if data_format == "channels_first":
        y = np.moveaxis(y, 1, -1)
    expected = numpy_pool_2d(x, pool, strides or pool, padding, reduce)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_1d_and_3d_pooling_agree_with_2d():
    x = np.random.default_rng(1).standard_normal((2, 9, 3))
    for cls1, cls2 in ((MaxPooling1D, MaxPooling2D), (AveragePooling1D, AveragePooling2D)):
        one = cls1(3, 2, "same", dtype="float64")(x).numpy()
        two = cls2((3, 1), (2, 1), "same", dtype="float64")(x[:, :, None, :]).numpy()[:, :, 0, :]
        np.testing.assert_allclose(one, two, rtol=1e-12)
    volume = np.random.default_rng(2).standard_normal((1, 1, 5, 4, 2))
    for cls2, cls3 in ((MaxPooling2D, MaxPooling3D), (AveragePooling2D, AveragePooling3D)):
        three = cls3((1, 2, 3), (1, 2, 1), "same", dtype="float64")(volume).numpy()[:, 0]
        two = cls2((2, 3), (2, 1), "same", dtype="float64")(volume[:, 0]).numpy()
        np.testing.assert_allclose(three, two, rtol=1e-12)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_matches_numpy(data_format):
    rng = np.random.default_rng(3)
    for rank, (max_cls, avg_cls) in enumerate(zip(GLOBAL[:3], GLOBAL[3:]), start=1):
        x = rng.standard_normal((2,) + (3,) * rank + (4,))
        layout = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
        axes = tuple(range(1, rank + 1))
        np.testing.assert_allclose(max_cls(data_format, dtype="float64")(layout).numpy(), x.max(axis=axes))
        np.testing.assert_allclose(avg_cls(data_format, dtype="float64")(layout).numpy(), x.mean(axis=axes))


# --- masks -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling_1d_averages_the_unmasked_steps(data_format):
    x = np.random.default_rng(4).standard_normal((2, 4, 3))
    mask = np.array([[True, False, True, True], [False, False, True, False]])
    layer = GlobalAveragePooling1D(data_format, dtype="float64")
    assert layer.supports_masking
    layout = x if data_format == "channels_last" else np.ascontiguousarray(np.moveaxis(x, -1, 1))
    y = layer(layout, mask=mask)
    expected = np.stack([x[0, [0, 2, 3]].mean(axis=0), x[1, 2]])
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    assert y._keras_mask is None  # the time axis is gone, and the mask with it
    layer_test(GlobalAveragePooling1D, dict(data_format=data_format), input_data=layout,
               call_kwargs={"mask": mask}, expected_output=expected, supports_masking=True)


def test_global_average_pooling_1d_reads_the_mask_of_a_masking_layer():
    from minikeras.layers.core.masking import Masking

    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 6.0]]])
    y = GlobalAveragePooling1D(dtype="float64")(Masking(0.0, dtype="float64")(x))
    np.testing.assert_allclose(y.numpy(), [[2.0, 4.0]])


def test_a_mask_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D 'g': expected a mask of shape "
                                         r"\(batch, steps\) = \(2, 4\), but received a mask of shape "
                                         r"\(2, 3\)"):
        GlobalAveragePooling1D(name="g")(np.ones((2, 4, 3)), mask=np.ones((2, 3), dtype=bool))


# --- configs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, expected", [
    (MaxPooling1D(), dict(pool_size=(2,), strides=(2,), padding="valid", data_format="channels_last")),
    (AveragePooling1D(3, 1, "same", **CF), dict(pool_size=(3,), strides=(1,), padding="same", data_format="channels_first")),
    (MaxPooling2D(), dict(pool_size=(2, 2), strides=(2, 2), padding="valid", data_format="channels_last")),
    (AveragePooling2D((3, 2), padding="SAME"), dict(pool_size=(3, 2), strides=(3, 2), padding="same", data_format="channels_last")),
    (MaxPooling3D(strides=1), dict(pool_size=(2, 2, 2), strides=(1, 1, 1), padding="valid", data_format="channels_last")),
    (AveragePooling3D(**CF), dict(pool_size=(2, 2, 2), strides=(2, 2, 2), padding="valid", data_format="channels_first")),
    (GlobalMaxPooling1D(), dict(data_format="channels_last")),
    (GlobalAveragePooling2D(**CF), dict(data_format="channels_first")),
    (GlobalMaxPooling3D(), dict(data_format="channels_last")),
], ids=lambda v: type(v).__name__ if not isinstance(v, dict) else "")
def test_config_has_the_keras_2_keys_and_defaults(layer, expected):
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype"} | set(expected)
    assert {k: config[k] for k in expected} == expected
    assert type(layer).from_config(json.loads(json.dumps(config))).get_config() == config


# --- errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", WINDOWED)
def test_bad_pooling_arguments_are_refused(cls):
    rank, name = rank_of(cls), cls.__name__
    with pytest.raises(ValueError, match=rf"{name} 'p': The `pool_size` argument must hold positive "
                                         r"values\. Received: 0"):
        cls(0, name="p")
    with pytest.raises(ValueError, match=rf"{name} 'p': The `strides` argument must hold positive "
                                         r"values\. Received: -1"):
        cls(2, -1, name="p")
    with pytest.raises(ValueError, match=rf"{name} 'p': The `pool_size` argument must be an int or a "
                                         rf"tuple of {rank} ints\. Received: \(2, 2, 2, 2\)"):
        cls((2, 2, 2, 2), name="p")
    with pytest.raises(ValueError, match=rf"{name} 'p': The `padding` argument must be one of 'valid', "
                                         r"'same'\. Received: 'causal'"):
        cls(2, padding="causal", name="p")
    with pytest.raises(ValueError, match=rf"{name} 'p': The `data_format` argument must be one of "
                                         r"'channels_first', 'channels_last'\. Received: 'NCHW'"):
        cls(2, data_format="NCHW", name="p")


@pytest.mark.parametrize("cls", GLOBAL)
def test_bad_global_pooling_arguments_and_inputs_are_refused(cls):
    rank, name = rank_of(cls), cls.__name__
    with pytest.raises(ValueError, match=rf"{name} 'g': The `data_format` argument must be one of "
                                         r"'channels_first', 'channels_last'\. Received: 'last'"):
        cls("last", name="g")
    layer = cls(name="g")
    with pytest.raises(ValueError, match=rf"Layer 'g' is incompatible with the layer: expected "
                                         rf"ndim={rank + 2}, found ndim={rank + 1}"):
        layer(np.ones((2,) * (rank + 1)))
    with pytest.raises(ValueError, match=rf"{name} 'g': expected an input whose sizes \(other than the "
                                         r"batch\) are all positive, but received an input of shape "
                                         r"\(2, 0, "):
        layer(np.ones((2, 0) + (2,) * rank))


@pytest.mark.parametrize("cls", WINDOWED)
def test_a_window_larger_than_the_input_is_refused_unless_padded(cls):
    rank, name = rank_of(cls), cls.__name__
    layer = cls(3, name="p")
    small = (1,) + (3,) * (rank - 1) + (2, 1)
    padded = re_tuple((3,) * (rank - 1) + (2,))
    message = (rf"{name} 'p': the pool window {re_tuple((3,) * rank)} is larger than the padded input "
               rf"{padded} \(padding='valid'\)\. Input shape received: {re_tuple(small)}")
    with pytest.raises(ValueError, match=message):
        layer(np.ones(small))
    with pytest.raises(ValueError, match=message):
        layer.compute_output_shape(small)
    assert cls(3, padding="same")(np.ones(small)).shape == (1,) + (1,) * rank + (1,)
    with pytest.raises(ValueError, match=rf"Layer 'p' is incompatible with the layer: expected "
                                         rf"ndim={rank + 2}, found ndim={rank + 3}"):
        layer(np.ones((1,) + (3,) * (rank + 1) + (1,)))
    with pytest.raises(ValueError, match=rf"{name} 'p': expected an input whose sizes .* are all "
                                         r"positive"):
        layer(np.ones((1,) + (3,) * rank + (0,)))


def test_unknown_sizes_stay_unknown():
    assert MaxPooling2D().compute_output_shape((None, None, 7, 3)) == (None, None, 3, 3)
    assert AveragePooling1D(3, padding="same", **CF).compute_output_shape((None, 2, None)) == (None, 2, None)
    assert GlobalMaxPooling3D(**CF).compute_output_shape((None, 4, None, None, None)) == (None, 4)


def re_tuple(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


@pytest.mark.parametrize("cls", WINDOWED + GLOBAL)
def test_set_weights_on_a_layer_without_weights(cls):
    layer = cls(name="l")
    layer.build((1,) + (4,) * rank_of(cls) + (1,))
    layer.set_weights([])
    assert layer.weights == [] and layer.count_params() == 0
    with pytest.raises(ValueError, match=r"Layer 'l': set_weights expected a list of 0 arrays \(shapes "
                                         r"\[\]\), but received 1\."):
        layer.set_weights([np.zeros(3)])
