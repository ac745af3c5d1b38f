"""MNIST handwritten digits, as ``keras.datasets.mnist``.

``load_data()`` returns ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
``(n, 28, 28)`` (0 = background, 255 = ink) and uint8 labels 0..9; n is 60000 / 10000 for the
published files, and whatever a teacher's copy holds for theirs.

Where the data comes from (see ``minikeras.datasets.loader`` for the details):

1. ``path``, when it names a copy of your own: an existing file or folder given with a folder
   part (``'./mnist.npz'``, ``'data/'``, ``'/srv/mnist'``, ``'~/mnist.npz'``), an ``.npz`` in
   the Keras layout or a folder holding ``mnist.npz`` or the four IDX ``.gz`` files. A bare
   file name, like the default ``'mnist.npz'``, is the file's name inside the cache, as in
   Keras; so is, as in Keras, an ``.npz`` path that does not exist yet (relative: under the
   cache; absolute: the npz is downloaded to exactly that place);
2. the cache, ``$MINIKERAS_HOME/datasets/`` (``~/.minikeras/datasets/`` by default);
3. the origin: Keras' ``mnist.npz``, checked against the SHA-256 Keras publishes, or the folder
   or URL in ``MINIKERAS_DATASETS_ORIGIN``, holding ``mnist.npz`` or the four IDX files and,
   for a copy other than the published files, a ``SHA256SUMS`` that lists them.

Example:
    >>> from minikeras.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_test[:5]                    # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), array([7, 2, 1, 0, 4], dtype=uint8))
"""
import os

from minikeras.datasets import loader

__all__ = ["load_data", "DATASET", "NPZ_FILE", "IDX_FILES", "PUBLISHED_SHA256"]

NPZ_FILE = "mnist.npz"
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
# Keras' mnist.npz (keras/datasets/mnist.py passes it as file_hash), and the original IDX
# release from yann.lecun.com, whose SHA-256 sums are published by the projects that mirror it.
PUBLISHED_SHA256 = {
    NPZ_FILE: "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

DATASET = loader.ImageDataset(
    name="mnist", title="MNIST", folder="", idx_files=IDX_FILES, published=PUBLISHED_SHA256,
    default_layout="npz", npz=NPZ_FILE)


def load_data(path="mnist.npz"):
    """Load MNIST: the caller's copy, the cache, or the origin (fetched once into the cache).

    Args:
        path: a bare file name (default ``'mnist.npz'``) is the name of the npz inside the
            cache, as in Keras. An existing file or folder given with a folder part
            (``'./mnist.npz'``, ``'data/mnist'``, an absolute path, ``'~/...'``) is your own
            copy: an ``.npz`` in the Keras layout or a folder holding ``mnist.npz`` or the four
            IDX ``.gz`` files, read where it is. An ``.npz`` path that does not exist yet keeps
            Keras' meaning: where to download the npz (relative to the cache, or exactly there
            when absolute).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes ``(n, 28, 28)`` and
        ``(n,)``.

    Raises:
        FileNotFoundError: your path does not hold MNIST; or nothing is cached and the origin
            cannot be reached (the message says where it looked and how to use a local copy).
        ValueError: a file is corrupted or truncated (its hash, its IDX header or its size
            says so), a label file does not match its image file, or an npz lacks an array.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train[:5]                           # doctest: +SKIP
        ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))

        Your own copy, here a tiny one in the Keras layout:

        >>> import os, tempfile
        >>> import numpy as np
        >>> mine = os.path.join(tempfile.mkdtemp(), "tiny.npz")
        >>> np.savez(mine, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.uint8([5, 0, 4]),
        ...          x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.uint8([7]))
        >>> (x_train, y_train), (x_test, y_test) = load_data(path=mine)
        >>> x_train.shape, y_test
        ((3, 28, 28), array([7], dtype=uint8))
    """
    if path is None:
        path = NPZ_FILE
    if is_cache_name(path):
        return loader.load(DATASET, cache_name=os.fspath(path))
    full = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.exists(full) and full.endswith(".npz"):
        # Keras' own meaning of a path that is not there yet: where to download the npz to,
        # relative to the cache, or exactly there when it is absolute.
        if os.path.isabs(os.path.expanduser(os.fspath(path))):
            return loader.load(DATASET, cache_name=os.path.basename(full), folder=os.path.dirname(full))
        return loader.load(DATASET, cache_name=os.path.normpath(os.fspath(path)))
    return loader.load_local(DATASET, path)


def is_cache_name(path):
    """Whether ``path`` is a bare file name (a name inside the cache) rather than your own copy.

    Example:
        >>> is_cache_name("mnist.npz"), is_cache_name("./mnist.npz"), is_cache_name("/data/mnist")
        (True, False, False)
    """
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    return bool(text) and os.path.basename(text) == text and text not in (".", "..") \
        and not text.startswith("~")
