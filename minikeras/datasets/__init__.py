"""Datasets for the lessons: each module finds, verifies and parses one of them.

``mnist`` and ``fashion_mnist`` load as Keras' do; ``download`` is the one verified, atomic
fetch they (and ``minikeras.utils.get_file``) use; ``idx`` reads the IDX format; ``loader`` holds
the search order (your path, the cache ``$MINIKERAS_HOME/datasets``, the origin, which
``MINIKERAS_DATASETS_ORIGIN`` can replace) and the checks of what the files hold.

Example:
    >>> from minikeras.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
"""
from minikeras.datasets import download, fashion_mnist, idx, mnist

__all__ = ["download", "fashion_mnist", "idx", "mnist"]
