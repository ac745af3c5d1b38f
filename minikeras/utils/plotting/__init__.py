"""Pictures of training and of what a network learned, drawn with matplotlib.

Five functions, one question each:

* ``plot_history``          how did the loss and the metrics change, epoch after epoch?
* ``plot_filters``          what do the first convolution's kernels look like?
* ``plot_feature_maps``     what does each layer make of one image?
* ``plot_confusion_matrix`` which classes does the model mix up, and how often?
* ``plot_samples``          which images, with which true and predicted labels?

and ``save_figure``, the atomic save they all use, for figures of your own. ``plot_tape``
(what did the tape record?) lives in ``minikeras.inspect`` and is re-exported here.

The helpers' own words (axis labels, legends, captions, default titles) are English by
default; ``set_words`` chooses others for every later figure, and each helper's ``words=``
argument for one figure (see ``minikeras.utils.plotting.words``).

Each returns the ``matplotlib.figure.Figure`` it drew (show it with ``plt.show()``, or let a
notebook display it) and saves it when ``to_file`` names an image file (``.png``, ``.pdf``,
``.svg``...): written to a temporary file in the same folder, then renamed, so a reader never
finds half a picture. Nothing here needs a screen: on a machine without one matplotlib draws
with its Agg backend.

matplotlib is imported only when a function is called, so ``import minikeras`` works without
it; install it with ``pip install "minikeras[tutorials]"``.

Example:
    >>> from minikeras.utils import plotting
    >>> figure = plotting.plot_history({"loss": [0.9, 0.4, 0.3], "val_loss": [0.8, 0.5, 0.45]})
    >>> [ax.get_title() for ax in figure.axes]
    ['loss']
"""
from minikeras.utils.plotting._common import save_figure
from minikeras.utils.plotting.classification import plot_confusion_matrix, plot_samples
from minikeras.utils.plotting.convolution import plot_feature_maps, plot_filters
from minikeras.utils.plotting.history import plot_history
from minikeras.utils.plotting.words import get_words, set_words
from minikeras.inspect.tape_plot import plot_tape

__all__ = [
    "plot_history", "plot_filters", "plot_feature_maps", "plot_confusion_matrix", "plot_samples",
    "plot_tape", "save_figure", "set_words", "get_words",
]
