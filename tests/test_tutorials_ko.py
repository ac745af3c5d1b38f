"""The Korean lessons (``tutorials/ko/``) stay in step with the English ones, and run.

What "in step" means (``code_fingerprint`` in ``tutorials/ko/lesson_setup.py``): the two files
have the same cells, markdown and code, in the same order, and each code cell has the same
syntax tree once these are left out: comments; string literals that are prose, i.e. contain
words (a letter and a space) or any non-ASCII character (printed explanations, figure titles and labels, help
texts); the literal text of f-strings (their ``{...}`` fields, with their format specs, must
match). Every other literal (``"relu"``, ``"same"``, ``"w"``, file names) is code and must be
equal. Each Korean markdown cell is in Korean (has Hangul).

Each Korean lesson then runs its quick mode in a subprocess like the English one
(``tests/test_tutorials.py``), with the Hangul font of ``koreanize-matplotlib`` (the
``korean`` extra), through ``tests/figure_texts.py``, which lists the texts of every figure
it saves: no missing glyph, and no English word in any title, axis label, legend or figure
note, the plotting helpers' own words included (names from the code, such as ``Conv2D`` or
``eps``, may stay).

Without a Hangul font a Korean lesson draws English, with a note. What that takes is
checked for every lesson without running each lesson a second time (that would double the
few minutes the lessons take): the helpers' words are English in a Korean lesson without the
font, for each helper (``test_without_a_hangul_font_every_helper_draws_english``); each
lesson's Korean prose, f-strings included, goes back to its English twin
(``test_without_a_hangul_font_each_lesson_s_korean_goes_back_to_english``); and the two
cheapest lessons (1, with ``plot_tape``, and 4, with f-string titles and tick labels) run end
to end with the font hidden and draw no Hangul at all.
"""
import ast
import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys

import pytest

from figure_texts import figure_texts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS = os.path.join(ROOT, "tutorials")
KO = os.path.join(TUTORIALS, "ko")
PNG = b"\x89PNG\r\n\x1a\n"
LESSONS = sorted(f for f in os.listdir(TUTORIALS) if re.match(r"\d\d_.*\.py$", f))

_spec = importlib.util.spec_from_file_location("lesson_setup_ko", os.path.join(KO, "lesson_setup.py"))
setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(setup)

needs_mnist = pytest.mark.skipif(
    not os.environ.get("MINIKERAS_DATASETS_ORIGIN"),
    reason="MINIKERAS_DATASETS_ORIGIN is not set: no local MNIST, and the tests never download",
)
needs_font = pytest.mark.skipif(
    setup.find_korean_font() is None,
    reason='no Hangul font: pip install "minikeras[korean]" (koreanize-matplotlib)',
)


def read(*path):
    with open(os.path.join(*path), encoding="utf-8") as f:
        return f.read()


# --- the pair ------------------------------------------------------------------------------------
def test_every_english_lesson_has_a_korean_twin():
    korean = sorted(f for f in os.listdir(KO) if re.match(r"\d\d_.*\.py$", f))
    assert LESSONS and korean == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_the_korean_lesson_has_the_same_code_cells(name):
    english, korean = setup.cells(read(TUTORIALS, name)), setup.cells(read(KO, name))
    assert [kind for kind, _ in korean] == [kind for kind, _ in english], name
    for number, ((kind, en), (_, ko)) in enumerate(zip(english, korean)):
        if kind == "markdown":
            assert setup.HANGUL.search(ko), f"{name}, cell {number}: markdown not in Korean:\n{ko}"
        else:
            assert setup.code_fingerprint(ko) == setup.code_fingerprint(en), (
                f"{name}, cell {number}: the code differs\n--- English\n{en}\n--- Korean\n{ko}")


def test_the_comparison_ignores_prose_and_comments_but_not_code():
    same = setup.code_fingerprint
    base = 'layer = Conv2D(4, 3, padding="same")  # a layer\nprint(f"{x:.2f} units", "a note")\n'
    assert same(base) == same('layer = Conv2D(4, 3, padding="same")  # 레이어\nprint(f"유닛 {x:.2f}개", "설명")\n')
    assert same(base) != same(base.replace('"same"', '"valid"'))       # an option is code
    assert same(base) != same(base.replace("{x:.2f}", "{x:.3f}"))      # so is a format spec
    assert same(base) != same(base.replace("{x:.2f}", "{y:.2f}"))      # and a field
    assert same(base) != same(base.replace("Conv2D(4,", "Conv2D(5,"))
    assert same(base) != same(base + "print(x)\n")
    assert same('" ".join(words)') != same('", ".join(words)')           # no words: code


