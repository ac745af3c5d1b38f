"""The data a training, test or predict step receives: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.

``Model.fit`` hands each batch to ``train_step(data)`` packed this way (Keras 3 and tf.keras
do the same); a step written by a user unpacks it with ``unpack_x_y_sample_weight``.

Example:
    >>> unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    >>> pack_x_y_sample_weight(1, 2, 3)
    (1, 2, 3)
"""

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """What a step receives: ``x`` alone (``(x,)`` for a list of inputs), ``(x, y)`` or ``(x, y, w)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from what a step received (missing parts are None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be x, (x,), (x, y) or (x, y, sample_weight); received a tuple of "
                     f"{len(data)} elements.")
