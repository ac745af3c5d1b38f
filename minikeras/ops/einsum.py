"""``einsum``: sums of products named by index letters, and its gradient.

``einsum("ij,jk->ik", a, b)`` is ``a @ b``: every letter is an axis; letters missing from the
output are summed. The gradient with respect to one operand is again an einsum: the upstream
gradient (output letters) times the other operands, read back into that operand's letters.
A letter that only that operand has (summed away, e.g. ``"ij->i"``) gets the gradient
broadcast along it.

Example:
    >>> import numpy as np
    >>> einsum("ij,j->i", np.eye(2), np.array([3.0, 4.0])).numpy()
    array([3., 4.])
"""
import numpy as np

from minikeras.ops.base import Op
from minikeras.tensor import Tensor

__all__ = ["einsum"]


def _parse(subscripts, count):
    """``(input letter strings, output letters)`` with the implicit output made explicit."""
    text = subscripts.replace(" ", "")
    if "." in text:
        raise NotImplementedError("einsum: '...' (ellipsis) subscripts are not supported; name every axis.")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != count:
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(terms)} operand(s); received {count}.")
    if not arrow:  # NumPy's implicit mode: the letters seen once, in alphabetical order
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for term in terms:
        if len(set(term)) != len(term):
            raise NotImplementedError(f"einsum: a letter repeated within one operand ({term!r}: a "
                                      "diagonal or trace) is not supported.")
    return terms, output


class Einsum(Op):
    """``y = einsum(subscripts, *operands)``."""

    def forward(self, *arrays):
        return np.einsum(self.subscripts, *arrays)

    def backward(self, grad):
        grads = []
        for i, (x, term) in enumerate(zip(self.inputs, self.terms)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(self.terms) if j != i]
            available = set(self.out_letters).union(*others)
            kept = "".join(c for c in term if c in available)
            spec = ",".join([self.out_letters] + others) + "->" + kept
            g = np.einsum(spec, grad.numpy(), *[o.numpy() for j, o in enumerate(self.inputs) if j != i])
            # Letters only this operand had: the gradient is the same all along them.
            g = g.reshape([x.shape[k] if c in available else 1 for k, c in enumerate(term)])
            grads.append(Tensor(np.broadcast_to(g, x.shape).copy()))
        return grads


def einsum(subscripts, *operands):
    """Evaluate the Einstein summation ``subscripts`` on the operands (differentiable).

    Raises:
        ValueError: when the number of operands or an axis length does not match the subscripts.
        NotImplementedError: for ``...`` or a letter repeated within one operand.
    """
    terms, output = _parse(subscripts, len(operands))
    for term, x in zip(terms, operands):
        shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
        if len(term) != len(shape):
            raise ValueError(f"einsum: operand {term!r} of {subscripts!r} needs rank {len(term)}; received "
                             f"shape {shape}.")
    explicit = ",".join(terms) + "->" + output
    return Einsum.apply(*operands, subscripts=explicit, terms=terms, out_letters=output)
