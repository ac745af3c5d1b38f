"""Adam: running averages of the gradient (momentum) and of its square (RMSprop), together.

Both averages start at zero and so are biased towards zero in the first steps; Adam
corrects for that, here folded into the step size as in Keras 2.
"""
import numpy as np

from minikeras.optimizers.base import Optimizer, _epsilon, _fraction

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adaptive moment estimation, with the bias correction folded into the step size.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``,
    ``w -= lr sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + eps)``; with ``amsgrad``
    the running maximum of ``v`` replaces ``v`` in the denominator.

    Args:
        learning_rate: float >= 0 (default 0.001).
        beta_1, beta_2: floats in [0, 1), the decays of the two moment estimates.
        epsilon: fuzz factor; ``K.epsilon()`` if None.
        decay: float >= 0, learning-rate decay.
        amsgrad: whether to use the AMSGrad variant.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.beta_1 = _fraction(self, "beta_1", beta_1)
        self.beta_2 = _fraction(self, "beta_2", beta_2)
        self.epsilon = _epsilon(self, epsilon)
        self.amsgrad = bool(amsgrad)
        # vhat, the running maximum of v, only exists with amsgrad.
        self._slot_names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _update_step(self, w, g, slots, lr, t):
        # The formulas, in one pass over the weight: ``adam_update`` in _kernels/optimizers.pyx,
        # written in NumPy in _kernels/reference.py.
        lr_t = lr * np.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)
        return self._run_update_kernel(
            "adam_update", w, g, slots, ("m", "v", "vhat" if self.amsgrad else "v"),
            self.beta_1, self.beta_2, float(lr_t), self.epsilon, self.amsgrad)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
