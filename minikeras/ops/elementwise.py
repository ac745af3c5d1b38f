"""Element-wise operations: arithmetic, powers, exponentials and friends.

Binary operations broadcast like NumPy; the base class sums each gradient back to its
input's shape. Each backward rule is the derivative written next to the forward formula.
"""
import numpy as np

from minikeras.ops.base import Op
from minikeras.tensor import Tensor, as_tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "negative", "power", "square", "sqrt",
    "exp", "log", "abs", "sign", "maximum", "minimum", "clip", "where", "cast",
    "identity", "stop_gradient", "zeros_like", "ones_like",
]


class Add(Op):
    """z = x + y"""

    def forward(self, x, y):
        return x + y

    def backward(self, grad):
        return grad, grad


class Subtract(Op):
    """z = x - y"""

    def forward(self, x, y):
        return x - y

    def backward(self, grad):
        return grad, -grad if self.needs_input_grad[1] else None


class Multiply(Op):
    """z = x * y;  dz/dx = y, dz/dy = x"""

    def forward(self, x, y):
        return x * y

    def backward(self, grad):
        x, y = self.inputs
        return (
            grad * y if self.needs_input_grad[0] else None,
            grad * x if self.needs_input_grad[1] else None,
        )


class Divide(Op):
    """z = x / y;  dz/dx = 1 / y, dz/dy = -x / y**2 = -z / y"""

    def forward(self, x, y):
        return x / y

    def backward(self, grad):
        _, y = self.inputs
        grad_x = grad / y
        grad_y = -grad_x * self.output if self.needs_input_grad[1] else None
        return grad_x, grad_y


class Negative(Op):
    """z = -x"""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class Power(Op):
    """z = x ** y;  dz/dx = y * x**(y-1), dz/dy = z * log(x) (where x > 0, else 0)"""

    def forward(self, x, y):
        return np.power(x, y)

    def backward(self, grad):
        x, y = self.inputs
        grad_x = grad * y * power(x, y - 1) if self.needs_input_grad[0] else None
        grad_y = None
        if self.needs_input_grad[1]:
            # log(x) is undefined for x <= 0; TensorFlow uses 0 there, and so do we.
            positive = x.numpy() > 0
            safe_log = log(where(positive, x, 1.0))
            grad_y = grad * self.output * safe_log
        return grad_x, grad_y


class Square(Op):
    """z = x**2;  dz/dx = 2x"""

    def forward(self, x):
        return np.square(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * (2.0 * x)


class Sqrt(Op):
    """z = sqrt(x);  dz/dx = 1 / (2 z)"""

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, grad):
        return grad / (2.0 * self.output)


class Exp(Op):
    """z = exp(x);  dz/dx = z"""

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad):
        return grad * self.output


class Log(Op):
    """z = log(x);  dz/dx = 1 / x"""

    def forward(self, x):
        return np.log(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad / x


class Abs(Op):
    """z = |x|;  dz/dx = sign(x) (0 at x = 0, as in TensorFlow)"""

    def forward(self, x):
        return np.abs(x)

    def backward(self, grad):
        (x,) = self.inputs
        return grad * np.sign(x.numpy()).astype(grad.dtype)


class Maximum(Op):
    """z = max(x, y);  the gradient goes to x where x >= y, else to y (TensorFlow's tie rule)."""

    def forward(self, x, y):
        self.x_wins = x >= y
        return np.maximum(x, y)

    def backward(self, grad):
        return grad * _mask(self.x_wins, grad), grad * _mask(~self.x_wins, grad)


class Minimum(Op):
    """z = min(x, y);  the gradient goes to x where x <= y, else to y."""

    def forward(self, x, y):
        self.x_wins = x <= y
        return np.minimum(x, y)

    def backward(self, grad):
        return grad * _mask(self.x_wins, grad), grad * _mask(~self.x_wins, grad)


class Clip(Op):
    """z = min(max(x, low), high);  dz/dx = 1 inside [low, high], 0 outside."""

    def forward(self, x):
        self.inside = (x >= self.low) & (x <= self.high)
        return np.clip(x, self.low, self.high)

    def backward(self, grad):
        return grad * _mask(self.inside, grad)


class Where(Op):
    """z = x where condition else y;  the gradient is routed the same way."""

    def forward(self, x, y):
        return np.where(self.condition, x, y)

    def backward(self, grad):
        zero = zeros_like(grad)
        return (
            where(self.condition, grad, zero) if self.needs_input_grad[0] else None,
            where(self.condition, zero, grad) if self.needs_input_grad[1] else None,
        )


class Cast(Op):
    """z = x converted to another float dtype; the gradient is converted back."""

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, grad):
        return cast(grad, self.inputs[0].dtype)


