"""Locally connected layers: convolutions whose weights are not shared across positions."""
from minikeras.layers.locally_connected.locally_connected1d import LocallyConnected1D
from minikeras.layers.locally_connected.locally_connected2d import LocallyConnected2D

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
