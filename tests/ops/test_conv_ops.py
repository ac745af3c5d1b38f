"""conv, conv_transpose and depthwise_conv: Keras' numbers, gradients, layouts, errors."""
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minikeras import GradientTape, Tensor, kernels
from minikeras.ops import conv as conv_module, depthwise_conv as depthwise_module
from minikeras.ops.conv import conv, conv_transpose, depthwise_conv
from minikeras.utils.gradient_check import assert_gradients_close

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
OPS = {"conv_conv.npz": conv, "conv_transpose.npz": conv_transpose, "conv_depthwise.npz": depthwise_conv}


def random(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def load_cases():
    for filename, op in OPS.items():
        with np.load(os.path.join(FIXTURES, filename)) as data:
            names = sorted({key.rsplit("__", 1)[0] for key in data.files})
            for name in names:
                arrays = {key.rsplit("__", 1)[1]: data[key] for key in data.files if key.startswith(name + "__")}
                arrays["args"] = json.loads(str(arrays["args"]))
                yield pytest.param(op, arrays, id=name)


CASES = list(load_cases())


# --- agreement with Keras (fixtures made by tests/fixtures/make_conv_fixtures.py) ---------

@pytest.mark.parametrize("op, case", CASES)
def test_matches_keras_output_and_gradients(op, case):
    x, kernel = Tensor(case["x"]), Tensor(case["kernel"])
    with GradientTape() as tape:
        tape.watch([x, kernel])
        y = op(x, kernel, **case["args"])
    dx, dkernel = tape.gradient(y, [x, kernel], output_gradients=Tensor(case["upstream"]))
    np.testing.assert_allclose(y.numpy(), case["y"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx.numpy(), case["dx"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dkernel.numpy(), case["dkernel"], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op, case", CASES[::3])
def test_matches_keras_in_float32(op, case):
    y = op(case["x"].astype(np.float32), case["kernel"].astype(np.float32), **case["args"])
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), case["y"], rtol=1e-5, atol=1e-5)


# --- gradients (float64, central differences, random upstream gradient) ----------------

GRADIENT_CASES = [
    (conv, (2, 7, 3), (3, 3, 2), dict(padding="causal", dilation_rate=2)),
    (conv, (2, 8, 3), (3, 3, 2), dict(padding="same", strides=3)),
    (conv, (2, 5, 6, 3), (3, 2, 3, 4), dict(padding="same", strides=2)),
    (conv, (2, 3, 6, 5), (3, 3, 3, 2), dict(dilation_rate=(2, 1), data_format="channels_first")),
    (conv, (2, 5, 4, 3), (2, 3, 3, 2), dict(padding=((1, 0), (2, 1)), strides=(1, 2))),
    (conv, (2, 3, 4, 3), (1, 1, 3, 2), dict()),  # 1x1: the columns are the input itself
    (conv, (1, 4, 5, 4, 2), (2, 3, 2, 2, 3), dict(padding="same", strides=(1, 2, 1))),
    (conv, (1, 2, 4, 5, 3), (2, 2, 2, 2, 2), dict(dilation_rate=(1, 2, 2), data_format="channels_first")),
    (conv_transpose, (2, 5, 3), (3, 2, 3), dict(strides=2, padding="same")),
    (conv_transpose, (2, 3, 4, 3), (3, 3, 2, 3), dict(strides=2, padding="same", output_padding=1)),
    (conv_transpose, (2, 3, 3, 4), (3, 2, 2, 3), dict(strides=(3, 2), data_format="channels_first")),
    (conv_transpose, (1, 3, 4, 2), (3, 3, 2, 2), dict(dilation_rate=2, padding="same")),
    (conv_transpose, (1, 2, 3, 2, 2), (2, 3, 2, 2, 2), dict(strides=2, output_padding=(1, 0, 1))),
    (depthwise_conv, (2, 7, 3), (3, 3, 2), dict(padding="same", dilation_rate=2)),
    (depthwise_conv, (2, 5, 6, 3), (3, 3, 3, 2), dict(padding="same", strides=2)),
    (depthwise_conv, (2, 3, 5, 4), (2, 3, 3, 1), dict(data_format="channels_first", padding=((0, 1), (1, 1)))),
]


@pytest.mark.parametrize("op, x_shape, kernel_shape, args", GRADIENT_CASES,
                         ids=lambda v: getattr(v, "__name__", None))
def test_gradients_match_central_differences(op, x_shape, kernel_shape, args):
    assert_gradients_close(lambda x, w: op(x, w, **args), [random(x_shape, 1), random(kernel_shape, 2)])


@pytest.mark.parametrize("op", [conv, conv_transpose, depthwise_conv])
def test_second_order_gradients(op):
    # conv, its input gradient and its kernel gradient differentiate into each other.
    def squared_gradients(x, w):
        with GradientTape() as tape:
            tape.watch([x, w])
            y = op(x, w, strides=2, padding="same")
            loss = (y * y).sum()
        dx, dw = tape.gradient(loss, [x, w])
        return (dx * dx).sum() + (dw * dw * dw).sum()

    kernel_shape = (3, 3, 2, 3) if op is conv_transpose else (3, 3, 3, 2)
    assert_gradients_close(squared_gradients, [random((2, 4, 5, 3), 3), random(kernel_shape, 4)])


@pytest.mark.parametrize("op, skipped, watched", [
    (conv, "ConvTranspose", 1), (conv, "ConvKernelGradient", 0),
    (depthwise_conv, "DepthwiseConvTranspose", 1), (depthwise_conv, "DepthwiseKernelGradient", 0),
])
def test_backward_skips_the_gradient_nobody_needs(monkeypatch, op, skipped, watched):
    def fail(self, *arrays):
        raise AssertionError(f"{skipped} ran although its gradient was not needed")

    module = depthwise_module if op is depthwise_conv else conv_module
    monkeypatch.setattr(getattr(module, skipped), "forward", fail)
    inputs = [Tensor(random((2, 5, 5, 3))), Tensor(random((3, 3, 3, 2)))]
    with GradientTape() as tape:
        tape.watch(inputs[watched])
        y = op(*inputs)
    assert tape.gradient(y, inputs[watched]).shape == inputs[watched].shape


# --- compiled kernels against their twins, through the ops (both layouts, both dtypes) ---

@st.composite
def conv_arguments(draw):
    op = draw(st.sampled_from(["conv", "conv_transpose", "depthwise_conv"]))
    rank = draw(st.sampled_from([1, 2] if op == "depthwise_conv" else [1, 2, 3]))
    strides = draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    dilation = [1] * rank if max(strides) > 1 else draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    kernel_size = draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    size = [draw(st.integers((k - 1) * d + 1, 5)) for k, d in zip(kernel_size, dilation)]
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same"]))
    args = dict(strides=tuple(strides), dilation_rate=tuple(dilation), padding=padding,
                data_format=draw(st.sampled_from(["channels_last", "channels_first"])))
    if op == "conv_transpose" and draw(st.booleans()):
        args["output_padding"] = tuple(s - 1 for s in strides)
    kernel = (*kernel_size, c_out, c_in) if op == "conv_transpose" else (*kernel_size, c_in, c_out)
    x = (2, *size, c_in) if args["data_format"] == "channels_last" else (2, c_in, *size)
    return op, x, kernel, args


@settings(max_examples=30, deadline=None)
@given(arguments=conv_arguments(), dtype=st.sampled_from([np.float32, np.float64]))
def test_cython_and_reference_kernels_agree_through_the_ops(arguments, dtype):
    name, x_shape, kernel_shape, args = arguments
    op = getattr(conv_module, name)
    x, w = Tensor(random(x_shape, 5, dtype)), Tensor(random(kernel_shape, 6, dtype))
    upstream = None
    results = {}
    for backend in ("cython", "reference"):
        with kernels.using(backend), GradientTape() as tape:
            tape.watch([x, w])
            y = op(x, w, **args)
            upstream = random(y.shape, 7, dtype) if upstream is None else upstream
            results[backend] = [y] + tape.gradient(y, [x, w], output_gradients=Tensor(upstream))
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for compiled, twin in zip(results["cython"], results["reference"]):
        assert compiled.dtype == dtype
        np.testing.assert_allclose(compiled.numpy(), twin.numpy(), rtol=tol, atol=tol)


# --- memory layouts and chunking -------------------------------------------------------

@pytest.mark.parametrize("op, x_shape, kernel_shape, args", GRADIENT_CASES[2:5] + GRADIENT_CASES[9:11] + GRADIENT_CASES[14:],
                         ids=lambda v: getattr(v, "__name__", None))
def test_strided_and_fortran_inputs_give_the_contiguous_result(op, x_shape, kernel_shape, args):
    x, w = random(x_shape, 8), random(kernel_shape, 9)
    expected = op(x, w, **args).numpy()
    big = np.zeros((2 * x.shape[0], *(n + 3 for n in x.shape[1:])))
    sliced = big[(slice(None, None, 2),) + tuple(slice(1, 1 + n) for n in x.shape[1:])]
    sliced[...] = x
    assert not sliced.flags.c_contiguous
    for variant_x, variant_w in [(np.asfortranarray(x), w), (sliced, np.asfortranarray(w)),
                                 (x, np.ascontiguousarray(w[::-1])[::-1])]:
        np.testing.assert_allclose(op(variant_x, variant_w, **args).numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op, x_shape, kernel_shape, args", [GRADIENT_CASES[2], GRADIENT_CASES[6], GRADIENT_CASES[10]],
                         ids=lambda v: getattr(v, "__name__", None))
def test_results_do_not_depend_on_the_chunk_size(monkeypatch, op, x_shape, kernel_shape, args):
    x, w = Tensor(random((5,) + x_shape[1:], 10)), Tensor(random(kernel_shape, 11))

    def run():
        with GradientTape() as tape:
            tape.watch([x, w])
            y = op(x, w, **args)
        return [y] + tape.gradient(y, [x, w], output_gradients=Tensor(random(y.shape, 12)))

    whole = run()
    monkeypatch.setattr(conv_module, "_CHUNK_BYTES", 1)  # one image per chunk
    for a, b in zip(run(), whole):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_empty_batch():
    y = conv(np.zeros((0, 5, 5, 2)), np.ones((3, 3, 2, 4)), padding="same")
    assert y.shape == (0, 5, 5, 4)
    assert conv_transpose(np.zeros((0, 2, 3, 3, 2)), np.ones((2, 2, 2, 4, 2)), strides=2).shape == (0, 4, 6, 6, 4)


def test_channels_first_output_is_a_view_of_channels_last_memory():
    # The next convolution reads it without a copy (see ConvGeometry.user).
    y = conv(random((2, 3, 6, 6)), random((3, 3, 3, 4)), data_format="channels_first").numpy()
    assert y.shape == (2, 4, 4, 4) and np.moveaxis(y, 1, -1).flags.c_contiguous


# --- errors, raised before any compiled loop runs ----------------------------------------

BAD_ARGUMENTS = [
    (conv, (2, 5, 5), (3, 3, 5, 2), {}, r"conv: expected a kernel of rank 3 .* received a kernel of shape \(3, 3, 5, 2\)"),
    (conv, (5, 5), (3, 5, 2), {}, r"conv: expected an input of rank 3 \(batch, steps, channels\) or 4 .* received shape \(5, 5\)"),
    (conv, (2, 5, 5, 3), (3, 3, 4, 2), {}, r"conv: the input has 3 channels but the kernel of shape \(3, 3, 4, 2\) expects 4"),
    (conv, (2, 3, 5, 5), (3, 3, 5, 2), dict(data_format="channels_first"), r"input has 3 channels .* data_format='channels_first'"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(padding="full"), r"conv: The `padding` argument must be one of 'valid', 'same', 'causal'. Received: 'full'"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(padding="causal"), r"conv: padding='causal' is only for 1D convolutions"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(data_format="NHWC"), r"conv: The `data_format` argument must be one of .* Received: 'NHWC'"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(strides=(1, 0)), r"conv: The `strides` argument must hold positive values. Received: \(1, 0\)"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(dilation_rate=(1, 2, 3)), r"conv: The `dilation_rate` argument must be an int or a tuple of 2 ints"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(strides=2, dilation_rate=2), r"conv: `strides > 1` is not supported together with `dilation_rate > 1`"),
    (conv, (2, 5, 2, 3), (3, 3, 3, 2), {}, r"conv: the kernel window does not fit in the padded input along spatial axis 1: kernel size 3 with dilation 1 spans 3, the input has length 2 plus 0 \+ 0"),
    (conv, (2, 9, 3), (3, 3, 2), dict(dilation_rate=5), r"kernel size 3 with dilation 5 spans 11, the input has length 9"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(padding=((1, -1), (0, 0))), r"conv: `padding` must be 'valid', 'same', 'causal' \(1D only\) or explicit non-negative zeros per side, \(\(before, after\),\) \* 2. Received: \(\(1, -1\), \(0, 0\)\)"),
    (conv, (2, 5, 5, 3), (3, 3, 3, 2), dict(padding=None), r"conv: `padding` must be .* Received: None"),
    (conv, (2, 0, 5, 3), (3, 3, 3, 2), {}, r"conv: the input's spatial sizes and channels must be positive; received shape \(2, 0, 5, 3\)"),
    (conv, (2, 5, 5, 3), (3, 0, 3, 2), {}, r"conv: the kernel's sizes must be positive; received shape \(3, 0, 3, 2\)"),
    (conv_transpose, (2, 5, 5, 3), (3, 3, 3, 2), {}, r"conv_transpose: the input has 3 channels but the kernel of shape \(3, 3, 3, 2\) expects 2 \(the kernel's last axis\)"),
    (conv_transpose, (2, 5, 5, 3), (3, 3, 2, 3), dict(strides=2, output_padding=2), r"conv_transpose: strides \(2, 2\) must be greater than output_padding \(2, 2\)"),
    (conv_transpose, (2, 5, 5, 3), (3, 3, 2, 3), dict(padding="causal"), r"conv_transpose: The `padding` argument must be one of 'valid', 'same'"),
    (conv_transpose, (2, 1, 5, 3), (2, 2, 2, 3), dict(padding="same", output_padding=0), r"conv_transpose: the output would be empty"),
    (depthwise_conv, (2, 4, 5, 5, 3), (3, 3, 3, 3, 1), {}, r"depthwise_conv: expected an input of rank 3 \(batch, steps, channels\) or 4 \(batch, rows, cols, channels\)"),
    (depthwise_conv, (2, 5, 5, 3), (3, 3, 2, 1), {}, r"depthwise_conv: the input has 3 channels but the kernel of shape \(3, 3, 2, 1\) expects 2"),
]


@pytest.mark.parametrize("op, x_shape, kernel_shape, args, message", BAD_ARGUMENTS,
                         ids=[m[:40] for *_, m in BAD_ARGUMENTS])
def test_bad_arguments_raise_before_any_kernel_runs(monkeypatch, op, x_shape, kernel_shape, args, message):
    def no_kernel(name):
        raise AssertionError(f"kernel {name!r} was looked up before the arguments were checked")

    monkeypatch.setattr(conv_module, "_kernel", no_kernel)
    monkeypatch.setattr(depthwise_module, "_kernel", no_kernel)
    with pytest.raises(ValueError, match=message):
        op(np.ones(x_shape), np.ones(kernel_shape), **args)
