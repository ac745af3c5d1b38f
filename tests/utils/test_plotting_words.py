"""The plotting helpers' own words: English unless told, other words for one figure or for all."""
import re

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from minikeras import GradientTape, Tensor, Variable, ops  # noqa: E402
from minikeras.utils import plotting  # noqa: E402
from minikeras.utils.plotting.words import ENGLISH, Words  # noqa: E402

# Every entry changed: a marker with the key, and the entry's fields.
MARKED = {key: "<" + key + ">" + "".join(f"[{{{f}}}]" for f in sorted(
    {name for text in (entry if isinstance(entry, tuple) else (entry,))
     for name in re.findall(r"{(\w+)", text)})) for key, entry in ENGLISH.items() if key != "metrics"}
MARKED["metrics"] = {"loss": "<loss>"}


@pytest.fixture(autouse=True)
def english_again():
    yield
    plotting.set_words(None)
    plt.close("all")


def texts(figure):
    """Every text of ``figure`` but the tick labels."""
    found = [figure._suptitle] + list(figure.texts)
    for ax in figure.axes:
        found += [ax.title, ax.xaxis.label, ax.yaxis.label] + list(ax.texts)
        found += ax.get_legend().get_texts() if ax.get_legend() else []
    return [text.get_text() for text in found if text is not None and text.get_text()]


def every_helper(**kwargs):
    """What all the helpers draw, every branch that has words of its own, as one list of texts."""
    a = Variable(np.ones(3), name="a")
    x = Tensor(np.arange(3.0))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = ops.sum(ops.exp(a * x) * 2.0)
        ops.exp(a)  # recorded, but y does not depend on it
    figures = [
        plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.2, 0.8]}, **kwargs),
        plotting.plot_samples(np.zeros((3, 4, 4)), [1, 2, 0], np.eye(3)[[1, 0, 0]], **kwargs),
        plotting.plot_samples(np.zeros((2, 4, 4)), [1, 2], [1, 0], **kwargs),
        plotting.plot_confusion_matrix([0, 1, 1], [0, 1, 0], **kwargs),
        plotting.plot_confusion_matrix([0, 1, 1], [0, 1, 0], normalize=True, **kwargs),
        plotting.plot_filters(np.ones((3, 3, 2, 2)), **kwargs),
        plotting.plot_filters(np.ones((3, 3, 3, 2)), **kwargs),
        plotting.plot_feature_maps([np.ones((1, 4, 4, 3))], x=np.ones((4, 4, 1)), max_maps=2, **kwargs),
        plotting.plot_tape(tape, y, **kwargs),
        plotting.plot_tape(tape, y, max_ops=1, **kwargs),
    ]
    return [text for figure in figures for text in texts(figure)]


def test_by_default_the_words_are_english():
    assert plotting.get_words() == ENGLISH
    figure = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.2, 0.8]})
    ax = figure.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("loss", "epoch", "loss")
    assert [line.get_label() for line in ax.lines] == ["training", "validation"]
    drawn = every_helper()
    for english in ["pred 1 (100%)\ntrue 1", "\u2717 pred 0 (100%)\ntrue 2", "\u2717 pred 0\ntrue 2",
                    "1 of 3 wrong (in red)", "predicted class", "true class", "images",
                    "fraction of the row", "accuracy 66.7 % (2 of 3)", "weight",
                    "2 of 2 filters, 3x3 (input channel 0 of 2)", "2 of 2 filters, 3x3 (colour = the 3 input channels)",
                    "input\n4x4x1", "output 0\n4x4x3\n(first 2)", "const\n() float64",
                    "GradientTape: 5 operations, 1 watched variable",
                    "1 recorded operation does not lead to the target and is not drawn",
                    "3 earlier operations left out (max_ops=1); red dashed boxes stand for their outputs"]:
        assert any(english == text or english + "\n" in text for text in drawn), english  # notes: one per line
    assert any(text.startswith("Sum  #3\ntarget () ") for text in drawn)
    assert any(text.startswith("(left out) t2") for text in drawn)


def test_every_word_of_every_helper_comes_from_the_table():
    drawn = every_helper(words=MARKED)
    used = {key for text in drawn for key in re.findall(r"<(\w+)>", text)}
    assert used == set(MARKED) - {"metrics"} | {"loss"}, set(MARKED) ^ used
    english_words = {word for key, entry in ENGLISH.items() if key != "metrics"
                     for text in (entry if isinstance(entry, tuple) else (entry,))
                     for word in re.findall(r"[a-z]{3,}", re.sub(r"{[^}]*}", "", text))}
    left = {word for text in drawn for word in re.findall(r"[a-z]{3,}", re.sub(r"<\w+>", "", text))}
    assert not left & english_words, left & english_words  # no English word drawn outside the table


