"""Check the tape's gradients against central finite differences, in float64.

For a function ``f`` of some arrays and a fixed random upstream gradient ``w`` (the same
shape as ``f``'s output), the scalar ``L = sum(w * f(x))`` has the derivative

    dL/dx[i] ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)

with an error of order ``eps**2``. ``check_gradients`` compares that with what
``GradientTape.gradient(f(x), x, output_gradients=w)`` returns. A random ``w`` (rather than
``f(x).sum()``) catches backward rules that mix up elements of the output.

The error of one input is ``max_i |analytic_i - numeric_i| / max_i max(|analytic_i|, |numeric_i|)``:
the largest difference relative to the largest gradient of that input, so that elements
whose gradient is near zero do not produce meaningless ratios. Correct float64 gradients
give about 1e-9 or less; a wrong rule gives something near 1.
"""
import numpy as np

from minikeras.tape import GradientTape
from minikeras.tensor import Tensor, Variable

__all__ = ["check_gradients", "gradient_errors", "assert_gradients_close"]


def gradient_errors(fn, inputs, output_gradient=None, eps=1e-6, seed=0):
    """The gradient-check report of every input.

    Args:
        fn: a function of ``len(inputs)`` Tensors returning one Tensor.
        inputs: NumPy arrays (converted to float64 Tensors) or float64 Variables (perturbed
            in place, then restored; use this for the weights of a float64 layer).
        output_gradient: the upstream gradient ``w``; random (seeded) if None.
        eps: the finite-difference step.
        seed: seed of the random upstream gradient.

    Returns:
        A list with one dict per input: ``error`` (the relative error described above),
        ``index`` (the worst element), ``analytic`` and ``numeric`` (the two full arrays).
    """
    tensors = [_as_float64(x, i) for i, x in enumerate(inputs)]
    with GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        for t in tensors:
            tape.watch(t)
        output = fn(*tensors)
    if not isinstance(output, Tensor):
        raise TypeError(f"check_gradients: fn must return a Tensor, got {type(output).__name__}.")
    if output_gradient is None:
        rng = np.random.default_rng(seed)
        output_gradient = rng.standard_normal(output.shape)
    weights = np.asarray(output_gradient, dtype=np.float64)
    if weights.shape != output.shape:
        raise ValueError(
            f"check_gradients: output_gradient has shape {weights.shape}, fn's output has shape {output.shape}."
        )
    analytic = tape.gradient(output, tensors, output_gradients=Tensor(weights.astype(output.dtype)))

    def loss():
        return float(np.sum(weights * np.asarray(fn(*tensors).numpy(), dtype=np.float64)))

    reports = []
    for t, grad in zip(tensors, analytic):
        numeric = np.zeros(t.shape)
        values = t._value  # perturbed in place; a Variable's own array is a private copy
        for i in range(values.size):
            # An index tuple, not a flattened view: works for any memory layout.
            index = np.unravel_index(i, values.shape)
            original = values[index]
            values[index] = original + eps
            plus = loss()
            values[index] = original - eps
            minus = loss()
            values[index] = original
            numeric[index] = (plus - minus) / (2 * eps)
        exact = np.zeros(t.shape) if grad is None else np.asarray(grad.numpy(), dtype=np.float64)
        difference = np.abs(exact - numeric)
        scale = max(np.abs(exact).max(initial=0.0), np.abs(numeric).max(initial=0.0), 1e-12)
        worst = int(np.argmax(difference)) if difference.size else 0
        reports.append({
            "error": float(difference.max(initial=0.0) / scale),
            "index": np.unravel_index(worst, t.shape) if difference.size else (),
            "analytic": exact,
            "numeric": numeric,
        })
    return reports


def check_gradients(fn, inputs, output_gradient=None, eps=1e-6, seed=0):
    """The worst relative gradient error over all ``inputs`` (see ``gradient_errors``).

    Example:
        >>> import numpy as np
        >>> from minikeras import ops
        >>> x = np.random.default_rng(0).standard_normal((3, 4))
        >>> check_gradients(lambda t: ops.tanh(t) * t, [x]) < 1e-6
        True
    """
    return max(r["error"] for r in gradient_errors(fn, inputs, output_gradient, eps, seed))


def assert_gradients_close(fn, inputs, tol=1e-6, output_gradient=None, eps=1e-6, seed=0):
    """Raise ``AssertionError`` with the numbers when an input's gradient error exceeds ``tol``."""
    reports = gradient_errors(fn, inputs, output_gradient, eps, seed)
    for position, report in enumerate(reports):
        if not report["error"] <= tol:
            index = report["index"]
            raise AssertionError(
                f"gradient of input {position} is off: relative error {report['error']:.3g} > {tol:g}; "
                f"at index {tuple(int(i) for i in index)}: analytic {report['analytic'][index]!r}, "
                f"numeric {report['numeric'][index]!r}.\nanalytic:\n{report['analytic']}\n"
                f"numeric:\n{report['numeric']}"
            )
    return max(r["error"] for r in reports)


def _as_float64(x, position):
    if isinstance(x, Variable):
        if x.dtype != np.float64:
            raise ValueError(
                f"check_gradients: Variable input {position} ({x.name}) has dtype {x.dtype}; "
                "gradient checks need float64 (build the layer with dtype='float64' or "
                "call K.set_floatx('float64') first)."
            )
        return x
    if isinstance(x, Tensor):
        x = x.numpy()
    return Tensor(np.array(x, dtype=np.float64, order="C"))