def test_english_labels_pair_each_korean_label_with_its_twin():
    name = "01_tensors_and_the_tape"
    labels = setup.english_labels(read(KO, name + ".py"), read(TUTORIALS, name + ".py"))
    assert setup.translate("테이프의 도함수와 공식이 일치합니다", *labels) == "the tape's derivative and the formula agree"
    assert setup.translate("|어림값 - 정확한 도함수|", *labels) == "|estimate - exact derivative|"
    assert setup.translate("no Hangul: kept", *labels) == "no Hangul: kept"
    name = "04_reading_the_convolution_kernel"
    labels = setup.english_labels(read(KO, name + ".py"), read(TUTORIALS, name + ".py"))
    # an f-string: the fields are kept, the words around them translated
    assert setup.translate("28x28 숫자 32개, 3x3 커널, 패딩 'same'", *labels) == "32 digits of 28x28, 3x3 kernel, padding 'same'"
    name = "05_padding_cropping_upsampling"
    labels = setup.english_labels(read(KO, name + ".py"), read(TUTORIALS, name + ".py"))
    # a Korean label inside a longer title: f"{name}\n{size}x{size}"
    assert setup.translate("Conv2DTranspose\n3x3, 보폭 2, 1로 채움\n57x57", *labels) == "Conv2DTranspose\n3x3, stride 2, ones\n57x57"
    assert setup.translate("숫자\n28x28", *labels) == "the digit\n28x28"


# --- the font ------------------------------------------------------------------------------------
@needs_font
def test_the_hangul_font_draws_hangul_without_missing_glyphs(tmp_path):
    import warnings

    import matplotlib

    path = setup.find_korean_font()
    assert os.path.basename(path) == "NanumGothic.ttf"
    with matplotlib.rc_context():
        name = setup.use_korean_font(path)
        assert name == "NanumGothic" and matplotlib.rcParams["font.family"] == ["DejaVu Sans", "NanumGothic"]
        import matplotlib.pyplot as plt

        figure, ax = plt.subplots()
        ax.semilogy([1, 2], [1e-3, 1e2])
        ax.set_title("컨볼루션의 출력 −1", fontweight="bold")
        ax.set_xlabel("에폭")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
            figure.savefig(tmp_path / "hangul.png")
        plt.close(figure)


def test_a_missing_font_file_is_no_font(monkeypatch, tmp_path):
    monkeypatch.setenv(setup.FONT_ENVIRONMENT, str(tmp_path / "nothing.ttf"))
    assert setup.find_korean_font() is None


# --- the fallback without a Hangul font, lesson by lesson -------------------------------------------
def sample(node, values):
    """The text of a prose literal, or of an f-string with its fields filled from ``values``."""
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value if isinstance(v, ast.Constant) else next(values) for v in node.values)


@pytest.mark.parametrize("name", LESSONS)
def test_without_a_hangul_font_each_lesson_s_korean_goes_back_to_english(name):
    korean, english = read(KO, name), read(TUTORIALS, name)
    labels = setup.english_labels(korean, english)
    pairs = list(zip(setup._prose_nodes(korean), setup._prose_nodes(english)))
    assert len(pairs) == len(setup._prose_nodes(english)) > 5
    translated = 0
    for ko, en in pairs:
        fields = [str(n) for n in range(101, 200)]  # the same values in both, in the same order
        text = sample(ko, iter(fields))
        if setup.HANGUL.search(text):
            assert setup.translate(text, *labels) == sample(en, iter(fields)), (name, text)
            translated += 1
    assert translated > 5