class Identity(Op):
    """z = x (a new Tensor with the same values); the gradient passes unchanged."""

    def forward(self, x):
        return x

    def backward(self, grad):
        return grad


class StopGradient(Op):
    """z = x, but no gradient flows back through it."""

    def forward(self, x):
        return x

    def backward(self, grad):
        return None


def _mask(boolean_array, like):
    """A 0/1 array of ``like``'s dtype: multiplying by it routes a gradient."""
    return boolean_array.astype(like.dtype)


def add(x, y):
    """Element-wise ``x + y`` with broadcasting."""
    return Add.apply(x, y)


def subtract(x, y):
    """Element-wise ``x - y`` with broadcasting."""
    return Subtract.apply(x, y)


def multiply(x, y):
    """Element-wise ``x * y`` with broadcasting."""
    return Multiply.apply(x, y)


def divide(x, y):
    """Element-wise ``x / y`` with broadcasting."""
    return Divide.apply(x, y)


def negative(x):
    """``-x``."""
    return Negative.apply(x)


def power(x, y):
    """Element-wise ``x ** y``; ``y`` may be a number or a tensor."""
    return Power.apply(x, y)


def square(x):
    """``x ** 2``."""
    return Square.apply(x)


def sqrt(x):
    """``sqrt(x)``; its gradient is infinite at 0 (see ``backend.sqrt`` for Keras' clipped one)."""
    return Sqrt.apply(x)


def exp(x):
    """``e ** x``."""
    return Exp.apply(x)


def log(x):
    """Natural logarithm."""
    return Log.apply(x)


def abs(x):  # noqa: A001 - the name users expect
    """``|x|``."""
    return Abs.apply(x)


def sign(x):
    """``sign(x)``: not differentiable (a constant Tensor, off the tape)."""
    return Tensor(np.sign(as_tensor(x).numpy()))


def maximum(x, y):
    """Element-wise maximum with broadcasting."""
    return Maximum.apply(x, y)


def minimum(x, y):
    """Element-wise minimum with broadcasting."""
    return Minimum.apply(x, y)


def clip(x, min_value, max_value):
    """Clip ``x`` to ``[min_value, max_value]`` (numbers); ``None`` leaves a side open."""
    low = -np.inf if min_value is None else float(min_value)
    high = np.inf if max_value is None else float(max_value)
    if low > high:
        raise ValueError(f"clip: min_value ({min_value}) must not exceed max_value ({max_value}).")
    return Clip.apply(x, low=low, high=high)


def where(condition, x, y):
    """``x`` where ``condition`` is true, else ``y`` (broadcasting all three)."""
    condition = np.asarray(condition.numpy() if isinstance(condition, Tensor) else condition, dtype=bool)
    return Where.apply(x, y, condition=condition)


def cast(x, dtype):
    """Convert to ``dtype``. Float targets are differentiable; others leave the tape."""
    dtype = np.dtype(dtype)
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    if not np.issubdtype(dtype, np.floating) or not np.issubdtype(x.dtype, np.floating):
        return Tensor(x.numpy().astype(dtype))
    return Cast.apply(x, dtype=dtype)


def identity(x):
    """A new Tensor holding the same values as ``x``, recorded on the tape."""
    return Identity.apply(x)


def stop_gradient(x):
    """The same values, but the tape passes no gradient through them."""
    return StopGradient.apply(x)


def zeros_like(x, dtype=None):
    """A constant Tensor of zeros with ``x``'s shape (and dtype unless given)."""
    x = as_tensor(x)
    return Tensor(np.zeros(x.shape, dtype=dtype or x.dtype))


def ones_like(x, dtype=None):
    """A constant Tensor of ones with ``x``'s shape (and dtype unless given)."""
    x = as_tensor(x)
    return Tensor(np.ones(x.shape, dtype=dtype or x.dtype))
