"""Noise layers, active only in training: ``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``."""
from minikeras.layers.noise.alpha_dropout import AlphaDropout
from minikeras.layers.noise.gaussian_dropout import GaussianDropout
from minikeras.layers.noise.gaussian_noise import GaussianNoise

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout"]