def test_words_for_one_figure_leave_the_next_one_english():
    korean = {"epoch": "에폭", "training": "훈련", "validation": "검증", "metrics": {"loss": "손실"}}
    figure = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.2, 0.8], "mae": [0.3, 0.2]},
                                   words=korean)
    loss, mae = figure.axes
    assert (loss.get_title(), loss.get_xlabel(), loss.get_ylabel()) == ("손실", "에폭", "손실")
    assert [line.get_label() for line in loss.lines] == ["훈련", "검증"]
    assert mae.get_title() == "mae"  # a quantity the words do not name keeps its name
    figure = plotting.plot_samples(np.zeros((2, 4, 4)), [3, 3], np.eye(4)[[3, 1]],
                                   words={"predicted_with_confidence": "예측 {name} ({percent:.0f}%)",
                                          "true": "정답 {name}",
                                          "wrong_title": "{count}개 중 {wrong}개 틀림"})
    assert [ax.get_title() for ax in figure.axes] == ["예측 3 (100%)\n정답 3", "\u2717 예측 1 (100%)\n정답 3"]
    assert figure._suptitle.get_text() == "2개 중 1개 틀림"
    figure = plotting.plot_confusion_matrix([0, 1], [0, 0], words={
        "predicted_class": "예측한 클래스", "accuracy_title": "정확도 {percent:.1f} % ({count}개 중 {right}개)"})
    ax = figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("예측한 클래스", "true class", "정확도 50.0 % (2개 중 1개)")
    assert plotting.get_words() == ENGLISH
    assert plotting.plot_history({"loss": [1.0]}).axes[0].get_xlabel() == "epoch"


def test_set_words_changes_every_later_figure_and_words_change_one_on_top():
    plotting.set_words({"epoch": "에폭", "metrics": {"loss": "손실"}})
    assert plotting.get_words()["epoch"] == "에폭" and plotting.get_words()["training"] == "training"
    ax = plotting.plot_history({"loss": [1.0], "acc": [0.5]}).axes[0]
    assert (ax.get_xlabel(), ax.get_title()) == ("에폭", "손실")
    figure = plotting.plot_history({"loss": [1.0], "acc": [0.5]},
                                   words={"epoch": "Epoche", "metrics": {"acc": "정확도"}})
    assert [(ax.get_xlabel(), ax.get_title()) for ax in figure.axes] == [("Epoche", "손실"), ("Epoche", "정확도")]
    plotting.set_words(None)
    assert plotting.get_words() == ENGLISH


def test_a_count_chooses_singular_or_plural_and_one_form_serves_both():
    english = Words()
    assert english("operations", n=1) == "1 operation" and english("operations", n=2) == "2 operations"
    korean = Words({"operations": "연산 {n}개"})
    assert korean("operations", n=1) == "연산 1개" and korean("operations", n=2) == "연산 2개"
    a = Variable(np.ones(2), name="a")
    with GradientTape() as tape:
        y = ops.sum(a)
    title = plotting.plot_tape(tape, y, words={"operations": ["{n} Operation", "{n} Operationen"]}).axes[0].get_title()
    assert title == "GradientTape: 1 Operation, 1 watched variable"


def test_bad_words_are_refused_with_what_was_expected():
    with pytest.raises(ValueError, match=r"set_words: unknown words key 'epochs'; the keys are epoch, training"):
        plotting.set_words({"epochs": "에폭"})
    with pytest.raises(ValueError, match=r"plot_samples: words\['true'\] uses \{label\}, which the figure "
                                         r"does not fill in; its fields: \{name\}"):
        plotting.plot_samples(np.zeros((1, 4, 4)), [1], words={"true": "정답 {label}"})
    with pytest.raises(ValueError, match=r"plot_history: words\['epoch'\] is not a valid format string"):
        plotting.plot_history({"loss": [1.0]}, words={"epoch": "에폭 {"})
    with pytest.raises(TypeError, match=r"plot_history: words\['epoch'\] must be a string; received \('a', 'b'\)"):
        plotting.plot_history({"loss": [1.0]}, words={"epoch": ("a", "b")})
    with pytest.raises(TypeError, match=r"words\['operations'\] must be a string or a pair \(singular, plural\)"):
        plotting.set_words({"operations": ("a", "b", "c")})
    with pytest.raises(TypeError, match=r"words\['metrics'\] must be a dict \{quantity: name\}"):
        plotting.set_words({"metrics": ["loss"]})
    with pytest.raises(TypeError, match=r"plot_filters: words must be a dict \{key: text\}; received list"):
        plotting.plot_filters(np.ones((3, 3, 1, 1)), words=[("weight", "가중치")])
    assert plotting.get_words() == ENGLISH  # a refused set_words changes nothing
