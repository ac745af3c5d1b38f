"""The optimizer base class: what every optimizer does around its own update rule.

Every optimizer follows the same three steps in ``apply_gradients`` (the Keras 2.2.4 order):

1. **clip** the gradients: ``clipnorm`` rescales all of them together when their global
   norm ``sqrt(sum of every squared element)`` reaches ``clipnorm``; then ``clipvalue``
   clips each element to ``[-clipvalue, clipvalue]``;
2. **update** each weight with the optimizer's rule (``_update_step``), at the learning rate
   ``lr / (1 + decay * iterations)`` where ``iterations`` counts the steps already taken;
3. **constrain**: a weight with a ``constraint`` is projected back, ``w = constraint(w)``.

The updates work on the NumPy values of the Variables (``variable.assign``), outside any
tape: an update is not something one differentiates. Per-weight state ("slots": momenta,
running averages) are NumPy arrays; ``get_weights`` returns ``[iterations]`` followed by
every slot, grouped by slot name, in the order the weights were first seen (Keras 2.2.4
lists ``iterations`` for some optimizers only; minikeras always does, as Keras 2.3 does).

The argument checks at the end (``_non_negative``, ``_fraction``, ``_epsilon``) are shared
by the optimizers of this package, which validate their own hyperparameters with them.
"""
import numpy as np

from minikeras import config
from minikeras._kernels import kernel as _kernel
from minikeras._kernels import reference as _reference
from minikeras.tensor import Variable

__all__ = ["Optimizer"]


