"""kernels.use(module), kernels.active() and kernels.check(module)."""
import glob
import importlib
import inspect
import os
import types

import numpy as np
import pytest

from minikeras import GradientTape, kernels, layers
from minikeras import _kernels
from minikeras._kernels import reference
from minikeras.inspect import kernel_check
from minikeras.inspect.kernel_call import Out


def compiled_kernels():
    """The public functions of every compiled module built from a .pyx of minikeras/_kernels."""
    names = []
    for source in sorted(glob.glob(os.path.join(os.path.dirname(_kernels.__file__), "*.pyx"))):
        module = importlib.import_module("minikeras._kernels." + os.path.basename(source)[:-4])
        names += [name for name, value in vars(module).items()
                  if not name.startswith("_") and inspect.isroutine(value)]
    return names


COMPILED = compiled_kernels()


def student_module(**functions):
    module = types.ModuleType("student_kernels")
    for name, function in functions.items():
        setattr(module, name, function)
    return module


def im2col_forgetting_the_top_pad(x, cols, SH, SW, DH, DW, PT, PL):
    """A typical student slip: ``ih = oh*SH + kh*DH`` without ``- PT``."""
    N, H, W, C = x.shape
    _, OH, OW, KH, KW, _ = cols.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                for kh in range(KH):
                    ih = oh * SH + kh * DH
                    for kw in range(KW):
                        iw = ow * SW + kw * DW - PL
                        inside = 0 <= ih < H and 0 <= iw < W
                        cols[n, oh, ow, kh, kw, :] = x[n, ih, iw, :] if inside else 0


