"""SGD: step against the gradient, optionally carrying a velocity (momentum).

The simplest rule, ``w -= lr * g``, is SGD with ``momentum=0``. Momentum keeps a running
velocity so that steps in a consistent direction build up and oscillations cancel; the
Nesterov variant looks ahead, adding the velocity's next step to the update.
"""
from minikeras.optimizers.base import Optimizer, _non_negative

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    ``velocity = momentum * velocity - lr * g``, then ``w += velocity``, or with Nesterov
    ``w += momentum * velocity - lr * g``.

    Args:
        learning_rate: float >= 0 (default 0.01).
        momentum: float >= 0.
        decay: float >= 0, learning-rate decay.
        nesterov: whether to use Nesterov momentum.
    """

    _slot_names = ("moments",)

    def __init__(self, learning_rate=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.momentum = _non_negative(self, "momentum", momentum)
        self.nesterov = bool(nesterov)

    def _update_step(self, w, g, slots, lr, t):
        velocity = self.momentum * slots["moments"] - lr * g
        slots["moments"] = velocity
        if self.nesterov:
            return w + self.momentum * velocity - lr * g
        return w + velocity

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
