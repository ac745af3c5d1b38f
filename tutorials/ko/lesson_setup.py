"""The Korean lessons' setup: the English ``Lesson``, with a Hangul font for the figures.

A Korean lesson is its English twin (``tutorials/NN_name.py``) with the prose translated: the
``# %% [markdown]`` cells, the comments and the string literals that are prose (printed
explanations, figure titles and labels). The code is the same, cell for cell;
``tests/test_tutorials_ko.py`` compares each pair with ``code_fingerprint`` below. Run from
``tutorials/ko/`` (as a script, or opened as a notebook there), ``from lesson_setup import
Lesson`` finds this module, which differs from the English one in four ways:

* the figures go to ``tutorials/figures/ko/NN_name/``;
* the figures are drawn with NanumGothic, a Hangul font (SIL Open Font License) that ships
  inside the PyPI package ``koreanize-matplotlib`` (``pip install "minikeras[korean]"``).
  The font file is registered with matplotlib's font manager; the package itself is never
  imported (importing it would change matplotlib's settings for the whole session).
  ``MINIKERAS_KOREAN_FONT=/path/to/font.ttf`` chooses another font file;
* the plotting helpers (``plot_history``, ``plot_samples``, ``plot_tape``...) draw their own
  words (axis labels, legends, captions, default titles) in Korean: ``KOREAN_WORDS`` below,
  given to ``minikeras.utils.plotting.set_words``. The lessons' code does not change: the same
  ``plotting.plot_history(history)`` draws 에폭 and 훈련 where the English lesson draws epoch
  and training;
* when no Hangul font is found, the lesson prints a note and draws its figures in English: the
  helpers keep their English words, and the lesson's own titles and labels are the English
  lesson's, taken from the twin at the same place in the code (``english_labels``), instead
  of boxes where the Hangul should be.
"""
import ast
import importlib.util
import os
import re
import sys

KO = os.path.dirname(os.path.abspath(__file__))
TUTORIALS = os.path.dirname(KO)


