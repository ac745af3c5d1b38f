"""The boundary around the compiled loops: twins for every kernel, the backend switch on a
whole model, and arguments or arrays that must be refused before any loop runs.

The loops run without bounds checks, so everything that reaches them has to fit: huge
integers (which would overflow the loops' index arithmetic or not even convert to a C
integer) and operation classes applied directly to arrays that do not match the geometry
they were built for (which made the depthwise, bilinear and cropping loops read or write
past an array's end) raise a ValueError that names the operation.
"""
import inspect

import numpy as np
import pytest

import minikeras
from minikeras import kernels, layers, models
from minikeras._kernels import _compiled, reference
from minikeras.ops import conv as conv_ops
from minikeras.ops import depthwise_conv as depthwise_ops
from minikeras.ops import padding as padding_ops
from minikeras.ops import pooling as pooling_ops
from minikeras.ops import upsampling as upsampling_ops
from minikeras.ops.conv_geometry import _forward_geometry
from minikeras.tensor import Tensor


def random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- twins and the backend switch ------------------------------------------------------------

def test_every_compiled_kernel_has_a_twin_with_the_same_parameters():
    names = []
    for module in _compiled:
        for name, function in vars(module).items():
            if name.startswith("_") or not callable(function) or isinstance(function, type):
                continue
            twin = getattr(reference, name, None)
            assert twin is not None, f"{module.__name__}.{name} has no twin in reference.py"
            assert list(inspect.signature(function).parameters) == list(
                inspect.signature(twin).parameters), name
            names.append(name)
    assert len(names) >= 17, names


def test_use_also_works_as_a_context_manager():
    assert kernels.current_backend() == "cython"
    with kernels.use("reference"):
        assert kernels.current_backend() == "reference"
        with kernels.use("cython"):
            assert kernels.current_backend() == "cython"
        assert kernels.current_backend() == "reference"
    assert kernels.current_backend() == "cython"
    kernels.use("reference")
    try:
        assert kernels.current_backend() == "reference"
    finally:
        kernels.use("cython")
    with pytest.raises(ValueError, match=r"Unknown kernel backend 'torch'. Expected one of "):
        kernels.use("torch")
    assert kernels.current_backend() == "cython"


def small_cnn():
    return models.Sequential([
        layers.Conv2D(3, 3, padding="same", input_shape=(8, 8, 2)),
        layers.ZeroPadding2D(((1, 0), (0, 1))),
        layers.MaxPooling2D(2),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
        layers.UpSampling2D(2, interpolation="bilinear"),
        layers.Conv2DTranspose(2, 3, strides=2, padding="same"),
        layers.Cropping2D(((1, 1), (0, 2))),
        layers.AveragePooling2D(3, strides=2, padding="same"),
        layers.UpSampling2D(2),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])


def test_the_switch_runs_a_whole_model_on_either_backend():
    model = small_cnn()
    x = random((3, 8, 8, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 2, 1]]
    compiled = model.predict(x, verbose=0)
    with kernels.using("reference"):
        twin = model.predict(x, verbose=0)
    kernels.use("reference")
    try:
        assert minikeras.kernels.current_backend() == "reference"
        also_twin = model.predict(x, verbose=0)
    finally:
        kernels.use("cython")
    np.testing.assert_allclose(twin, compiled, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(also_twin, compiled, rtol=1e-5, atol=1e-6)

    model.compile("sgd", "categorical_crossentropy")
    start = model.get_weights()
    model.train_on_batch(x, y)
    trained = model.get_weights()
    model.set_weights(start)
    with kernels.using("reference"):
        model.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), trained):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# --- integers too large for the loops ---------------------------------------------------------

X4 = np.ones((1, 5, 5, 2))
HUGE = [2**31, 2**62, 2**70]


