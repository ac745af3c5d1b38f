"""Keras 2 scripts import layers from the old module paths; each must give the same class."""
import pytest

from minikeras import layers


@pytest.mark.parametrize("module, name", [
    ("minikeras.layers.convolutional", "MaxPooling2D"),
    ("minikeras.layers.convolutional", "AveragePooling1D"),
    ("minikeras.layers.convolutional", "MaxPool3D"),
    ("minikeras.layers.embeddings", "Embedding"),
    ("minikeras.layers.advanced_activations", "LeakyReLU"),
    ("minikeras.layers.advanced_activations", "PReLU"),
    ("minikeras.layers.advanced_activations", "ELU"),
])
def test_old_paths_give_the_same_layer(module, name):
    namespace = {}
    exec(f"from {module} import {name}", namespace)
    assert namespace[name] is getattr(layers, name)


def test_an_unknown_name_is_still_an_attribute_error():
    from minikeras.layers import convolutional
    with pytest.raises(AttributeError, match="has no attribute 'MaxPooling4D'"):
        convolutional.MaxPooling4D