def test_use_a_module_switches_only_the_kernels_it_defines():
    calls = []

    def im2col_2d(x, cols, SH, SW, DH, DW, PT, PL):
        calls.append(x.shape)
        reference.im2col_2d(x, cols, SH, SW, DH, DW, PT, PL)

    module = student_module(im2col_2d=im2col_2d)
    conv = layers.Conv2D(2, 3, padding="same")
    x = np.random.default_rng(0).standard_normal((1, 5, 5, 1)).astype("float32")
    expected = conv(x).numpy()
    with kernels.use(module):
        assert kernels.current_backend() is module
        active = kernels.active()
        assert active["im2col_2d"] == "module student_kernels"
        assert active["col2im_2d"] == "cython"
        np.testing.assert_allclose(conv(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert calls == [(1, 5, 5, 1)]
    assert kernels.current_backend() == "cython"
    assert set(kernels.active().values()) == {"cython"}
    assert set(kernels.active()) == set(kernel_check.CASES) == set(COMPILED)


def test_every_compiled_kernel_has_cases_and_every_backward_kernel_an_oracle():
    assert len(COMPILED) >= 24 and sorted(kernels.kernel_names()) == sorted(COMPILED)
    assert set(kernel_check.CASES) == set(COMPILED)
    backward = {name for name in COMPILED if "_backward" in name or name.startswith("col2")}
    assert {"batch_norm_backward_sums", "batch_norm_backward_apply", "embedding_backward",
            "bias_activation_backward"} <= backward
    assert set(kernel_check.FD_PAIRS) == backward


def test_use_a_module_with_lstm_forward_replaces_only_it():
    calls = []

    def lstm_forward(xz, R, keep, rmask, act, ract, hs, cs, gates):
        calls.append(xz.shape)
        reference.lstm_forward(xz, R, keep, rmask, act, ract, hs, cs, gates)

    lstm = layers.LSTM(3, return_sequences=True, dtype="float64")
    x = np.random.default_rng(0).standard_normal((2, 4, 5))

    def run():
        with GradientTape() as tape:
            y = lstm(x)
            loss = (y * y).sum()
        return y.numpy(), [g.numpy() for g in tape.gradient(loss, lstm.trainable_weights)]

    expected, expected_grads = run()
    with kernels.use(student_module(lstm_forward=lstm_forward)):
        active = kernels.active()
        assert active["lstm_forward"] == "module student_kernels"
        assert {name for name, used in active.items() if used != "cython"} == {"lstm_forward"}
        actual, grads = run()
    assert calls == [(4, 2, 12)]  # time-major xz: (T, N, 4U)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)
    for g, e in zip(grads, expected_grads):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_use_refuses_modules_that_do_not_fit():
    with pytest.raises(ValueError, match="module 'student_kernels' defines none of the kernels"):
        kernels.use(student_module(my_conv=lambda x: x))
    with pytest.raises(TypeError, match=r"student_kernels.crop_3d takes 2 parameters \(x, out\), "
                                        r"but the kernel crop_3d takes 5"):
        kernels.use(student_module(crop_3d=lambda x, out: None))
    assert kernels.current_backend() == "cython"


def test_check_passes_the_compiled_kernels_and_their_twins():
    for module in ("cython", reference):
        report = kernels.check(module, cases=4)
        assert report.ok, str(report)
        assert len(report.results) == len(COMPILED) and report.no_cases == []
        assert report.not_provided == []
        assert all(line.split()[1] == "pass" for line in str(report).splitlines()[1:])


def test_check_fails_a_broken_module_and_names_the_case():
    module = student_module(im2col_2d=im2col_forgetting_the_top_pad, crop_3d=reference.crop_3d)
    report = kernels.check(module)
    assert not report.ok and report.failed == ["im2col_2d"]
    assert report["crop_3d"].ok
    text = str(report)
    assert text.splitlines()[0] == "kernels.check(student_kernels): 1 of 2 kernels FAIL"
    line = next(line for line in text.splitlines() if "im2col_2d" in line)
    # The failing case: every argument by name, and the largest difference.
    assert "FAIL: case" in line and "agreement with the twin" in line
    for argument in ("x (", "cols (", "SH=", "SW=", "DH=", "DW=", "PT=", "PL="):
        assert argument in line, line
    assert "differs by up to" in line
    others = len(COMPILED) - 2
    assert f"({others} other kernels are not defined by the module and were not checked" in text
    assert "col2im_2d" in report.not_provided and len(report.not_provided) == others
    # The named case replays: with its PT the student's kernel really disagrees.
    failing = report["im2col_2d"].message
    assert "PT=0" not in failing


def test_check_reports_unwritten_outputs_exceptions_and_missing_kernels():
    def lazy_zero_pad(x, out, PF, PT, PL):  # forgets the zeros around the copy
        N, D, H, WC = x.shape
        out[:, PF:PF + D, PT:PT + H, PL:PL + WC] = x

    def crashing_crop(x, out, CF, CT, CL):
        raise IndexError("index 7 is out of bounds")

    report = kernels.check(student_module(zero_pad_3d=lazy_zero_pad, crop_3d=crashing_crop),
                           kernels=["zero_pad_3d", "crop_3d", "col2im_2d"])
    assert "never written: still NaN" in report["zero_pad_3d"].message
    assert "raised IndexError: index 7 is out of bounds" in report["crop_3d"].message
    assert report["col2im_2d"].status == "missing"
    assert report.failed == ["zero_pad_3d", "crop_3d", "col2im_2d"]


@pytest.mark.parametrize("name", sorted(kernel_check.FD_PAIRS))
def test_finite_difference_check_accepts_the_twins_and_catches_a_wrong_gradient(name):
    rng = np.random.default_rng(5)
    case = kernel_check.CASES[name](rng)
    assert kernel_check._finite_differences(name, getattr(reference, name), case) is None

    def off_by_ten_percent(*args):
        getattr(reference, name)(*args)
        for arg, spec in zip(args, case.arguments):
            if isinstance(spec, Out):
                arg *= 1.1

    assert "differs by up to" in kernel_check._finite_differences(name, off_by_ten_percent, case)


def test_check_lists_kernels_it_has_no_cases_for(monkeypatch):
    monkeypatch.delitem(kernel_check.CASES, "crop_3d")
    report = kernels.check(reference, kernels=None, cases=1)
    assert report.no_cases == ["crop_3d"] and report.ok
    assert "no test cases known for: crop_3d" in str(report)
    assert kernels.check(reference, kernels=["crop_3d"]).results[0].status == "no cases"


# --- one deliberately broken version of each kernel added after the first 17 ---------------------
def affine_ignoring_cval(x, out, matrices, mode, cval):
    reference.affine_transform_2d(x, out, matrices, mode, 0.0)


def simple_rnn_forward_without_dropout(xz, R, keep, rmask, act, hs):
    reference.simple_rnn_forward(xz, R, keep, rmask[:0], act, hs)


def simple_rnn_backward_always_tanh(dhs, R, keep, rmask, act, hs, dz, dh0):
    reference.simple_rnn_backward(dhs, R, keep, rmask, 1, hs, dz, dh0)


def lstm_forward_swapping_input_and_forget_gates(xz, R, keep, rmask, act, ract, hs, cs, gates):
    U = R.shape[0]
    order = np.r_[U:2 * U, 0:U, 2 * U:4 * U]
    swapped = rmask[[1, 0, 2, 3]] if rmask.shape[0] else rmask
    reference.lstm_forward(np.ascontiguousarray(xz[:, :, order]), np.ascontiguousarray(R[:, order]),
                           keep, swapped, act, ract, hs, cs, gates)


def lstm_backward_forgetting_dcs(dhs, dcs, R, keep, rmask, act, ract, hs, cs, gates, dz, dh0, dc0):
    reference.lstm_backward(dhs, np.zeros_like(dcs), R, keep, rmask, act, ract, hs, cs, gates,
                            dz, dh0, dc0)


def gru_forward_without_recurrent_bias(xz, R, rb, keep, rmask, act, ract, reset_after, mix_dropped,
                                       hs, gates, mh):
    reference.gru_forward(xz, R, np.zeros_like(rb), keep, rmask, act, ract, reset_after,
                          mix_dropped, hs, gates, mh)


def gru_backward_ignoring_mix_dropped(dhs, R, keep, rmask, act, ract, reset_after, mix_dropped,
                                      hs, gates, mh, dz, dh0):
    reference.gru_backward(dhs, R, keep, rmask, act, ract, reset_after, False, hs, gates, mh,
                           dz, dh0)


def batch_norm_sums_overwriting(x, shift, sums, squares):
    """Sets the sums instead of adding to them (the caller accumulates over calls)."""
    sums[...], squares[...] = 0.0, 0.0
    reference.batch_norm_sums(x, shift, sums, squares)


def batch_norm_apply_without_offset(x, scale, offset, y):
    reference.batch_norm_apply(x, scale, np.zeros_like(offset), y)


def batch_norm_backward_sums_uncentred(grad, x, mean, grad_sums, grad_x_sums):
    reference.batch_norm_backward_sums(grad, x, np.zeros_like(mean), grad_sums, grad_x_sums)


def batch_norm_backward_apply_without_d(grad, x, a, b, d, grad_x):
    reference.batch_norm_backward_apply(grad, x, a, b, np.zeros_like(d), grad_x)


def embedding_backward_assigning(indices, grad_rows, grad_table):
    """``grad_table[indices] = grad_rows``: repeated indices keep only their last row."""
    grad_table[indices] = grad_rows


def adam_ignoring_amsgrad(w, g, m, v, vhat, out, beta_1, beta_2, lr_t, epsilon, amsgrad):
    reference.adam_update(w, g, m, v, vhat, out, beta_1, beta_2, lr_t, epsilon, False)


def bias_activation_relu_before_bias(z, bias, has_bias, relu):
    reference.bias_activation(z, bias, False, relu)
    if has_bias:
        z += bias


def bias_activation_backward_passing_zeros(grad, y, dz, dbias_parts, has_bias, relu):
    """ReLU's gradient with ``y >= 0``: lets the gradient through where the output is 0."""
    reference.bias_activation_backward(grad, y + 1.0, dz, dbias_parts, has_bias, relu)


def dropout_keeping_the_wrong_side(x, bits, threshold, scale, out):
    out[...] = x * np.where(bits < threshold, scale, 0.0)


BROKEN = {
    "batch_norm_sums": (batch_norm_sums_overwriting, "sums differs", ["shift (", "float64", "in place"]),
    "batch_norm_apply": (batch_norm_apply_without_offset, "y differs", ["offset ("]),
    "batch_norm_backward_sums": (batch_norm_backward_sums_uncentred, "grad_x_sums differs",
                                 ["mean (", "float64"]),
    "batch_norm_backward_apply": (batch_norm_backward_apply_without_d, "grad_x differs", ["d ("]),
    "embedding_backward": (embedding_backward_assigning, "grad_table differs",
                           ["indices (", "int64", "grad_table (", "in place"]),
    "adam_update": (adam_ignoring_amsgrad, "differs", ["amsgrad=True", "vhat ("]),
    "bias_activation": (bias_activation_relu_before_bias, "z differs", ["has_bias=True", "relu=True"]),
    "bias_activation_backward": (bias_activation_backward_passing_zeros, "dz differs",
                                 ["relu=True", "dbias_parts ("]),
    "dropout_mask_apply": (dropout_keeping_the_wrong_side, "out differs", ["bits (", "uint32", "threshold="]),

    "affine_transform_2d": (affine_ignoring_cval, "out differs", ["matrices (", "float64", "mode=0"]),
    "simple_rnn_forward": (simple_rnn_forward_without_dropout, "hs differs", ["rmask (1,", "uint8"]),
    "simple_rnn_backward": (simple_rnn_backward_always_tanh, "dz differs", ["act=", "keep ("]),
    "lstm_forward": (lstm_forward_swapping_input_and_forget_gates, "differs", ["ract="]),
    "lstm_backward": (lstm_backward_forgetting_dcs, "differs", ["dcs ("]),
    "gru_forward": (gru_forward_without_recurrent_bias, "differs", ["reset_after=True"]),
    "gru_backward": (gru_backward_ignoring_mix_dropped, "differs",
                     ["mix_dropped=True", "rmask (3,"]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_fails_a_broken_new_kernel_and_names_the_case(name):
    broken, difference, details = BROKEN[name]
    report = kernels.check(student_module(**{name: broken}))
    assert not report.ok and report.failed == [name]
    line = next(line for line in str(report).splitlines() if line.split()[0] == name)
    assert "FAIL: case" in line and "agreement with the twin" in line and difference in line, line
    # Every argument by its name: arrays with their shapes (typed ones with their dtype),
    # scalars (ints, floats, flags) with their values.
    for parameter in inspect.signature(getattr(reference, name)).parameters:
        assert f" {parameter} (" in line or f" {parameter}=" in line, (parameter, line)
    for detail in details:
        assert detail in line, (detail, line)


def test_finite_differences_of_in_place_kernels_compare_what_they_added():
    """An accumulating kernel's gradient is what it added to its ``InOut`` output: an
    embedding_backward that assigns (losing the table's previous values and repeated rows)
    fails the finite differences too, without the twin being consulted."""
    rng = np.random.default_rng(3)
    case = kernel_check.CASES["embedding_backward"](rng)
    assert len(set(case.inputs[0].tolist())) < len(case.inputs[0])  # repeated indices
    assert kernel_check._finite_differences("embedding_backward", reference.embedding_backward,
                                            case) is None
    message = kernel_check._finite_differences("embedding_backward", embedding_backward_assigning, case)
    assert "grad_table differs by up to" in message
    # Without relu (has_bias only) dz is left alone and only dbias_parts is a gradient.
    case = kernel_check.CASES["bias_activation_backward"](rng, index=2)
    assert case.arguments[-2:] == (True, False)
    assert kernel_check._finite_differences("bias_activation_backward",
                                            reference.bias_activation_backward, case) is None
