"""Wrappers that let other libraries use minikeras models: ``wrappers.scikit_learn``.

The scikit-learn wrappers are imported on demand (``from minikeras.wrappers.scikit_learn
import KerasClassifier``), because scikit-learn is an optional extra.
"""
