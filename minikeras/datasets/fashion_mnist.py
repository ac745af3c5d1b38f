"""Fashion-MNIST (Zalando's 28x28 clothing images), as ``keras.datasets.fashion_mnist``.

``load_data()`` returns ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
``(n, 28, 28)`` and uint8 labels 0..9 (60000 / 10000 for the published files). The labels
name the classes in ``CLASS_NAMES``: 0 is a T-shirt/top, 9 an ankle boot.

The four IDX files are looked for in the cache, ``$MINIKERAS_HOME/datasets/fashion-mnist/``
(``~/.minikeras/datasets/fashion-mnist/``, Keras' layout), then fetched from the origin: Keras'
bucket, checked against the SHA-256 sums Keras publishes, or the folder or URL in
``MINIKERAS_DATASETS_ORIGIN``, whose ``fashion-mnist/`` folder holds the four files (and a
``SHA256SUMS`` listing them when they are not the published files). See
``minikeras.datasets.loader`` for the details.

Example:
    >>> from minikeras.datasets import fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, fashion_mnist.CLASS_NAMES[y_train[0]]              # doctest: +SKIP
    ((60000, 28, 28), 'Ankle boot')
"""
from minikeras.datasets import loader

__all__ = ["load_data", "DATASET", "IDX_FILES", "PUBLISHED_SHA256", "CLASS_NAMES"]

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
# The FILE_HASHES of keras/src/datasets/fashion_mnist.py (the files Zalando released).
PUBLISHED_SHA256 = {
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")

# Keras serves the four files at the top of its bucket and caches them in datasets/fashion-mnist.
DATASET = loader.ImageDataset(
    name="fashion_mnist", title="Fashion-MNIST", folder="fashion-mnist", idx_files=IDX_FILES,
    published=PUBLISHED_SHA256, default_layout="idx", default_folder="")


def load_data(path=None):
    """Load Fashion-MNIST: your copy, the cache, or the origin (fetched once into the cache).

    Args:
        path: None (Keras' call: the cache, then the origin), or your own copy: a folder
            holding the four IDX ``.gz`` files, or an ``.npz`` in the Keras layout. This
            argument is minikeras' addition; Keras' ``fashion_mnist.load_data()`` has none.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes ``(n, 28, 28)`` and
        ``(n,)``.

    Raises:
        FileNotFoundError: your path does not hold the files; or nothing is cached and the
            origin cannot be reached (the message says where it looked and what to do).
        ValueError: a file is corrupted or truncated, or a label file does not match its
            image file.
    """
    if path is None:
        return loader.load(DATASET)
    return loader.load_local(DATASET, path)
