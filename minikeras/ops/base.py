"""The base class of every differentiable operation, and the only code that touches the tape.

An operation is one small class with its two rules side by side::

    class Multiply(Op):
        '''z = x * y'''
        def forward(self, x, y):          # NumPy arrays in, a NumPy array out
            return x * y

        def backward(self, grad):         # Tensors in, one Tensor per input out
            x, y = self.inputs
            return grad * y, grad * x     # dz/dx = y, dz/dy = x

and a lowercase function that users call: ``multiply(x, y) = Multiply.apply(x, y)``.

``apply`` turns the inputs into float Tensors, runs ``forward`` on their arrays and, when
a tape is recording, keeps ``self.inputs`` (Tensors) and ``self.output`` (a Tensor) and
hands the operation to the tape. Keyword arguments of ``apply`` are the operation's
non-differentiable settings (an axis, a shape, an index) and become attributes.

``backward`` receives the gradient of the loss with respect to the output and returns the
gradients with respect to each input, written with minikeras operations so that an outer
tape can differentiate them again. It may return None for an input that needs no
gradient (``self.needs_input_grad[i]`` is False) or that has none. The base class then
sums each gradient back to its input's shape when the forward pass broadcast it, and casts
it to the input's dtype.
"""
import numpy as np

from minikeras import config, dispatch, tape
from minikeras.tensor import Tensor

__all__ = ["Op", "to_float_tensors"]


class Op:
    """One differentiable operation: ``forward`` on arrays, ``backward`` on Tensors."""

    inputs = ()
    output = None
    needs_input_grad = ()

    def __init__(self, **attributes):
        for name, value in attributes.items():
            setattr(self, name, value)

    @classmethod
    def apply(cls, *inputs, **attributes):
        """Run the operation on ``inputs`` and record it on the open tapes."""
        if dispatch.has_symbolic(inputs):  # a functional model being described: a graph node
            return dispatch.symbolic_call(_Applied(cls, attributes), inputs, name=_snake(cls.__name__))
        tensors = to_float_tensors(inputs)
        op = cls(**attributes)
        try:
            value = op.forward(*[t._value for t in tensors])
        except ValueError as error:
            if "could not be broadcast" not in str(error):
                raise
            arrays = [t.shape for t in tensors] + [v.shape for v in attributes.values() if isinstance(v, np.ndarray)]
            shapes = " and ".join(str(shape) for shape in arrays)
            raise ValueError(
                f"{_snake(cls.__name__)}: the shapes {shapes} do not broadcast together (each axis must be "
                "equal, or 1 in one of them).") from None
        output = Tensor(np.asarray(value))
        if tape.is_recording():
            op.inputs = tensors
            op.output = output
            tape.record_operation(op)
        return output

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def input_gradients(self, grad, needed):
        """Called by the tape: ``backward`` plus shape and dtype bookkeeping."""
        self.needs_input_grad = needed
        grads = self.backward(grad)
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        if len(grads) != len(self.inputs):
            raise RuntimeError(
                f"{type(self).__name__}.backward returned {len(grads)} gradients "
                f"for {len(self.inputs)} inputs."
            )
        result = []
        for x, g, need in zip(self.inputs, grads, needed):
            if g is None or not need:
                result.append(None)
                continue
            if not isinstance(g, Tensor):
                g = Tensor(np.asarray(g))
            if g.shape != x.shape:
                from minikeras.ops.shape import sum_to_shape

                g = sum_to_shape(g, x.shape)
            if g.dtype != x.dtype:
                from minikeras.ops.elementwise import cast

                g = cast(g, x.dtype)
            result.append(g)
        return result

    def __repr__(self):
        shapes = ", ".join(str(x.shape) for x in self.inputs)
        out = self.output.shape if self.output is not None else "?"
        return f"{type(self).__name__}({shapes}) -> {out}"


class _Applied:
    """``cls.apply(*inputs, **attributes)`` as a function, for a node of the functional graph."""

    def __init__(self, cls, attributes):
        self.cls, self.attributes = cls, attributes
        self.__name__ = self.__qualname__ = _snake(cls.__name__)

    def __call__(self, *inputs):
        return self.cls.apply(*inputs, **self.attributes)


def _snake(name):
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def to_float_tensors(values):
    """Turn the inputs of an operation into floating-point Tensors.

    Tensors and NumPy float arrays keep their dtype. Integer and boolean values are cast
    to ``K.floatx()`` (never truncated the other way). Python numbers take the float dtype
    of the Tensors they are combined with, so ``x * 2.0`` keeps ``x``'s dtype.
    """
    # The common case inside a model: every input is already a float Tensor.
    if all(isinstance(v, Tensor) and v._value.dtype.kind == "f" for v in values):
        return list(values)
    reference = None
    for v in values:
        if isinstance(v, (Tensor, np.ndarray)) and np.issubdtype(v.dtype, np.floating):
            reference = v.dtype
            break
    default = np.dtype(reference if reference is not None else config.floatx())
    tensors = []
    for v in values:
        if isinstance(v, Tensor):
            if not np.issubdtype(v.dtype, np.floating):
                v = Tensor(v._value.astype(config.floatx()))
        elif isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating):
            v = Tensor(v)
        else:
            array = np.asarray(v)
            if array.dtype == object:
                raise TypeError(f"Expected a tensor or an array-like, got {type(v).__name__}.")
            # A number joins the dtype of its companions; lists and integer arrays get floatx.
            v = Tensor(array.astype(default if array.ndim == 0 else config.floatx()))
        tensors.append(v)
    return tensors
