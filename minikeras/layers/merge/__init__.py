"""Merge layers: several tensors in, one out, with the lowercase functions of Keras 2.

``base_merge.py`` holds the element-wise base (broadcasting, masks); then one module per
layer and its function: ``Add``/``add``, ``Subtract``/``subtract``, ``Multiply``/``multiply``,
``Average``/``average``, ``Maximum``/``maximum``, ``Minimum``/``minimum``,
``Concatenate``/``concatenate`` and ``Dot``/``dot``.
"""
from minikeras.layers.merge.add import Add, add
from minikeras.layers.merge.average import Average, average
from minikeras.layers.merge.concatenate import Concatenate, concatenate
from minikeras.layers.merge.dot import Dot, dot
from minikeras.layers.merge.maximum import Maximum, maximum
from minikeras.layers.merge.minimum import Minimum, minimum
from minikeras.layers.merge.multiply import Multiply, multiply
from minikeras.layers.merge.subtract import Subtract, subtract

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]
