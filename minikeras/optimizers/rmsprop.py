"""RMSprop: divide each gradient by a running root mean square of its recent values.

Weights whose gradients are large take smaller steps and weights whose gradients are small
take larger ones, so one learning rate suits parameters of very different scales.
"""
import numpy as np

from minikeras.optimizers.base import Optimizer, _epsilon, _fraction

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    ``a = rho * a + (1 - rho) * g**2``, ``w -= lr * g / (sqrt(a) + epsilon)`` (Keras 2 puts
    epsilon outside the square root).

    Args:
        learning_rate: float >= 0 (default 0.001).
        rho: float in [0, 1), the decay of the running average.
        epsilon: fuzz factor; ``K.epsilon()`` if None.
        decay: float >= 0, learning-rate decay.
    """

    _slot_names = ("accumulators",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.rho = _fraction(self, "rho", rho)
        self.epsilon = _epsilon(self, epsilon)

    def _update_step(self, w, g, slots, lr, t):
        a = self.rho * slots["accumulators"] + (1.0 - self.rho) * np.square(g)
        slots["accumulators"] = a
        return w - lr * g / (np.sqrt(a) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
