"""Image files to arrays and back: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``.

As Keras 2.2.4's ``keras.preprocessing.image`` and Keras 3's ``keras.utils`` have them::

    img = load_img("digit.png", color_mode="grayscale", target_size=(28, 28))   # a PIL image
    x = img_to_array(img)                  # float32 (28, 28, 1), values 0..255
    save_img("pattern.png", x)             # scaled to 0..255 first (scale=True)

The images themselves are read and written by Pillow (``pip install pillow``), an optional
extra imported only when one of these functions runs. An image file is decoded as pixels,
never evaluated; ``save_img`` writes all or nothing (``io_utils.atomic_write``).
"""
import os

import numpy as np

from minikeras import config

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img"]

_COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def _pil_image(function):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"{function} reads and writes images with Pillow, which is not installed. "
            "Install it with: pip install pillow"
        ) from None
    return Image


def _data_format(data_format, function):
    data_format = config.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{function}: data_format must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}.")
    return data_format


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest"):
    """Open an image file as a PIL image in ``color_mode`` (``'grayscale'``, ``'rgb'``,
    ``'rgba'``; ``grayscale=True`` is Keras 2's older spelling), resized to ``target_size =
    (height, width)`` with ``interpolation`` (``'nearest'``, ``'bilinear'``, ``'bicubic'``,
    ``'lanczos'``, ``'box'``, ``'hamming'``) when it has another size."""
    Image = _pil_image("load_img")
    if grayscale:
        color_mode = "grayscale"
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"load_img: color_mode must be one of {sorted(_COLOR_MODES)}, received {color_mode!r}.")
    path = os.fspath(path)
    with open(path, "rb") as f:
        img = Image.open(f)
        img.load()
    if img.mode != _COLOR_MODES[color_mode]:
        img = img.convert(_COLOR_MODES[color_mode])
    if target_size is not None:
        height, width = target_size
        if img.size != (width, height):
            methods = {name: getattr(Image.Resampling, name.upper()) for name in
                       ("nearest", "bilinear", "bicubic", "lanczos", "box", "hamming")}
            if interpolation not in methods:
                raise ValueError(f"load_img: interpolation must be one of {sorted(methods)}, "
                                 f"received {interpolation!r}.")
            img = img.resize((width, height), methods[interpolation])
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or anything NumPy reads) as an array of ``dtype`` (``floatx()``): shape
    ``(height, width, channels)``, or ``(channels, height, width)`` with ``'channels_first'``;
    a grayscale image gets a channel axis of 1."""
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=config.floatx() if dtype is None else dtype)
    if x.ndim == 2:
        return x[np.newaxis] if data_format == "channels_first" else x[:, :, np.newaxis]
    if x.ndim != 3:
        raise ValueError(f"img_to_array: expected an image of rank 2 or 3, received an array of shape {x.shape}.")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array (1, 3 or 4 channels) as a PIL image. With ``scale`` (Keras' default), the
    values are first shifted so that the smallest is at least 0, then stretched so that the
    largest is 255: ``x += max(-min(x), 0); x *= 255 / max(x)``."""
    Image = _pil_image("array_to_img")
    data_format = _data_format(data_format, "array_to_img")
    x = np.array(x, dtype=config.floatx() if dtype is None else dtype)
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3, received shape {x.shape}.")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x + max(-np.min(x), 0)
        largest = np.max(x)
        if largest != 0:
            x = x / largest
        x = x * 255
    channels = x.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError(f"array_to_img: an image has 1, 3 or 4 channels, received {channels} (shape {x.shape}).")
    pixels = x.astype("uint8")
    if channels == 1:
        return Image.fromarray(pixels[:, :, 0], "L")
    return Image.fromarray(pixels, "RGB" if channels == 3 else "RGBA")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save the array ``x`` as an image file (through ``array_to_img``); ``file_format``
    (``'png'``, ``'jpeg'``, ...) defaults to the one the file name's extension names. An RGBA
    image saved as JPEG loses its alpha channel (JPEG has none)."""
    from minikeras.utils.io_utils import atomic_write

    img = array_to_img(x, data_format=data_format, scale=scale)
    path = os.fspath(path)
    if file_format is None:
        Image = _pil_image("save_img")
        extension = os.path.splitext(path)[1].lower()
        file_format = Image.registered_extensions().get(extension)
        if file_format is None:
            raise ValueError(f"save_img: cannot tell the image format of {path!r} from its extension; "
                             "pass file_format='png' (or 'jpeg', ...).")
    if img.mode == "RGBA" and file_format.lower() in ("jpg", "jpeg"):
        img = img.convert("RGB")
    atomic_write(path, lambda f: img.save(f, format=file_format, **kwargs))
