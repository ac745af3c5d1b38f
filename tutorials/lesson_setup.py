"""What every lesson shares: its command-line options, the quick mode and the figures folder.

A lesson starts with::

    from lesson_setup import Lesson
    lesson = Lesson("03_mnist_cnn", "Train the Keras MNIST CNN.")

and then reads ``lesson.quick`` (True with ``--quick`` or ``MINIKERAS_QUICK=1``: a smoke run
of a few seconds), saves its pictures with ``lesson.save(figure, "curves.png")`` into
``lesson.figures_dir`` (``tutorials/figures/03_mnist_cnn/`` unless ``--figures-dir`` says
otherwise) and ends with ``lesson.finish()``, which prints that folder and what is in it.

Run from a checkout without ``pip install -e .``, the lessons still find minikeras: this
module puts the repository on ``sys.path`` when the package is not installed.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import minikeras  # noqa: F401
except ImportError:  # a checkout that was not installed: use the package next door
    sys.path.insert(0, os.path.dirname(HERE))

from minikeras.utils import plotting  # noqa: E402
from minikeras.utils.plotting import save_figure  # noqa: E402


class Lesson:
    """The options of one lesson and the folder its figures go to.

    Args:
        name: the lesson's file name without ``.py`` (also its figures sub-folder).
        description: one line for ``--help``.
        options: optional function ``options(parser)`` that adds the lesson's own options.
        argv: the arguments (default ``sys.argv[1:]``); unknown ones are ignored, so that a
            notebook kernel's own arguments do not stop a lesson opened in Jupyter.
    """

    def __init__(self, name, description, options=None, argv=None):
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("--quick", action="store_true",
                            help="a smoke run of a few seconds (also MINIKERAS_QUICK=1)")
        parser.add_argument("--figures-dir", default=os.path.join(HERE, "figures", name),
                            help="where to save the figures (default: %(default)s)")
        if options is not None:
            options(parser)
        self.args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
        self.quick = self.args.quick or os.environ.get("MINIKERAS_QUICK", "") not in ("", "0")
        self.figures_dir = os.path.abspath(self.args.figures_dir)
        self.saved = []
        # The helpers' own English words, even after a Korean lesson ran in this kernel.
        plotting.set_words(None)

    def save(self, figure, file_name):
        """Save ``figure`` as ``figures_dir/file_name`` and say so; return the path."""
        path = os.path.join(self.figures_dir, file_name)
        save_figure(figure, path)
        self.saved.append(path)
        print(f"  saved {file_name}")
        return path

    def finish(self):
        """Print where the figures are, as the lesson's last line."""
        print(f"Figures ({len(self.saved)}): {self.figures_dir}")