def _load_english_setup():
    spec = importlib.util.spec_from_file_location("lesson_setup_en", os.path.join(TUTORIALS, "lesson_setup.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_english = _load_english_setup()
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
FONT_ENVIRONMENT = "MINIKERAS_KOREAN_FONT"
FONT_PACKAGE = "koreanize_matplotlib"  # pip install koreanize-matplotlib: fonts/NanumGothic.ttf

# The plotting helpers' words in Korean (the keys: minikeras/utils/plotting/words.py), with
# the terms of the Korean Keras documentation and of the lessons.
KOREAN_WORDS = {
    "epoch": "에폭",
    "training": "훈련",
    "validation": "검증",
    "metrics": {"loss": "손실", "accuracy": "정확도", "acc": "정확도",
                "mae": "평균 절대 오차", "mse": "평균 제곱 오차"},
    "predicted": "예측 {name}",
    "predicted_with_confidence": "예측 {name} ({percent:.0f}%)",
    "true": "정답 {name}",
    "wrong_title": "{count}개 중 {wrong}개 틀림 (빨간색)",
    "predicted_class": "예측한 클래스",
    "true_class": "실제 클래스",
    "images": "이미지 수",
    "row_fraction": "행 안의 비율",
    "accuracy_title": "정확도 {percent:.1f} % ({count}개 중 {right}개)",
    "weight": "가중치",
    "filters_title": "필터 {filters}개 중 {count}개, {kh}x{kw} ({shown})",
    "input_channel": "입력 채널 {channels}개 중 {channel}번",
    "rgb_channels": "색 = 입력 채널 3개",
    "input": "입력",
    "first_maps": "(처음 {count}개)",
    "output": "출력 {index}",
    "tape_title": "GradientTape: {operations}, {variables}",
    "operations": "연산 {n}개",
    "watched_variables": "감시하는 변수 {n}개",
    "target": "목표값",
    "const": "상수",
    "left_out": "(생략)",
    "left_out_note": "앞의 연산 {n}개 생략 (max_ops={max_ops}); 빨간 점선 상자가 그 출력입니다",
    "unrelated_note": "기록된 연산 {n}개는 목표값으로 이어지지 않아 그리지 않았습니다",
    "tape_legend": "주황 *: 감시하는 변수, 초록: 감시하는 텐서, 회색: 상수; 화살표: 텐서와 그 크기",
}


# --- the font -------------------------------------------------------------------------------------
def find_korean_font():
    """The path of a Hangul font file, or None: ``$MINIKERAS_KOREAN_FONT``, else the
    NanumGothic of the ``koreanize-matplotlib`` package (found without importing it)."""
    chosen = os.environ.get(FONT_ENVIRONMENT)
    if chosen:
        return chosen if os.path.isfile(chosen) else None
    try:
        spec = importlib.util.find_spec(FONT_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "fonts", "NanumGothic.ttf")
        if os.path.isfile(path):
            return path
    return None


def use_korean_font(path):
    """Register the font file at ``path`` (and its bold and light siblings beside it) with
    matplotlib's font manager; return its family name.

    Text is then drawn with DejaVu Sans, matplotlib's own font, first and this font for the
    glyphs DejaVu Sans lacks (the Hangul): Latin letters, digits and the minus sign, which
    NanumGothic does not have, look as in the English lessons."""
    import glob

    import matplotlib
    from matplotlib import font_manager

    stem = os.path.splitext(path)[0]
    for file in [path] + sorted(set(glob.glob(glob.escape(stem) + "?*.ttf")) - {path}):
        font_manager.fontManager.addfont(file)
    name = font_manager.FontProperties(fname=path).get_name()
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", name]
    return name


# --- the pair: code cells and prose strings -------------------------------------------------------
def cells(source):
    """Split a percent-format lesson into ``(kind, text)`` cells, kind 'markdown' or 'code'."""
    result = []
    for line in source.splitlines():
        if line.startswith("# %%"):
            result.append(["markdown" if "[markdown]" in line else "code", []])
        elif result:
            result[-1][1].append(line)
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in result]


def is_prose(node):
    """A string literal that may be translated: words (a letter and a space) or any non-ASCII
    character. Other strings (``"relu"``, ``"same"``, ``"w"``, ``" "``, file names) are code."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    text = node.value
    return not text.isascii() or (re.search(r"\s", text) is not None and re.search(r"[A-Za-z]", text) is not None)


class _Normalise(ast.NodeTransformer):
    """Prose literals become ``'<prose>'``; an f-string keeps only its ``{...}`` fields, in order."""

    def visit_Constant(self, node):
        return ast.Constant("<prose>") if is_prose(node) else node

    def visit_JoinedStr(self, node):
        fields = [value for value in node.values if isinstance(value, ast.FormattedValue)]
        return ast.Call(ast.Name("fstring", ast.Load()), fields, [])


def code_fingerprint(code):
    """The code of one cell as compared between the pair: the syntax tree without comments,
    with prose literals and the literal text of f-strings left out (see ``is_prose``)."""
    return ast.dump(_Normalise().visit(ast.parse(code)), include_attributes=False)


def _prose_nodes(source):
    """The prose literals and f-strings of ``source``, in the order of the code (an f-string's
    own literal parts are not listed: their number may differ between the pair)."""
    found = []

    class Collect(ast.NodeVisitor):
        def visit_Constant(self, node):
            if is_prose(node):
                found.append(node)

        def visit_JoinedStr(self, node):
            found.append(node)
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    self.visit(value)

    Collect().visit(ast.parse(source))
    return found


def english_labels(korean_source, english_source):
    """What ``translate`` needs: every Korean prose literal with its English twin (same place in
    the code), and every Korean f-string as a pattern with its English template (the patterns
    with the most literal text first)."""
    constants, templates = {}, []
    for ko, en in zip(_prose_nodes(korean_source), _prose_nodes(english_source)):
        if isinstance(ko, ast.JoinedStr) and isinstance(en, ast.JoinedStr):
            if not any(isinstance(v, ast.Constant) and HANGUL.search(v.value) for v in ko.values):
                continue  # nothing Korean to match on
            pattern = "".join(re.escape(v.value) if isinstance(v, ast.Constant) else "(.*?)" for v in ko.values)
            parts = [v.value if isinstance(v, ast.Constant) else None for v in en.values]
            templates.append((re.compile(pattern + r"\Z", re.S), parts))
        elif isinstance(ko, ast.Constant) and isinstance(en, ast.Constant):
            constants[ko.value] = en.value
    # The most specific pattern first: "정확도: {a}" would also match "정확도: {a} ({b} %)".
    templates.sort(key=lambda template: -len(template[0].pattern.replace("(.*?)", "")))
    return constants, templates


def translate(text, constants, templates):
    """The English of a Korean label drawn by a lesson (``text`` itself when it has no Hangul)."""
    if not HANGUL.search(text):
        return text
    if text in constants:
        return constants[text]
    for pattern, parts in templates:
        match = pattern.match(text)
        if match:
            fields = iter(translate(group, constants, templates) for group in match.groups())
            return "".join(part if part is not None else next(fields) for part in parts)
    for korean in sorted((k for k in constants if HANGUL.search(k)), key=len, reverse=True):
        text = text.replace(korean, constants[korean])  # a label inside a longer text
    if "\n" in text and HANGUL.search(text):
        return "\n".join(translate(line, constants, templates) for line in text.split("\n"))
    return text


def _translate_ticks(axis, labels):
    """Make ``axis`` (a matplotlib Axis) write its tick labels through ``translate``.

    Tick labels are written when the figure is drawn, by the axis' formatter (the names of
    ``ax.barh(names, ...)``, for example); this one keeps the formatter and translates what it
    writes."""
    from matplotlib.ticker import Formatter

    class English(Formatter):
        def __init__(self, formatter):
            self.formatter = formatter

        def __call__(self, value, pos=None):
            return translate(self.formatter(value, pos), *labels)

        def format_ticks(self, values):
            return [translate(text, *labels) for text in self.formatter.format_ticks(values)]

        def set_locs(self, locs):
            self.formatter.set_locs(locs)

        def get_offset(self):
            return translate(self.formatter.get_offset(), *labels)

    axis.set_major_formatter(English(axis.get_major_formatter()))
    axis.set_minor_formatter(English(axis.get_minor_formatter()))


# --- the lesson -----------------------------------------------------------------------------------
class Lesson(_english.Lesson):
    """``tutorials/lesson_setup.Lesson`` for the Korean lessons (see the module's docstring)."""

    def __init__(self, name, description, options=None, argv=None):
        argv = list(sys.argv[1:] if argv is None else argv)
        if not any(a == "--figures-dir" or a.startswith("--figures-dir=") for a in argv):
            argv += ["--figures-dir", os.path.join(TUTORIALS, "figures", "ko", name)]
        super().__init__(name, description, options, argv)
        from minikeras.utils import plotting

        self.font_path = find_korean_font()
        if self.font_path is not None:
            self.font = use_korean_font(self.font_path)
            self.labels = None
            plotting.set_words(KOREAN_WORDS)
        else:
            self.font = None
            plotting.set_words(None)
            with open(os.path.join(KO, name + ".py"), encoding="utf-8") as f:
                korean = f.read()
            with open(os.path.join(TUTORIALS, name + ".py"), encoding="utf-8") as f:
                english = f.read()
            self.labels = english_labels(korean, english)
            print("참고: 한글 글꼴을 찾지 못해 그림의 제목과 축 이름을 영어로 표시합니다. "
                  "한글로 보려면 pip install \"minikeras[korean]\" (koreanize-matplotlib의 NanumGothic).\n"
                  "(Note: no Korean font found, so the figures' titles and labels are in English; "
                  "pip install \"minikeras[korean]\" for the Hangul ones.)")

    def save(self, figure, file_name):
        """Save ``figure`` (its Korean labels put back into English when there is no Hangul font)."""
        if self.labels is not None:
            from matplotlib.text import Text

            for text in figure.findobj(Text):
                text.set_text(translate(text.get_text(), *self.labels))
            for ax in figure.axes:
                for axis in (ax.xaxis, ax.yaxis):
                    _translate_ticks(axis, self.labels)
        path = os.path.join(self.figures_dir, file_name)
        _english.save_figure(figure, path)
        self.saved.append(path)
        print(f"  {file_name} 저장")
        return path

    def finish(self):
        """Print where the figures are, as the lesson's last line."""
        print(f"그림 {len(self.saved)}개: {self.figures_dir}")
