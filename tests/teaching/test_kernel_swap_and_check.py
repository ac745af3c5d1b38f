"""kernels.use(module), kernels.active() and kernels.check(module)."""
import types

import numpy as np
import pytest

from minikeras import kernels, layers
from minikeras._kernels import reference
from minikeras.inspect import kernel_check


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
    assert set(kernels.active()) == set(kernel_check.CASES)


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
        assert len(report.results) == 17 and report.no_cases == [] and report.not_provided == []
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
    assert "(15 other kernels are not defined by the module and were not checked" in text
    assert "col2im_2d" in report.not_provided and len(report.not_provided) == 15
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
        out = args[len(case.inputs)]
        out *= 1.1

    assert "differs by up to" in kernel_check._finite_differences(name, off_by_ten_percent, case)


def test_check_lists_kernels_it_has_no_cases_for(monkeypatch):
    monkeypatch.delitem(kernel_check.CASES, "crop_3d")
    report = kernels.check(reference, kernels=None, cases=1)
    assert report.no_cases == ["crop_3d"] and report.ok
    assert "no test cases known for: crop_3d" in str(report)
    assert kernels.check(reference, kernels=["crop_3d"]).results[0].status == "no cases"