HUGE_CASES = {
    "conv-strides": (lambda v: conv_ops.conv(X4, np.ones((3, 3, 2, 1)), strides=v), "strides"),
    "conv-dilation": (lambda v: conv_ops.conv(X4, np.ones((3, 3, 2, 1)), dilation_rate=v,
                                              padding="same"), "dilation_rate"),
    "conv-padding": (lambda v: conv_ops.conv(X4, np.ones((3, 3, 2, 1)), padding=((v, 0), (0, 0))),
                     "padding"),
    "conv_transpose-strides": (lambda v: conv_ops.conv_transpose(X4, np.ones((3, 3, 1, 2)), strides=v),
                               "strides"),
    "depthwise-dilation": (lambda v: depthwise_ops.depthwise_conv(X4, np.ones((3, 3, 2, 1)), dilation_rate=v,
                                                                  padding="same"), "dilation_rate"),
    "max_pool-pool_size": (lambda v: pooling_ops.max_pool(X4, v, padding="same"), "pool_size"),
    "avg_pool-strides": (lambda v: pooling_ops.avg_pool(X4, 2, v, padding="same"), "strides"),
    "nearest-size": (lambda v: upsampling_ops.upsample_nearest(X4, v), "size"),
    "bilinear-size": (lambda v: upsampling_ops.upsample_bilinear_2d(X4, v), "size"),
    "zero_pad": (lambda v: padding_ops.zero_pad(X4, v), "pads"),
    "crop": (lambda v: padding_ops.crop(X4, ((0, 0), (v, 0))), "crops"),
}


@pytest.mark.parametrize("value", HUGE, ids=["2**31", "2**62", "2**70"])
@pytest.mark.parametrize("call, argument", list(HUGE_CASES.values()), ids=list(HUGE_CASES))
def test_integers_beyond_the_index_range_are_refused(call, argument, value):
    with pytest.raises(ValueError, match=rf": `{argument}` must hold values of at most 2\*\*31 - 1; received "):
        call(value)


def test_large_but_valid_integers_still_work():
    y = conv_ops.conv(X4, np.ones((3, 3, 2, 1)), strides=2**31 - 1, padding="same")
    assert y.shape == (1, 1, 1, 1)
    assert pooling_ops.max_pool(X4, 2**31 - 1, padding="same").shape == (1, 1, 1, 2)


# --- operation classes applied directly to arrays that do not fit ------------------------------

def depthwise_geometry():
    x, w = Tensor(random((2, 5, 5, 2))), Tensor(random((3, 3, 2, 2)))
    return _forward_geometry("depthwise_conv", x, w, 1, "valid", 1, "channels_last", (3, 4))


def conv_geometry():
    x, w = Tensor(random((2, 5, 5, 2))), Tensor(random((3, 3, 2, 4)))
    return _forward_geometry("conv", x, w, 1, "valid", 1, "channels_last", (3, 4, 5))


W_DEPTHWISE, W_CONV = random((3, 3, 2, 2)), random((3, 3, 2, 4))

MISFITS = [
    # (op, arrays, expected message)
    (depthwise_ops.DepthwiseConvTranspose, (np.ones((2, 3, 3, 1)), W_DEPTHWISE),
     r"DepthwiseConvTranspose: expected an output gradient of shape \(2, 3, 3, 4\) for this "
     r"geometry; received shape \(2, 3, 3, 1\)"),
    (depthwise_ops.DepthwiseConv, (np.ones((2, 5, 5, 1)), random((3, 3, 1, 2))),
     r"DepthwiseConv: expected an input of shape \(2, 5, 5, 2\)"),
    (depthwise_ops.DepthwiseConv, (np.ones((2, 5, 5, 2)), random((2, 2, 2, 2))),
     r"DepthwiseConv: expected a kernel of shape \(3, 3, 2, 2\)"),
    (depthwise_ops.DepthwiseKernelGradient, (np.ones((2, 5, 5, 2)), np.ones((1, 3, 3, 4))),
     r"DepthwiseKernelGradient: expected an output gradient of shape \(2, 3, 3, 4\)"),
    (depthwise_ops.DepthwiseKernelGradient, (np.ones((2, 5, 5, 2)), np.ones((2, 3, 3, 2))),
     r"DepthwiseKernelGradient: expected an output gradient of shape \(2, 3, 3, 4\)"),
]
CONV_MISFITS = [
    (conv_ops.Conv, (np.ones((2, 9, 9, 2)), W_CONV), r"Conv: expected an input of shape \(2, 5, 5, 2\)"),
    (conv_ops.ConvTranspose, (np.ones((2, 4, 2, 4)), W_CONV),
     r"ConvTranspose: expected an output gradient of shape \(2, 3, 3, 4\)"),
    (conv_ops.ConvKernelGradient, (np.ones((2, 4, 4, 2)), np.ones((2, 3, 3, 4))),
     r"ConvKernelGradient: expected an input of shape \(2, 5, 5, 2\)"),
]


@pytest.mark.parametrize("op, arrays, message", MISFITS + CONV_MISFITS,
                         ids=[f"{op.__name__}-{i}" for i, (op, _, _) in enumerate(MISFITS + CONV_MISFITS)])
