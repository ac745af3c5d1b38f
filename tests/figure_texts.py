"""The texts a figure draws, by kind; run as a script, the texts of every figure a lesson saves.

``figure_texts(figure)`` lists ``(kind, text)`` for every non-empty visible text of a drawn
figure: ``title`` (each axes' titles), ``xlabel`` and ``ylabel`` (colour bars' labels
included: a colour bar is an axes), ``legend``, ``suptitle`` (and the figure's x and y
labels), ``note`` (texts placed on the figure), ``text`` (texts placed in an axes: cell
counts, boxes, bar labels) and ``tick`` (tick labels, known only once the figure is drawn).

As a script::

    python tests/figure_texts.py OUT.json tutorials/ko/01_tensors_and_the_tape.py --quick ...

runs the lesson in this process, as ``python lesson.py --quick ...`` would, and writes
``{file name: [[kind, text], ...]}`` for each figure it saves to ``OUT.json``. It listens
where every lesson's figure passes, ``minikeras.utils.plotting.save_figure`` (which
``lesson_setup`` takes from there), after the figure was drawn into its file.
"""
import json
import os
import runpy
import sys


def figure_texts(figure):
    """``[(kind, text), ...]`` of a drawn ``figure`` (see the module docstring for the kinds)."""
    found = []

    def add(kind, artist):
        if artist is not None and artist.get_visible() and artist.get_text().strip():
            found.append((kind, artist.get_text()))

    for attribute in ("_suptitle", "_supxlabel", "_supylabel"):
        add("suptitle", getattr(figure, attribute, None))
    for text in figure.texts:
        add("note", text)
    for legend in figure.legends:
        for text in legend.get_texts():
            add("legend", text)
    for ax in figure.axes:
        for text in (ax.title, ax._left_title, ax._right_title):
            add("title", text)
        add("xlabel", ax.xaxis.label)
        add("ylabel", ax.yaxis.label)
        if ax.get_legend() is not None:
            for text in ax.get_legend().get_texts():
                add("legend", text)
        for text in ax.texts:
            add("text", text)
        for text in ax.get_xticklabels() + ax.get_yticklabels():
            add("tick", text)
    return found


def main(out, lesson, *arguments):
    import matplotlib

    matplotlib.use("Agg")
    from minikeras.utils import plotting

    save, drawn = plotting.save_figure, {}

    def save_and_list(figure, to_file, dpi=100):
        save(figure, to_file, dpi)
        if to_file is not None:
            drawn[os.path.basename(os.fspath(to_file))] = figure_texts(figure)

    plotting.save_figure = save_and_list
    sys.argv = [lesson, *arguments]
    sys.path.insert(0, os.path.dirname(os.path.abspath(lesson)))
    try:
        runpy.run_path(lesson, run_name="__main__")
    finally:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(drawn, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
