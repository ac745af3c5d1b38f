"""Nadam: Adam with Nesterov momentum, and Keras 2's momentum schedule.

The momentum coefficient warms up over the first steps. Nadam is the optimizer that uses
the base class's two hooks: ``_begin_step`` advances the schedule once per step, and
``_restore_step_state`` recomputes it from ``iterations`` after ``set_weights``.
"""
import numpy as np

from minikeras.optimizers.base import Optimizer, _epsilon, _fraction, _non_negative

__all__ = ["Nadam"]


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras 2's warming momentum schedule.

    The momentum of step ``t`` is ``mu_t = beta_1 (1 - 0.5 * 0.96 ** (t * schedule_decay))``;
    ``m_schedule`` is the product ``mu_1 ... mu_t``. Then, with ``g' = g / (1 - m_schedule)``,
    ``m' = m / (1 - m_schedule * mu_{t+1})`` and ``v' = v / (1 - b2**t)``:
    ``w -= lr ((1 - mu_t) g' + mu_{t+1} m') / (sqrt(v') + eps)``.

    Args:
        learning_rate: float >= 0 (default 0.002).
        beta_1, beta_2: floats in [0, 1).
        epsilon: fuzz factor; ``K.epsilon()`` if None.
        schedule_decay: float >= 0 (default 0.004).
        decay: float >= 0, learning-rate decay. Keras 2.2.4's Nadam has none (0 there, as here
            by default); tf.keras accepts it, and so does minikeras.
    """

    _slot_names = ("m", "v")

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None,
                 schedule_decay=0.004, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay, **kwargs)
        self.beta_1 = _fraction(self, "beta_1", beta_1)
        self.beta_2 = _fraction(self, "beta_2", beta_2)
        self.epsilon = _epsilon(self, epsilon)
        self.schedule_decay = _non_negative(self, "schedule_decay", schedule_decay)
        self._m_schedule = 1.0

    def _momentum(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (t * self.schedule_decay))

    def _begin_step(self, t):
        self._mu_t, self._mu_next = self._momentum(t), self._momentum(t + 1)
        self._m_schedule *= self._mu_t

    def _restore_step_state(self):
        steps = np.arange(1, self.iterations + 1, dtype=np.float64)
        self._m_schedule = float(np.prod(self._momentum(steps)))

    def _update_step(self, w, g, slots, lr, t):
        m = self.beta_1 * slots["m"] + (1.0 - self.beta_1) * g
        v = self.beta_2 * slots["v"] + (1.0 - self.beta_2) * np.square(g)
        slots["m"], slots["v"] = m, v
        g_prime = g / (1.0 - self._m_schedule)
        m_prime = m / (1.0 - self._m_schedule * self._mu_next)
        v_prime = v / (1.0 - self.beta_2 ** t)
        m_bar = (1.0 - self._mu_t) * g_prime + self._mu_next * m_prime
        return w - lr * m_bar / (np.sqrt(v_prime) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "schedule_decay": self.schedule_decay}
