"""The progress bar prints Keras 2's lines, with a fake clock."""
import pytest

from minikeras.utils import generic_utils
from minikeras.utils.generic_utils import Progbar


@pytest.fixture
def clock(monkeypatch):
    """Set ``clock.now`` to choose the time the bar sees."""
    class Clock:
        now = 100.0
    monkeypatch.setattr(generic_utils, "_clock", lambda: Clock.now)
    return Clock


def make_bar(dynamic=False, **kwargs):
    bar = Progbar(**kwargs)
    bar._dynamic_display = dynamic  # a log file, not a terminal, unless asked
    return bar


def test_bar_eta_and_final_line(clock, capsys):
    bar = make_bar(target=60)
    clock.now = 100.75
    bar.update(12, [("loss", 0.2345), ("acc", 0.9123)])
    assert capsys.readouterr().out == "\n12/60 [=====>........................] - ETA: 3s - loss: 0.2345 - acc: 0.9123"
    clock.now = 104.2
    bar.update(60, [("loss", 0.1845), ("acc", 0.9623)])
    # Each value is averaged over the steps it covers: (12 * 0.2345 + 48 * 0.1845) / 60.
    assert capsys.readouterr().out == (
        "\n60/60 [==============================] - 4s 70ms/step - loss: 0.1945 - acc: 0.9523\n")


def test_redraws_are_throttled_but_the_end_always_shows(clock, capsys):
    bar = make_bar(target=10, interval=0.05)
    clock.now = 101.0
    bar.update(1)
    clock.now = 101.01
    bar.update(2)
    assert capsys.readouterr().out.count("/10 [") == 1
    bar.update(10)
    assert capsys.readouterr().out.startswith("\n10/10 [====")


def test_verbose_2_prints_one_line_at_the_end(clock, capsys):
    bar = make_bar(target=4, verbose=2)
    for step in range(1, 5):
        clock.now = 100 + step
        bar.add(1, [("loss", 0.1 * step)])
    assert capsys.readouterr().out == " - 4s - loss: 0.2500\n"


def test_stateful_metrics_small_values_and_unknown_target(clock, capsys):
    bar = make_bar(target=None, stateful_metrics=["val_acc"])
    clock.now = 100.5
    bar.update(3, [("loss", 0.00012), ("val_acc", 0.5)])
    bar.update(7, [("loss", 0.00012), ("val_acc", 0.75)])
    lines = capsys.readouterr().out.split("\n")
    # (padded with a space: the previous line, "167ms/step", was one character longer)
    assert lines[-1] == "      7/Unknown - 0s 71ms/step - loss: 1.2000e-04 - val_acc: 0.7500 "


def test_dynamic_display_rewrites_the_line(clock, capsys):
    bar = make_bar(dynamic=True, target=100, width=10)
    clock.now = 101.0
    bar.update(50, [("loss", 12.5)])
    first = capsys.readouterr().out
    assert first == "\r 50/100 [====>.....] - ETA: 1s - loss: 12.5000"
    clock.now = 102.0
    bar.update(100)
    second = capsys.readouterr().out
    assert second.startswith("\b" * len(first[1:]) + "\r100/100 [==========] - 2s 20ms/step - loss: 12.5000")
    assert second.endswith("\n")


@pytest.mark.parametrize("seconds, text", [(3.9, "3s"), (65, "1:05"), (3601, "1:00:01")])
def test_eta_formats(seconds, text):
    assert generic_utils._format_eta(seconds) == text


@pytest.mark.parametrize("seconds, text", [(2.0, "2s/step"), (0.07, "70ms/step"), (5e-5, "50us/step")])
def test_step_time_formats(seconds, text):
    assert generic_utils._format_step_time(seconds) == text


def test_verbose_2_prints_a_negative_average_as_keras_2_2_4(clock, capsys):
    # Keras 2.2.4 compares the signed average with 1e-3 on this line (not its absolute value).
    bar = make_bar(target=2, verbose=2)
    clock.now = 102.0
    bar.update(2, [("loss", -0.5)])
    assert capsys.readouterr().out == " - 2s - loss: -5.0000e-01\n"


def test_add_with_unknown_target_and_module_paths(clock, capsys):
    import minikeras
    bar = make_bar(target=None, verbose=1, interval=100.0)
    clock.now = 101.0
    bar.add(5, [("loss", 1.0)])
    bar.add(5, [("loss", 3.0)])  # no throttling without a target: every call redraws
    lines = capsys.readouterr().out.split("\n")
    assert lines[1].startswith("      5/Unknown - 1s 200ms/step - loss: 1.0000")
    assert lines[2].startswith("     10/Unknown - 1s 100ms/step - loss: 2.0000")
    assert minikeras.utils.Progbar is Progbar