class Optimizer:
    """The base class: gradient clipping, learning-rate decay, slots, constraints, config.

    Args:
        learning_rate: float >= 0 (``lr`` is accepted as the Keras 2 spelling).
        decay: float >= 0, learning-rate decay over each update.
        clipnorm: float > 0 or None; see the module docstring.
        clipvalue: float > 0 or None; see the module docstring.

    Subclasses list their per-weight state in ``_slot_names`` and write ``_update_step``.
    """

    _slot_names = ()

    def __init__(self, learning_rate, decay=0.0, **kwargs):
        learning_rate = kwargs.pop("lr", learning_rate)
        clipnorm = kwargs.pop("clipnorm", None)
        clipvalue = kwargs.pop("clipvalue", None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}; "
                "allowed besides the optimizer's own arguments: lr, clipnorm, clipvalue."
            )
        # A 0-d Variable, as in Keras 2, so that ``K.get_value(opt.lr)`` and
        # ``K.set_value(opt.lr, 0.01)`` work; float64 keeps rates like 0.1 exact.
        self._learning_rate = Variable(
            np.float64(_non_negative(self, "learning_rate", learning_rate)),
            trainable=False, name="learning_rate",
        )
        self.decay = _non_negative(self, "decay", decay)
        self.clipnorm = None if clipnorm is None else _non_negative(self, "clipnorm", clipnorm)
        self.clipvalue = None if clipvalue is None else _non_negative(self, "clipvalue", clipvalue)
        self.iterations = 0
        self._variables = []     # the weights that have slots, in order of first appearance
        self._slots = {}         # id(weight) -> {slot name: NumPy array of the weight's shape}
        self._pending_weights = None

    # --- the learning rate: a 0-d Variable that callbacks may change between steps ----------
    @property
    def learning_rate(self):
        """The learning rate Variable; read it with ``float(...)`` or ``K.get_value``."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate.assign(np.float64(_non_negative(self, "learning_rate", value)))

    lr = learning_rate  # the Keras 2 name of the same property

    # --- one training step -------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        """Keras 3's spelling: ``apply_gradients(zip(grads, trainable_variables))``.

        Raises:
            ValueError: without ``trainable_variables``, or with lists of different lengths.
        """
        if trainable_variables is None:
            raise ValueError(f"{type(self).__name__}.apply(grads, trainable_variables): the variables are needed.")
        grads, trainable_variables = list(grads), list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{type(self).__name__}.apply: {len(grads)} gradients for "
                             f"{len(trainable_variables)} variables.")
        self.apply_gradients(zip(grads, trainable_variables))

    def apply_gradients(self, grads_and_vars):
        """Update each Variable from its gradient: clip, update, constrain.

        Args:
            grads_and_vars: an iterable of ``(gradient, variable)`` pairs; the gradient is a
                Tensor or array of the variable's shape, or None (that variable is skipped).

        Raises:
            TypeError: if a variable is not a ``minikeras.Variable``.
            ValueError: if a gradient's shape differs from its variable's, or if every
                gradient is None.
        """
        pairs = list(grads_and_vars)
        for _, variable in pairs:
            if not isinstance(variable, Variable):
                raise TypeError(
                    f"{type(self).__name__}.apply_gradients expects (gradient, Variable) pairs, "
                    f"got a {type(variable).__name__} in place of a Variable."
                )
        self.build([variable for _, variable in pairs])
        pairs = [(g, v) for g, v in pairs if g is not None]
        if not pairs and self._variables:
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: no gradient was provided for any "
                "variable (every gradient is None): does the loss depend on the weights?"
            )
        grads = self._clip([self._gradient_array(g, v) for g, v in pairs])

        learning_rate = float(self._learning_rate)
        if self.decay > 0:
            learning_rate = learning_rate / (1.0 + self.decay * self.iterations)
        t = self.iterations + 1  # the number of this step, counted from 1
        self._begin_step(t)
        for grad, (_, variable) in zip(grads, pairs):
            slots = self._slots[id(variable)]
            variable.assign(self._update_step(variable.numpy(), grad, slots, learning_rate, t))
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable))
        self.iterations += 1

    def _clip(self, grads):
        if self.clipnorm:
            # One norm for the whole step (Keras 2), so the direction of the update is kept.
            norm = np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
            if norm >= self.clipnorm:
                grads = [g * (self.clipnorm / norm) for g in grads]
        if self.clipvalue:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _gradient_array(self, grad, variable):
        grad = np.asarray(grad, dtype=variable.dtype)
        if grad.shape != variable.shape:
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: the gradient of variable "
                f"{variable.name!r} has shape {grad.shape}, expected the variable's shape "
                f"{variable.shape}."
            )
        return grad

    def _begin_step(self, t):
        """Work shared by all weights of step ``t`` (Nadam's momentum schedule)."""

    def _update_step(self, value, grad, slots, learning_rate, t):
        """The new value of one weight; update ``slots`` (a dict of arrays) in place."""
        raise NotImplementedError(f"{type(self).__name__}._update_step")

    @staticmethod
    def _run_update_kernel(name, w, g, slots, slot_names, *coefficients):
        """Run the one-pass update ``name`` (``_kernels/optimizers.pyx``) on one weight.

        The slots listed in ``slot_names`` are updated in place (first made C-contiguous
        arrays of the weight's dtype, if a ``set_weights`` left them otherwise) and the new
        weight is returned. The kernels take float32 or float64; other dtypes run the twin.
        """
        for name_ in slot_names:
            if not (slots[name_].dtype == w.dtype and slots[name_].flags.c_contiguous):
                slots[name_] = np.ascontiguousarray(slots[name_], dtype=w.dtype)
        w = np.ascontiguousarray(w)
        g = np.ascontiguousarray(g, dtype=w.dtype)
        out = np.empty_like(w)
        update = _kernel(name) if w.dtype in (np.float32, np.float64) else getattr(_reference, name)
        update(w.reshape(-1), g.reshape(-1), *[slots[n].reshape(-1) for n in slot_names],
               out.reshape(-1), *coefficients)
        return out

    # --- slots, and saving them ------------------------------------------------------------
    def build(self, var_list):
        """Create zero slots for the Variables of ``var_list`` that have none yet.

        ``apply_gradients`` calls it; call it yourself to create the slots (for example
        before ``set_weights``). Weights passed to ``set_weights`` before the first build are
        restored here.
        """
        for variable in var_list:
            if id(variable) not in self._slots:
                self._variables.append(variable)
                self._slots[id(variable)] = {
                    name: np.zeros(variable.shape, dtype=variable.dtype) for name in self._slot_names
                }
        if self._pending_weights is not None and self._variables:
            pending, self._pending_weights = self._pending_weights, None
            self.set_weights(pending)

    @property
    def weights(self):
        """The state as arrays: ``[iterations]`` then each slot of each weight (copies)."""
        return [np.array(self.iterations, dtype=np.int64)] + [
            self._slots[id(v)][name].copy() for name in self._slot_names for v in self._variables
        ]

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        """Restore a state from ``get_weights``. Before the slots exist, it is kept for ``build``."""
        weights = list(weights)
        if len(weights) == 1:
            # The state of an optimizer that has not been used yet: ``[iterations]``, no slots.
            self.iterations = int(np.asarray(weights[0]))
            self._restore_step_state()
            return
        if not self._variables:
            self._pending_weights = weights
            return
        expected = 1 + len(self._slot_names) * len(self._variables)
        if len(weights) != expected:
            raise ValueError(
                f"{type(self).__name__}.set_weights: expected {expected} arrays (iterations and "
                f"{len(self._slot_names)} slot(s) for each of {len(self._variables)} weights), "
                f"got {len(weights)}."
            )
        slots = iter(weights[1:])
        for name in self._slot_names:
            for variable in self._variables:
                value = np.asarray(next(slots))
                if value.shape != variable.shape:
                    raise ValueError(
                        f"{type(self).__name__}.set_weights: slot {name!r} of weight "
                        f"{variable.name!r} has shape {value.shape}, expected {variable.shape}."
                    )
                self._slots[id(variable)][name] = value.astype(variable.dtype)
        self.iterations = int(weights[0])
        self._restore_step_state()

    def _restore_step_state(self):
        """Recompute any state that follows from ``iterations`` (Nadam's schedule)."""

    # --- configuration ----------------------------------------------------------------------
    def get_config(self):
        config = {"learning_rate": float(self._learning_rate), "decay": self.decay}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({settings})"


# --- argument checks ----------------------------------------------------------------------------
def _as_float(value):
    """``value`` as a float if it is a real number (NumPy scalars and 0-d arrays too), else None."""
    if isinstance(value, (bool, str, bytes)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _non_negative(optimizer, name, value):
    number = _as_float(value)
    if number is None or not number >= 0:
        raise ValueError(f"{type(optimizer).__name__}: `{name}` must be a number >= 0, got {value!r}.")
    return number


def _fraction(optimizer, name, value):
    number = _as_float(value)
    if number is None or not 0 <= number < 1:
        raise ValueError(f"{type(optimizer).__name__}: `{name}` must be a number in [0, 1), got {value!r}.")
    return number


def _epsilon(optimizer, value):
    return config.epsilon() if value is None else _non_negative(optimizer, "epsilon", value)
