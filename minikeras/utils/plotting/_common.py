"""What every plotting function shares: matplotlib imported on demand, atomic saving, grids, labels."""
import math
import os
import tempfile

import numpy as np


def pyplot():
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "minikeras.utils.plotting needs matplotlib, which is not installed. "
            'Install it with: pip install "minikeras[tutorials]" (or pip install matplotlib).'
        ) from error
    return plt


def save_figure(figure, to_file, dpi=100):
    """Save a matplotlib ``figure`` to ``to_file``, atomically; nothing happens if it is None.

    The picture is written to a temporary file in the same folder, then renamed, so that a
    reader never finds half a file; missing folders are made. The format follows the
    extension (``.png``, ``.pdf``, ``.svg``...), and the margins are trimmed to the drawing.

    Raises:
        ValueError: a file name without an extension.
    """
    if to_file is None:
        return
    to_file = os.fspath(to_file)
    folder = os.path.dirname(os.path.abspath(to_file))
    os.makedirs(folder, exist_ok=True)
    extension = os.path.splitext(to_file)[1].lower()
    if not extension:
        raise ValueError(
            f"to_file needs an image extension such as .png, .pdf or .svg; received {to_file!r}."
        )
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=extension)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a saved figure is not
    try:
        figure.savefig(temporary, dpi=dpi, bbox_inches="tight", format=extension[1:])
        os.replace(temporary, to_file)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def grid(count, ncols):
    """(rows, cols) of a grid of ``count`` panels at most ``ncols`` wide."""
    cols = max(1, min(ncols, count))
    return math.ceil(count / cols), cols


def class_labels(values, name, function):
    """Integer class labels from labels ``(n,)`` or one-hot / probability rows ``(n, k)``."""
    values = np.asarray(values)
    if values.ndim == 2:
        return values.argmax(axis=1)
    if values.ndim != 1:
        raise ValueError(
            f"{function}: {name} must be class labels of shape (n,) or one-hot/probability rows "
            f"of shape (n, num_classes); received shape {values.shape}."
        )
    if values.size and not np.all(np.equal(np.mod(values, 1), 0)):
        raise ValueError(f"{function}: {name} must hold whole class numbers; received {values[:5]}...")
    return values.astype(int)


def class_name(class_names, k):
    return str(class_names[k]) if class_names is not None else str(k)
