"""Helpers for users and for minikeras itself: gradient checks, downloads, plots, ..."""
from minikeras.utils import plotting
from minikeras.utils.data_utils import get_file
from minikeras.utils.gradient_check import assert_gradients_close, check_gradients, gradient_errors

__all__ = ["check_gradients", "gradient_errors", "assert_gradients_close", "get_file", "plotting"]