def test_without_a_hangul_font_every_helper_draws_english(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from minikeras import GradientTape, Variable
    from minikeras.utils import plotting

    def draw():
        w = Variable(np.ones(2), name="w")
        with GradientTape() as tape:
            loss = (w * w).sum()
        figures = [
            plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.7]}),
            plotting.plot_samples(np.zeros((2, 4, 4)), [1, 2], np.eye(3)[[1, 0]]),
            plotting.plot_confusion_matrix([0, 1, 1], [0, 1, 0]),
            plotting.plot_filters(np.ones((3, 3, 1, 2))),
            plotting.plot_feature_maps([np.ones((1, 4, 4, 3))], x=np.ones((4, 4, 1)), max_maps=2),
            plotting.plot_tape(tape, loss),
        ]
        texts = []
        for figure in figures:  # not drawn: no tick labels yet, which hold no words here
            texts += [text for kind, text in figure_texts(figure)]
            plt.close(figure)
        return texts

    english = ["epoch", "training", "validation", "pred 1 (100%)\ntrue 1", "1 of 2 wrong (in red)",
               "predicted class", "true class", "images", "accuracy 66.7 % (2 of 3)", "weight",
               "2 of 2 filters, 3x3 (input channel 0 of 1)", "input\n4x4x1", "output 0\n4x4x3\n(first 2)",
               "GradientTape: 2 operations, 1 watched variable"]
    with matplotlib.rc_context():
        try:
            setup.Lesson("01_tensors_and_the_tape", "", argv=["--figures-dir", str(tmp_path)])
            if setup.find_korean_font() is not None:  # the font is there: the helpers speak Korean
                korean = draw()
                assert not any(text in korean for text in english) and "에폭" in korean, korean
                assert "GradientTape: 연산 2개, 감시하는 변수 1개" in korean
            monkeypatch.setenv(setup.FONT_ENVIRONMENT, str(tmp_path / "no-font.ttf"))
            setup.Lesson("01_tensors_and_the_tape", "", argv=["--figures-dir", str(tmp_path)])
            drawn = draw()
        finally:
            plotting.set_words(None)
    assert all(text in drawn for text in english), drawn
    assert not any(setup.HANGUL.search(text) for text in drawn), drawn


# --- the lessons run -----------------------------------------------------------------------------
FIGURE_TEXTS = os.path.join(ROOT, "tests", "figure_texts.py")
CHECKED = ("title", "xlabel", "ylabel", "legend", "suptitle", "note")
# Names that a Korean figure keeps: a symbol, a function, the kernel-tap indices, an option's
# value, a compiler, the data set. Words with digits, underscores or inner capitals (Conv2D,
# im2col, float64, check_gradients, GradientTape) and quoted options ('same') are code too.
CODE_WORDS = {"eps", "tanh", "kh", "kw", "bilinear", "Cython", "MNIST"}


def english_words(text):
    """The English words of a figure's text, names from the code left out."""
    text = re.sub(r"\$[^$]*\$", "", text)   # mathtext: $10^{-2}$
    text = re.sub(r"'[^']*'", "", text)      # a quoted option: 'same'
    return [word for word in re.findall(r"\w+", text, re.ASCII)
            if re.fullmatch(r"[A-Za-z]{2,}", word) and not re.search(r"[a-z][A-Z]", word)
            and word not in CODE_WORDS]


def test_english_words_are_found_and_code_names_are_not():
    assert english_words("정확도 75.5 % (1000개 중 755개)") == []
    assert english_words("conv2d_1: 필터 32개 중 32개, 3x3 (입력 채널 1개 중 0번)") == []
    assert english_words("GradientTape: 연산 5개, 감시하는 변수 2개") == []
    assert english_words("28x28 숫자 4개, 3x3 커널, 패딩 'same'") == []
    assert english_words("f(x) = tanh(x) x") == [] and english_words("$\\mathdefault{10^{-2}}$") == []
    assert english_words("accuracy 75.5 % (755 of 1000)") == ["accuracy", "of"]
    assert english_words("✗ pred 4 (38%)\ntrue 5") == ["pred", "true"]
    assert english_words("에폭") == [] and english_words("epoch") == ["epoch"]


