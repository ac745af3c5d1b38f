"""Datasets for the tutorials: each module finds, verifies and parses one of them.

Example:
    >>> from minikeras.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
"""
from minikeras.datasets import mnist

__all__ = ["mnist"]
