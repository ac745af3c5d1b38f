"""``Sequence``: a dataset read one batch at a time, by index.

Subclass it when the data does not fit in one array (image files on disk, batches made on
the fly): ``__len__`` says how many batches an epoch has, ``__getitem__(i)`` returns batch
``i`` as ``(x, y)`` or ``(x, y, sample_weight)``, and ``on_epoch_end`` runs after each
epoch (to reshuffle). Because every batch has an index, an epoch visits each batch exactly
once, even when several workers read in parallel: that is what Keras 2 prefers a
``Sequence`` to a Python generator for.
"""

__all__ = ["Sequence"]


class Sequence:
    """Base class for datasets that give their batches by index (Keras 2 semantics).

    Subclasses implement ``__getitem__`` and ``__len__``, and may implement
    ``on_epoch_end``. Iterating over a ``Sequence`` visits its batches once, in order.

    Example:
        >>> import numpy as np
        >>> class Batches(Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)    # ceil(n / batch_size)
        ...     def __getitem__(self, index):
        ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[part], self.y[part]
        >>> data = Batches(np.zeros((10, 3)), np.arange(10), batch_size=4)
        >>> len(data), [len(y) for _, y in data]
        (3, [4, 4, 2])
    """

    use_sequence_api = True

    def __getitem__(self, index):
        """Batch number ``index`` (``0 <= index < len(self)``)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __getitem__(index), returning batch number index."
        )

    def __len__(self):
        """The number of batches in one epoch."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __len__(), returning the number of batches."
        )

    def on_epoch_end(self):
        """Called at the end of every epoch; override it to reshuffle."""

    def __iter__(self):
        """The batches ``self[0], ..., self[len(self) - 1]``, in order."""
        for index in range(len(self)):
            yield self[index]