def test_conv_operations_refuse_arrays_that_do_not_fit_their_geometry(op, arrays, message):
    geometry = depthwise_geometry() if op.__name__.startswith("Depthwise") else conv_geometry()
    with pytest.raises(ValueError, match=message):
        op.apply(*arrays, geometry=geometry)
    # Any batch size is fine as long as the arrays agree.
    assert depthwise_ops.DepthwiseConv.apply(np.ones((3, 5, 5, 2)), W_DEPTHWISE,
                                             geometry=depthwise_geometry()).shape == (3, 3, 3, 4)


@pytest.mark.parametrize("backward, name", [
    (upsampling_ops.UpsampleBilinear2DBackward, "upsample_bilinear_2d_backward"),
    (upsampling_ops.UpsampleNearestBackward, "upsample_nearest_3d_backward"),
])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 3, 4, 2)])
def test_upsampling_backward_ops_refuse_gradients_of_another_size(backward, name, shape):
    # Before, a (1, 1, 1, 1) gradient of a x2 bilinear upsampling was scattered into an
    # empty (1, 0, 0, 1) result: a write past its end.
    with pytest.raises(ValueError, match=rf"{name}: expected a gradient whose spatial sizes are "
                                         r"multiples of size \(2, 2\); received spatial sizes"):
        backward.apply(np.ones(shape), size=(2, 2), data_format="channels_last")


def test_pooling_operations_refuse_arrays_of_another_shape():
    x = random((2, 5, 5, 2))
    pooling = pooling_ops._pooling("max_pool", x.shape, 2, None, "valid", "channels_last")
    forward = pooling_ops.MaxPool(pooling=pooling)
    forward.forward(x)
    message = r"Pooling of \(2, 5, 5, 2\) to \(2, 2, 2, 2\): expected an array of shape "
    with pytest.raises(ValueError, match=message + r"\(2, 2, 2, 2\); received shape \(2, 2, 2, 1\)"):
        pooling_ops.MaxPoolBackward.apply(np.ones((2, 2, 2, 1)), pooling=pooling, argmax=forward.argmax)
    with pytest.raises(ValueError, match=message + r"\(2, 5, 5, 2\); received shape \(1, 5, 5, 2\)"):
        pooling_ops.AvgPool.apply(np.ones((1, 5, 5, 2)), pooling=pooling)
    with pytest.raises(ValueError, match=r"expected argmax positions of shape \(2, 1, 2, 2, 2\)"):
        pooling_ops.MaxPoolGather.apply(x, pooling=pooling, argmax=forward.argmax[:1])


@pytest.mark.parametrize("op, amounts, shape", [
    (padding_ops.Crop, ((1, 1), (1, 1)), (2, 5, 5)),   # two pairs for one spatial axis
    (padding_ops.Crop, ((3, 3),), (2, 5, 5)),          # more than the axis holds
    (padding_ops.ZeroPad, ((1, 1),), (5, 5)),          # no spatial axis at all
])
def test_padding_operations_refuse_amounts_that_do_not_fit(op, amounts, shape):
    key = "crops" if op is padding_ops.Crop else "pads"
    with pytest.raises(ValueError, match=rf"{op.__name__}: the amounts .* do not fit an input of shape"):
        op.apply(np.ones(shape), **{key: amounts}, data_format="channels_last")


# --- the type the kernels compute in ---------------------------------------------------------

@pytest.mark.parametrize("op", [
    lambda x: padding_ops.zero_pad(x, 1),
    lambda x: padding_ops.crop(x, 1),
    lambda x: upsampling_ops.upsample_nearest(x, 2),
    lambda x: upsampling_ops.upsample_bilinear_2d(x, 2),
    lambda x: pooling_ops.max_pool(x, 2),
    lambda x: pooling_ops.avg_pool(x, 2),
    lambda x: conv_ops.conv(x, np.ones((1, 1, 2, 1), ">f8")),
    lambda x: depthwise_ops.depthwise_conv(x, np.ones((1, 1, 2, 1), ">f8")),
], ids=["zero_pad", "crop", "nearest", "bilinear", "max_pool", "avg_pool", "conv", "depthwise"])
def test_big_endian_float64_is_computed_in_float64(op):
    # Values 1e-12 apart collapse in float32. A big-endian float64 array (as read from
    # some file formats) used to miss the float64 kernels and lose them.
    native = 1.0 + 1e-12 * np.arange(2 * 4 * 4 * 2).reshape(2, 4, 4, 2)
    y = op(native.astype(">f8"))
    assert y.dtype.itemsize == 8
    np.testing.assert_array_equal(y.numpy(), op(native).numpy())
