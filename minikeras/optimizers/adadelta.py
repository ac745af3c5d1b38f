"""Adadelta: Adagrad with running averages instead of an ever-growing sum.

The step is also scaled by the running size of past updates, so that an update has the
units of the weight. The original Adadelta has no learning rate at all, hence Keras 2's
default of 1.0.
"""
import numpy as np

from minikeras.optimizers.base import Optimizer, _epsilon, _fraction

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adagrad with running averages, scaled by the running size of past updates.

    ``a = rho a + (1 - rho) g**2``; ``update = g sqrt(d + eps) / sqrt(a + eps)``;
    ``w -= lr * update``; ``d = rho d + (1 - rho) update**2``.

    Args:
        learning_rate: float >= 0 (default 1.0, as in Keras 2).
        rho: float in [0, 1), the decay of both running averages.
        epsilon: fuzz factor; ``K.epsilon()`` if None.
        decay: float >= 0, learning-rate decay.
    """

    _slot_names = ("accumulators", "delta_accumulators")

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.rho = _fraction(self, "rho", rho)
        self.epsilon = _epsilon(self, epsilon)

    def _update_step(self, w, g, slots, lr, t):
        a = self.rho * slots["accumulators"] + (1.0 - self.rho) * np.square(g)
        d = slots["delta_accumulators"]
        update = g * np.sqrt(d + self.epsilon) / np.sqrt(a + self.epsilon)
        slots["accumulators"] = a
        slots["delta_accumulators"] = self.rho * d + (1.0 - self.rho) * np.square(update)
        return w - lr * update

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
