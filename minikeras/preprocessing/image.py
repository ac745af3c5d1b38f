"""``ImageDataGenerator``: random augmentation and standardization of image batches (Keras 2.2.4).

    datagen = ImageDataGenerator(rotation_range=10, width_shift_range=0.1, zoom_range=0.1)
    datagen.fit(x_train)                      # only for the featurewise_* / zca options
    model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=5)

Every image of a batch goes through three steps, in this order (``flow``):

1. ``get_random_transform(shape)`` draws its parameters (angle, shifts, shear, zooms,
   flips, channel shift) from NumPy's global generator, in Keras' order of draws;
2. ``apply_transform(x, params)`` resamples the image once through the combined affine
   matrix (``affine_transformations.py``; the loop is the Cython kernel ``image.pyx``),
   then shifts channels and flips;
3. ``standardize(x)``: ``preprocessing_function``, ``rescale``, the samplewise then the
   featurewise centring and scaling, ZCA whitening.
"""
import numbers
import warnings

import numpy as np

from minikeras import config
from minikeras.preprocessing.affine_transformations import (
    FILL_MODES, apply_affine_transform, apply_channel_shift, flip_axis,
    random_rotation, random_shear, random_shift, random_zoom, transform_matrix_offset_center,
)
from minikeras.preprocessing.image_files import array_to_img, img_to_array, load_img, save_img
from minikeras.preprocessing.iterators import Iterator, NumpyArrayIterator

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "apply_affine_transform",
    "apply_channel_shift", "flip_axis", "random_rotation", "random_shear", "random_shift",
    "random_zoom", "transform_matrix_offset_center",
    "load_img", "img_to_array", "array_to_img", "save_img",
]


