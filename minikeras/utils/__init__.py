"""Helpers for users and for minikeras itself: gradient checks, shape arithmetic, ..."""
from minikeras.utils.generic_utils import (
    CustomObjectScope, Progbar, custom_object_scope, get_custom_objects,
)
from minikeras.utils.gradient_check import assert_gradients_close, check_gradients, gradient_errors
from minikeras.utils.np_utils import normalize, to_categorical
from minikeras.utils.plot_model import plot_model
from minikeras.utils.sequence import Sequence

__all__ = [
    "check_gradients", "gradient_errors", "assert_gradients_close",
    "to_categorical", "normalize", "plot_model", "Progbar", "Sequence",
    "CustomObjectScope", "custom_object_scope", "get_custom_objects",
]
