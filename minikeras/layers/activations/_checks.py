"""The argument check the activation layers share: a real number, optionally >= 0."""
import numpy as np

__all__ = ["checked_number"]


def checked_number(layer, argument, value, non_negative=False):
    """``value`` as a float, or a ``ValueError`` naming the layer, the argument and the value."""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not number or not np.isfinite(value) or (non_negative and value < 0):
        kind = "a non-negative number" if non_negative else "a finite number"
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r}: `{argument}` must be {kind}, "
            f"received {argument}={value!r}."
        )
    return float(value)
