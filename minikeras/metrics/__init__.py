"""Metrics: numbers to watch during training.

Two kinds, as in tf.keras:

* functions ``fn(y_true, y_pred)`` returning one value per sample (Keras 2), averaged by the
  model over each batch and epoch: ``functions.py``;
* ``Metric`` objects that keep a state across batches (``update_state``, ``result``,
  ``reset_state``): ``base_metric.py``, and the built-in classes in ``reduction.py`` (``Mean``,
  ``Sum``, ``MeanMetricWrapper``), ``accuracy.py``, ``regression.py``, ``probabilistic.py``
  (the cross-entropies), ``confusion.py`` (``Precision``, ``Recall``) and ``auc.py`` (``AUC``).

``names.py`` holds the names that metrics are logged under and their other spellings.
"""
from minikeras.metrics import names
from minikeras.metrics.accuracy import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
)
from minikeras.metrics.base_metric import Metric
from minikeras.metrics.auc import AUC
from minikeras.metrics.confusion import Precision, Recall
from minikeras.metrics.functions import (
    ACCURACY_NAMES, CROSSENTROPY_NAMES, binary_accuracy, categorical_accuracy, deserialize, get,
    resolve, resolve_accuracy, serialize, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from minikeras.metrics.functions import __all__ as _function_names
from minikeras.metrics.probabilistic import BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy
from minikeras.metrics.reduction import Mean, MeanMetricWrapper, Sum
from minikeras.metrics.regression import MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError

#: The metric classes, by class name (what ``deserialize`` and ``custom_objects`` look up).
CLASSES = {cls.__name__: cls for cls in (
    Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
    MeanAbsoluteError, RootMeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Precision, Recall, AUC)}

__all__ = list(_function_names) + ["names", "CLASSES"] + list(CLASSES)
