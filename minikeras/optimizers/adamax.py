"""Adamax: Adam with the infinity norm in place of the running mean square.

The denominator is a decaying maximum of ``|g|``, which, unlike Adam's running mean square,
needs no bias correction (the first moment is still corrected).
"""
import numpy as np

from minikeras.optimizers.base import Optimizer, _epsilon, _fraction

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adam with the infinity norm: ``u = max(b2 u, |g|)``, ``w -= lr / (1 - b1**t) * m / (u + eps)``.

    Args:
        learning_rate: float >= 0 (default 0.002).
        beta_1, beta_2: floats in [0, 1).
        epsilon: fuzz factor; ``K.epsilon()`` if None.
        decay: float >= 0, learning-rate decay.
    """

    _slot_names = ("m", "u")

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                 **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.beta_1 = _fraction(self, "beta_1", beta_1)
        self.beta_2 = _fraction(self, "beta_2", beta_2)
        self.epsilon = _epsilon(self, epsilon)

    def _update_step(self, w, g, slots, lr, t):
        lr_t = lr / (1.0 - self.beta_1 ** t)
        m = self.beta_1 * slots["m"] + (1.0 - self.beta_1) * g
        u = np.maximum(self.beta_2 * slots["u"], np.abs(g))
        slots["m"], slots["u"] = m, u
        return w - lr_t * m / (u + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
