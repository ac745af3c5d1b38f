"""The iterators that ``ImageDataGenerator.flow`` returns: batches of augmented images.

An ``Iterator`` is a ``Sequence`` (``len``, ``it[i]``, ``on_epoch_end``, for ``fit``) and
also an endless Python iterator (``next(it)``, for ``fit_generator`` and plain loops), with
Keras 2.2.4's order of samples and of random draws:

* the samples are visited in a random permutation (``shuffle=True``) drawn anew at the
  start of each epoch; ``next`` goes on to the next epoch by itself;
* with ``seed``, NumPy's global generator is reseeded with ``seed + batches seen so far``
  before each batch, so a run can be repeated exactly, as in Keras.
"""
import threading

import numpy as np

from minikeras import config
from minikeras.utils.sequence import Sequence

__all__ = ["Iterator", "NumpyArrayIterator"]


class Iterator(Sequence):
    """Base class of the image iterators: which sample indices make each batch.

    Args:
        n: the number of samples. batch_size: samples per batch (the last may be smaller).
        shuffle: visit the samples in a new random order every epoch.
        seed: None, or an int that makes the order and the augmentation repeatable.

    Subclasses implement ``_get_batches_of_transformed_samples(index_array)``.
    """

    def __init__(self, n, batch_size, shuffle, seed):
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise ValueError(
                f"{type(self).__name__}: asked for batch {index}, but the sequence has "
                f"{len(self)} batches (0 to {len(self) - 1})."
            )
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        indices = self.index_array[self.batch_size * index:self.batch_size * (index + 1)]
        return self._get_batches_of_transformed_samples(indices)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size  # the last batch may be short

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            start = (self.batch_index * self.batch_size) % self.n
            if self.n > start + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[start:start + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch (the iterator never ends: it starts a new epoch by itself)."""
        with self.lock:
            indices = next(self.index_generator)
        return self._get_batches_of_transformed_samples(indices)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError(
            f"{type(self).__name__} must implement _get_batches_of_transformed_samples."
        )


class NumpyArrayIterator(Iterator):
    """Batches ``(x, y)`` (or ``x``, or ``(x, y, sample_weight)``) drawn from arrays, each image
    augmented and standardized by an ``ImageDataGenerator``.

    Args:
        x: images, rank 4 (``(n, rows, cols, channels)`` or channels first), or a list
            ``[images, other_array, ...]`` whose other arrays are passed along unchanged.
        y: labels (``len(y) == len(x)``) or None.
        image_data_generator: the generator whose ``get_random_transform``,
            ``apply_transform`` and ``standardize`` make each sample.
        batch_size, shuffle, seed: as ``Iterator``.
        sample_weight: None or one weight per sample.
        data_format: ``'channels_last'`` or ``'channels_first'`` (default: the generator's).
        subset: ``'training'`` or ``'validation'``: the part of ``x`` after or before the
            generator's ``validation_split`` (Keras 2 keeps the *first* part for validation).
        dtype: the images' dtype in the batches (``floatx()`` by default).

    Raises:
        ValueError: for images that are not rank 4, a channel count other than 1, 3 or 4,
            lengths that differ, or an unknown subset.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None,
                 seed=None, data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 subset=None, dtype=None):
        if save_to_dir is not None:
            raise NotImplementedError(
                "flow: save_to_dir is not supported (minikeras writes no image files)."
            )
        self.dtype = dtype or config.floatx()
        data_format = data_format or image_data_generator.data_format
        if isinstance(x, (tuple, list)):
            misc = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(m) for m in misc]
            x = x[0]
            for m in x_misc:
                if len(m) != len(x):
                    raise ValueError(
                        "flow: all the arrays in x should have the same length; found "
                        f"{len(x)} images and an array of length {len(m)}."
                    )
        else:
            x_misc = []
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(
                "flow: expected images of rank 4, (samples, rows, cols, channels) or channels "
                f"first; received an array of shape {x.shape}."
            )
        if y is not None and len(x) != len(y):
            raise ValueError(
                "flow: x (images) and y (labels) should have the same length; found "
                f"x.shape = {x.shape}, y.shape = {np.asarray(y).shape}."
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "flow: x (images) and sample_weight should have the same length; found "
                f"x.shape = {x.shape}, sample_weight.shape = {np.asarray(sample_weight).shape}."
            )
        channels_axis = 3 if data_format == "channels_last" else 1
        if x.shape[channels_axis] not in (1, 3, 4):
            raise ValueError(
                f"flow: with data_format={data_format!r} the channels are on axis {channels_axis} and "
                f"should number 1, 3 or 4; received an array of shape {x.shape} "
                f"({x.shape[channels_axis]} channels)."
            )
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(
                    f"flow: subset must be 'training' or 'validation'; received {subset!r}."
                )
            split = int(len(x) * image_data_generator._validation_split)
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x, x_misc = x[part], [m[part] for m in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        if len(x) == 0:
            raise ValueError(
                "flow: there are no images to draw batches from (x is empty after the split)."
            )
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        generator = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            params = generator.get_random_transform(self.x[j].shape)
            image = generator.apply_transform(self.x[j].astype(self.dtype), params)
            batch_x[i] = generator.standardize(image)
        misc = [m[index_array] for m in self.x_misc]
        output = batch_x if not misc else [batch_x] + misc
        if self.y is None:
            return output
        if self.sample_weight is None:
            return output, self.y[index_array]
        return output, self.y[index_array], self.sample_weight[index_array]
