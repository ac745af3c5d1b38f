"""Helpers for users and for minikeras itself: gradient checks, downloads, plots, seeds, ..."""
from minikeras.random import set_random_seed
from minikeras.utils import plotting
from minikeras.utils.data_utils import get_file
from minikeras.utils.generic_utils import (
    CustomObjectScope, Progbar, custom_object_scope, get_custom_objects,
)
from minikeras.utils.gradient_check import assert_gradients_close, check_gradients, gradient_errors
from minikeras.utils.np_utils import normalize, to_categorical
from minikeras.preprocessing.image_files import array_to_img, img_to_array, load_img, save_img
from minikeras.utils.plot_model import plot_model
from minikeras.utils.sequence import Sequence
from minikeras.utils.step_data import pack_x_y_sample_weight, unpack_x_y_sample_weight


def profile(model, x, y, batch_size=32, steps=3, print_fn=print):
    """Where the time of a training step goes, layer by layer; see ``minikeras.inspect.profile``."""
    from minikeras.inspect.profile import profile as _profile

    return _profile(model, x, y, batch_size=batch_size, steps=steps, print_fn=print_fn)


__all__ = [
    "check_gradients", "gradient_errors", "assert_gradients_close",
    "to_categorical", "normalize", "plot_model", "Progbar", "Sequence",
    "CustomObjectScope", "custom_object_scope", "get_custom_objects",
    "get_file", "plotting", "profile", "set_random_seed",
    "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
    "load_img", "img_to_array", "array_to_img", "save_img",
]