def run_korean(file_name, tmp_path, *extra, hide_font=False):
    """Run one Korean lesson's quick mode; return its output, its figures folder and the texts
    of its figures (``{file name: [(kind, text), ...]}``, see ``tests/figure_texts.py``)."""
    figures, work, texts = tmp_path / "figures", tmp_path / "cwd", tmp_path / "texts.json"
    work.mkdir()
    path = [ROOT]
    if hide_font:  # a package of the same name without the fonts shadows the real one
        hidden = tmp_path / "hide" / setup.FONT_PACKAGE
        hidden.mkdir(parents=True)
        (hidden / "__init__.py").write_text("")
        path.insert(0, str(tmp_path / "hide"))
    environment = dict(os.environ, MPLBACKEND="Agg",
                       PYTHONPATH=os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")]))
    environment.pop(setup.FONT_ENVIRONMENT, None)
    command = [sys.executable, FIGURE_TEXTS, str(texts), os.path.join(KO, file_name), "--quick",
               "--figures-dir", str(figures), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=environment, cwd=str(work))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for missing in ("missing from font", "does not have a glyph"):
        assert missing not in result.stderr, result.stderr[-3000:]
    drawn = json.loads(texts.read_text(encoding="utf-8"))
    return result.stdout, figures, {name: [tuple(pair) for pair in pairs] for name, pairs in drawn.items()}


def assert_korean_texts(texts, names):
    """Every figure has Korean text, and no English word in its titles, labels, legends, notes."""
    assert sorted(texts) == sorted(names)
    for name in names:
        checked = [text for kind, text in texts[name] if kind in CHECKED]
        assert any(setup.HANGUL.search(text) for text in checked), (name, texts[name])
        english = {text: english_words(text) for text in checked if english_words(text)}
        assert not english, (name, english)


def assert_english_texts(texts, names):
    """Not one Hangul letter in any text of any figure (no box where a glyph is missing)."""
    assert sorted(texts) == sorted(names)
    korean = [(name, kind, text) for name in names for kind, text in texts[name] if setup.HANGUL.search(text)]
    assert not korean, korean


def assert_figures(out, figures, names):
    assert sorted(os.listdir(figures)) == sorted(names), out
    for name in names:
        data = (figures / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000, name
        assert f"  {name} 저장" in out
    assert out.rstrip().splitlines()[-1] == f"그림 {len(names)}개: {figures}", out[-500:]


LESSON_4_FIGURES = ["im2col.png", "timings.png"]
LESSON_1_FIGURES = ["derivative.png", "finite_differences.png", "neuron_tape.png", "training_step_tape.png"]


@needs_font
def test_korean_lesson_1_quick(tmp_path):
    out, figures, texts = run_korean("01_tensors_and_the_tape.py", tmp_path)
    assert "참고:" not in out
    assert "테이프에 기록된 연산 5개:" in out and "  2: v2 = Tanh(v1=1) = 0.761594" in out
    by_hand = re.search(r"dloss/dw: 손으로 (-?\d\.\d+), 테이프에서 (-?\d\.\d+)", out)
    assert by_hand and by_hand.group(1) == by_hand.group(2), out
    sent = re.search(r"backward_steps가 w로 보낸 합 (-?\d\.\d+), tape.gradient (-?\d\.\d+)", out)
    assert sent and sent.group(1) == sent.group(2) == by_hand.group(1)
    assert "GradientTape (persistent): 13 operations, 4 watched variables" in out
    assert float(re.search(r"가중치 4개: backward_steps와 tape.gradient의 차이는 최대 (\S+)", out).group(1)) < 1e-6
    assert_figures(out, figures, LESSON_1_FIGURES)
    assert_korean_texts(texts, LESSON_1_FIGURES)
    assert ("title", "GradientTape: 연산 5개, 감시하는 변수 2개") in texts["neuron_tape.png"]


def test_korean_lesson_1_without_a_hangul_font_draws_english_labels(tmp_path):
    out, figures, texts = run_korean("01_tensors_and_the_tape.py", tmp_path, hide_font=True)
    assert "참고: 한글 글꼴을 찾지 못해" in out and "(Note: no Korean font found" in out
    assert_figures(out, figures, LESSON_1_FIGURES)
    assert_english_texts(texts, LESSON_1_FIGURES)
    assert ("title", "GradientTape: 5 operations, 2 watched variables") in texts["neuron_tape.png"]
    assert ("title", "the tape's derivative and the formula agree") in texts["derivative.png"]


@needs_font
@needs_mnist
def test_korean_lesson_2_dense_mnist_quick(tmp_path):
    out, figures, texts = run_korean("02_dense_mnist.py", tmp_path)
    assert "훈련 이미지 2000개 (크기 (28, 28)), 테스트 이미지 1000개" in out
    assert out.count(" - val_loss: ") == 3
    losses = [float(v) for v in re.search(r"\n +loss: ([\d. ]+)\n", out).group(1).split()]
    assert len(losses) == 3 and losses[2] < losses[0], out
    assert float(re.search(r"테스트 정확도: (\d\.\d+)", out).group(1)) > 0.6, out
    names = ["training_digits.png", "learning_curves.png", "dense_weights.png", "test_predictions.png"]
    assert_figures(out, figures, names)
    assert_korean_texts(texts, names)
    learning_curves = texts["learning_curves.png"]
    assert ("xlabel", "에폭") in learning_curves and ("legend", "검증") in learning_curves
    assert ("title", "정확도") in learning_curves


@needs_font
@needs_mnist
def test_korean_lesson_3_mnist_cnn_quick(tmp_path):
    out, figures, texts = run_korean("03_mnist_cnn.py", tmp_path)
    assert "훈련 샘플 2000개, 테스트 샘플 1000개" in out
    accuracy = float(re.search(r"테스트 정확도: (\d\.\d+)\n", out).group(1))
    assert accuracy > 0.6, out
    assert out.rstrip().splitlines()[-2].startswith(f"테스트 정확도: {accuracy:.4f} (")
    misread = int(re.search(r"잘못 읽은 숫자 (\d+)개 / 테스트 숫자 1000개", out).group(1))
    assert misread == round(1000 * (1 - accuracy))
    names = ["training_digits.png", "learning_curves.png", "filters.png", "feature_maps.png",
             "confusion_matrix.png", "misclassified.png"]
    assert_figures(out, figures, names)
    assert_korean_texts(texts, names)
    right = 1000 - misread
    assert ("title", f"정확도 {right / 10:.1f} % (1000개 중 {right}개)") in texts["confusion_matrix.png"]
    assert all(text.startswith("✗ 예측 ") for kind, text in texts["misclassified.png"] if kind == "title")


@needs_font
@needs_mnist
def test_korean_lesson_4_reading_the_convolution_kernel_quick(tmp_path):
    out, figures, texts = run_korean("04_reading_the_convolution_kernel.py", tmp_path)
    assert " [ 6.  7.  8. 10. 11. 12. 14. 15. 16.]]" in out
    assert "숫자 4개의 im2col, 값 28,224개: 같은가: True" in out
    assert "블록 안: reference" in out and "블록 뒤: cython" in out
    assert "kernels.check(reference): all 2 kernels pass" in out
    assert re.search(r"kernels.check\(student\): 1 of 1 kernel FAIL\n  im2col_2d  FAIL: case \d+ .*PT=[1-9]", out), out
    assert "im2col_2d 실행: module student | col2im_2d 실행: cython" in out
    assert float(re.search(r"고친 뒤: 가장 큰 차이 (\S+)", out).group(1)) < 1e-6
    assert_figures(out, figures, LESSON_4_FIGURES)
    assert_korean_texts(texts, LESSON_4_FIGURES)


@needs_mnist
def test_korean_lesson_4_without_a_hangul_font_draws_english_labels(tmp_path):
    out, figures, texts = run_korean("04_reading_the_convolution_kernel.py", tmp_path, hide_font=True)
    assert "(Note: no Korean font found" in out
    assert_figures(out, figures, LESSON_4_FIGURES)
    assert_english_texts(texts, LESSON_4_FIGURES)
    assert ("title", "4 digits of 28x28, 3x3 kernel, padding 'same'") in texts["timings.png"]
    assert ("tick", "Conv2D, reference") in texts["timings.png"]


@needs_font
@needs_mnist
def test_korean_lesson_5_padding_cropping_upsampling_quick(tmp_path):
    out, figures, texts = run_korean("05_padding_cropping_upsampling.py", tmp_path)
    assert "ZeroPadding2D(4)                       (28, 28) -> (36, 36)" in out
    before, after = map(float, re.search(r"복원 오차: 훈련 전 (\S+), 훈련 후 (\S+)\n", out).groups())
    assert after < 0.5 * before, out
    names = ["layers_on_a_digit.png", "learning_curves.png", "reconstructions.png"]
    assert_figures(out, figures, names)
    assert_korean_texts(texts, names)