def _number(name, value, minimum=0.0):
    """``value`` as a float, checked to be a real number ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"ImageDataGenerator: {name} must be a number; received {value!r}.")
    if value < minimum:
        raise ValueError(f"ImageDataGenerator: {name} must be >= {minimum}; received {value!r}.")
    return value


def _shift_range(name, value):
    """A float (fraction of the size if < 1, else pixels), an int (whole pixels), or a list."""
    if isinstance(value, (list, tuple, np.ndarray)):
        values = np.asarray(value)
        if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iuf":
            raise ValueError(
                f"ImageDataGenerator: {name} as a list must be a non-empty 1-D list of numbers; "
                f"received {value!r}."
            )
        return list(value)
    return _number(name, value)


def _not_fit(option):
    warnings.warn(
        f"This ImageDataGenerator specifies {option}, but it has not been fit on any training data: "
        "the step is skipped. Fit it first by calling datagen.fit(x_train).", stacklevel=3)


class ImageDataGenerator:
    """Generate batches of images with random augmentation, as Keras 2.2.4 does.

    Args:
        featurewise_center: subtract the per-channel mean of the data given to ``fit``.
        samplewise_center: subtract each image's own mean.
        featurewise_std_normalization: divide by the per-channel std of ``fit``'s data
            (turns ``featurewise_center`` on). samplewise_std_normalization: divide each
            image by its own std (turns ``samplewise_center`` on).
        zca_whitening: apply the ZCA whitening matrix computed by ``fit``; zca_epsilon: its
            regulariser.
        rotation_range: degrees; the angle is uniform in ``[-r, r]``.
        width_shift_range, height_shift_range: a float (a fraction of the width/height if
            < 1, pixels if >= 1) drawn uniformly in ``[-f, f]``; an int ``n``: whole pixels
            in ``(-n, n)``; a list: one of its values, with a random sign.
        brightness_range: not supported (it needs PIL): raises NotImplementedError.
        shear_range: degrees, uniform in ``[-s, s]``.
        zoom_range: a float ``z`` (zoom in ``[1 - z, 1 + z]``) or a pair ``[low, high]``;
            rows and columns are zoomed by two independent draws.
        channel_shift_range: add a value drawn in ``[-c, c]`` to every channel.
        fill_mode: ``'nearest'``, ``'constant'``, ``'reflect'`` or ``'wrap'``: what is seen
            outside the image. cval: the value for ``'constant'``.
        horizontal_flip, vertical_flip: flip half of the images.
        rescale: multiply every image by this (e.g. ``1/255``); None or 0: no rescaling.
        preprocessing_function: a function of one image (rank 3) returning an image of the
            same shape, run first in ``standardize`` (after the augmentation).
        data_format: ``'channels_last'`` or ``'channels_first'`` (default:
            ``K.image_data_format()``).
        validation_split: the fraction of images ``flow(subset='validation')`` keeps.
        dtype: the dtype of the batches (default ``K.floatx()``).

    Raises:
        TypeError / ValueError: for an argument of the wrong type or out of range (the
            message names it); NotImplementedError for ``brightness_range``.

    Example:
        >>> x = np.random.rand(10, 8, 8, 1)
        >>> datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=2.0)
        >>> images, labels = next(datagen.flow(x, np.arange(10), batch_size=4, seed=1))
        >>> images.shape, images.dtype, len(labels)
        ((4, 8, 8, 1), dtype('float32'), 4)
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, dtype=None):
        if brightness_range is not None:
            raise NotImplementedError(
                "ImageDataGenerator: brightness_range is not supported (Keras does it with PIL, "
                "which minikeras does not use)."
            )
        data_format = data_format or config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "ImageDataGenerator: data_format must be 'channels_last' or 'channels_first'; "
                f"received {data_format!r}."
            )
        if fill_mode not in FILL_MODES:
            raise ValueError(
                f"ImageDataGenerator: fill_mode must be one of {sorted(FILL_MODES)}; received {fill_mode!r}."
            )
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError(
                "ImageDataGenerator: preprocessing_function must be a function of one image; "
                f"received {preprocessing_function!r}."
            )
        validation_split = _number("validation_split", validation_split)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "ImageDataGenerator: validation_split must be strictly between 0 and 1; "
                f"received {validation_split!r}."
            )
        if np.isscalar(zoom_range):
            zoom = _number("zoom_range", zoom_range)
            zoom_range = [1 - zoom, 1 + zoom]
        elif isinstance(zoom_range, (list, tuple, np.ndarray)) and len(zoom_range) == 2:
            zoom_range = [_number("zoom_range", z) for z in zoom_range]
            if zoom_range[0] > zoom_range[1]:
                raise ValueError(
                    "ImageDataGenerator: zoom_range must be [low, high] with low <= high; "
                    f"received {zoom_range!r}."
                )
        else:
            raise ValueError(
                "ImageDataGenerator: zoom_range should be a float or a tuple or list of two floats; "
                f"received {zoom_range!r}."
            )
        if min(zoom_range) <= 0:
            raise ValueError(
                f"ImageDataGenerator: zoom factors must be > 0; zoom_range gives {zoom_range!r}."
            )

        self.featurewise_center = bool(featurewise_center or featurewise_std_normalization)
        self.samplewise_center = bool(samplewise_center or samplewise_std_normalization)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.zca_whitening = bool(zca_whitening)
        self.zca_epsilon = _number("zca_epsilon", zca_epsilon)
        self.rotation_range = _number("rotation_range", rotation_range)
        self.width_shift_range = _shift_range("width_shift_range", width_shift_range)
        self.height_shift_range = _shift_range("height_shift_range", height_shift_range)
        self.brightness_range = None
        self.shear_range = _number("shear_range", shear_range)
        self.zoom_range = zoom_range
        self.channel_shift_range = _number("channel_shift_range", channel_shift_range)
        self.fill_mode = fill_mode
        self.cval = _number("cval", cval, minimum=-np.inf)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.rescale = None if rescale is None else _number("rescale", rescale, minimum=-np.inf)
        self.preprocessing_function = preprocessing_function
        self.data_format = data_format
        self.dtype = dtype or config.floatx()
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self._validation_split = validation_split
        self.mean = self.std = self.principal_components = None

    # --- batches -------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", subset=None):
        """An iterator of augmented batches ``(x, y)`` (``x`` alone if ``y`` is None).

        Args:
            x: images of rank 4 in the generator's data format (or ``[images, others...]``).
            y: labels, or None. sample_weight: one weight per image, or None (then batches
                are ``(x, y, weights)``).
            batch_size, shuffle, seed: see ``Iterator``. subset: ``'training'`` or
                ``'validation'`` with ``validation_split``.

        Returns:
            A ``NumpyArrayIterator``: a ``Sequence`` for ``model.fit`` and an endless
            iterator for ``next`` and ``fit_generator``.

        Raises:
            ValueError: for images that are not rank 4 or whose channel axis does not hold
                1, 3 or 4 channels (often: the wrong ``data_format``), and lengths that differ.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"flow: batch_size must be a positive integer; received {batch_size!r}.")
        return NumpyArrayIterator(x, y, self, batch_size=int(batch_size), shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, data_format=self.data_format,
                                  save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, *args, **kwargs):
        raise NotImplementedError(
            "ImageDataGenerator.flow_from_directory is not supported: minikeras reads no image files."
        )

    def flow_from_dataframe(self, *args, **kwargs):
        raise NotImplementedError(
            "ImageDataGenerator.flow_from_dataframe is not supported: minikeras reads no image files."
        )

    # --- one image ------------------------------------------------------------------------
    def standardize(self, x):
        """Apply the normalisation options to one image or a batch (in place where it can).

        Order: ``preprocessing_function``, ``rescale``, samplewise centre and std (over the
        whole image), featurewise centre and std (the statistics of ``fit``), ZCA. A
        featurewise or ZCA option whose statistics ``fit`` has not computed is skipped with a
        warning, as in Keras.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
            x = np.asarray(x, dtype=self.dtype)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + config.epsilon()
        # Without fit() the statistics are missing: Keras warns and skips the step.
        if self.featurewise_center:
            if self.mean is None:
                _not_fit("featurewise_center")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                _not_fit("featurewise_std_normalization")
            else:
                x /= self.std + config.epsilon()
        if self.zca_whitening:
            if self.principal_components is None:
                _not_fit("zca_whitening")
            else:
                flat = np.reshape(x, (-1, int(np.prod(x.shape[-3:]))))
                x = np.reshape(flat @ self.principal_components, x.shape)
        return x

    def get_random_transform(self, img_shape, seed=None):
        """Draw the parameters of one image's augmentation (a dict for ``apply_transform``).

        The draws come from NumPy's global generator (reseeded with ``seed`` if given), in
        Keras 2.2.4's order, so a seed gives Keras' parameters.
        """
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = self._draw_shift(self.height_shift_range, img_shape[row_axis])
        ty = self._draw_shift(self.width_shift_range, img_shape[col_axis])
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift = None
        if self.channel_shift_range != 0:
            channel_shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift, "brightness": None}

    @staticmethod
    def _draw_shift(shift_range, size):
        if not shift_range:
            return 0
        if isinstance(shift_range, list) or isinstance(shift_range, numbers.Integral):
            # A list: one of its values; an int n: one of 0..n-1; then a random sign.
            shift = np.random.choice(shift_range) * np.random.choice([-1, 1])
        else:
            shift = np.random.uniform(-shift_range, shift_range)
        if np.max(shift_range) < 1:  # fractions of the size
            shift *= size
        return shift

    def apply_transform(self, x, transform_parameters):
        """Apply the parameters of ``get_random_transform`` to one image (rank 3).

        Keys (all optional): ``theta``, ``tx``, ``ty``, ``shear``, ``zx``, ``zy``,
        ``flip_horizontal``, ``flip_vertical``, ``channel_shift_intensity``, ``brightness``
        (must be None).
        """
        if np.ndim(x) != 3:
            raise ValueError(
                "ImageDataGenerator.apply_transform: expected one image of rank 3; "
                f"received shape {np.shape(x)}."
            )
        if transform_parameters.get("brightness") is not None:
            raise NotImplementedError(
                "ImageDataGenerator.apply_transform: brightness shifts are not supported."
            )
        row_axis, col_axis, channel_axis = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        get = transform_parameters.get
        x = apply_affine_transform(x, get("theta", 0), get("tx", 0), get("ty", 0), get("shear", 0),
                                   get("zx", 1), get("zy", 1), row_axis=row_axis, col_axis=col_axis,
                                   channel_axis=channel_axis, fill_mode=self.fill_mode, cval=self.cval)
        if get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, get("channel_shift_intensity"), channel_axis)
        if get("flip_horizontal", False):
            x = flip_axis(x, col_axis)
        if get("flip_vertical", False):
            x = flip_axis(x, row_axis)
        return x

    def random_transform(self, x, seed=None):
        """One image randomly augmented: ``apply_transform(x, get_random_transform(x.shape, seed))``."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    # --- statistics -----------------------------------------------------------------------
    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the statistics of the featurewise and ZCA options from sample images.

        Args:
            x: images of rank 4 in the generator's data format.
            augment: fit on ``rounds`` randomly augmented copies of ``x`` instead.
            rounds: how many augmented copies (with ``augment``).
            seed: reseeds NumPy's global generator first.

        As in Keras 2.2.4, ``rescale`` and ``preprocessing_function`` are not applied here:
        give ``fit`` data scaled as the batches will be.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"ImageDataGenerator.fit: expected images of rank 4; received an array of shape {x.shape}."
            )
        if x.shape[self.channel_axis] not in (1, 3, 4):
            raise ValueError(
                f"ImageDataGenerator.fit: with data_format={self.data_format!r} the channels are on axis "
                f"{self.channel_axis} and should number 1, 3 or 4; received an array of shape {x.shape}."
            )
        if isinstance(rounds, bool) or not isinstance(rounds, numbers.Integral) or rounds < 1:
            raise ValueError(
                f"ImageDataGenerator.fit: rounds must be a positive integer; received {rounds!r}."
            )
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if augment:
            augmented = np.zeros((rounds * len(x),) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(len(x)):
                    augmented[i + r * len(x)] = self.random_transform(x[i])
            x = augmented
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x /= self.std + config.epsilon()
        if self.zca_whitening:
            flat = np.reshape(x, (len(x), -1))
            sigma = flat.T @ flat / len(flat)
            u, s, _ = np.linalg.svd(sigma)
            self.principal_components = (u * (1.0 / np.sqrt(s[np.newaxis] + self.zca_epsilon))) @ u.T
