"""Adagrad: a learning rate per weight that shrinks with its sum of squared gradients.

Rarely updated weights keep large steps and frequently updated ones slow down; because the
sum only grows, the steps eventually become very small.
"""
import numpy as np

from minikeras.optimizers.base import Optimizer, _epsilon

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Per-weight learning rates that shrink with the sum of all past squared gradients.

    ``a += g**2``, ``w -= lr * g / (sqrt(a) + epsilon)``; the accumulators start at 0.

    Args:
        learning_rate: float >= 0 (default 0.01).
        epsilon: fuzz factor; ``K.epsilon()`` if None.
        decay: float >= 0, learning-rate decay.
    """

    _slot_names = ("accumulators",)

    def __init__(self, learning_rate=0.01, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.epsilon = _epsilon(self, epsilon)

    def _update_step(self, w, g, slots, lr, t):
        a = slots["accumulators"] + np.square(g)
        slots["accumulators"] = a
        return w - lr * g / (np.sqrt(a) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
