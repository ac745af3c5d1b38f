"""Reading and writing HDF5 through h5py, with every read checked and every write atomic.

h5py is an optional extra (``pip install "minikeras[h5]"``); without it, any HDF5 file gives
one ImportError that says how to install it. Only numeric datasets are read (h5py never
unpickles, but a dataset of strings or objects is no weight), each after its shape and dtype
were checked against what the caller expects.
"""
import io
import os

import numpy as np

from minikeras.utils.io_utils import atomic_write, check_writable_path

__all__ = ["require_h5py", "open_h5", "read_array", "write_h5", "HDF5_SIGNATURE", "MAX_WEIGHT_BYTES"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_WEIGHT_BYTES = 1 << 34  # 16 GiB: a bound on any one weight read, far above MNIST-sized models


def require_h5py(what="read or write HDF5 files"):
    """The h5py module, or an ImportError that says how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            f"minikeras needs the h5py package to {what} (.h5, .hdf5, .weights.h5 and the weights "
            'inside .keras archives). Install it with: pip install "minikeras[h5]"  (or pip install h5py).'
        ) from None
    return h5py


def open_h5(source, filepath):
    """An open read-only ``h5py.File`` of ``source`` (a path or a file-like object).

    Raises:
        ValueError: the file does not exist, is not HDF5, or is truncated or corrupted.
    """
    h5py = require_h5py()
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise ValueError(f"Cannot load {filepath!r}: no such file.")
        with open(source, "rb") as f:
            head = f.read(len(HDF5_SIGNATURE))
    else:
        position = source.tell()
        head = source.read(len(HDF5_SIGNATURE))
        source.seek(position)
    if head != HDF5_SIGNATURE:
        raise ValueError(f"Cannot load {filepath!r}: it is not an HDF5 file (it starts with {head[:8]!r}).")
    try:
        return h5py.File(source, "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot load {filepath!r}: the HDF5 file is truncated or corrupted ({error}).") from None


def read_array(dataset, expected_shape, where, filepath):
    """The array of an HDF5 dataset, after checking that it is numeric and of the expected shape.

    Args:
        dataset: an ``h5py.Dataset`` (anything else is refused).
        expected_shape: the shape the weight needs, or None to accept any.
        where: what the value is for, for messages ("layer 'dense_1', weight 'kernel'").
    """
    h5py = require_h5py()
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Cannot load {filepath!r}: {where} is not a dataset in the file.")
    if dataset.dtype.kind not in "fiub":
        raise ValueError(f"Cannot load {filepath!r}: {where} is stored with the non-numeric dtype {dataset.dtype}.")
    if expected_shape is not None and tuple(dataset.shape) != tuple(expected_shape):
        raise ValueError(
            f"Cannot load {filepath!r}: {where} expects shape {tuple(expected_shape)}, but the file "
            f"holds shape {tuple(dataset.shape)}.")
    if dataset.size * dataset.dtype.itemsize > MAX_WEIGHT_BYTES:
        raise ValueError(f"Cannot load {filepath!r}: {where} is larger than {MAX_WEIGHT_BYTES} bytes.")
    try:
        return np.asarray(dataset[()])
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot load {filepath!r}: {where} cannot be read; the file is truncated or corrupted ({error}).") from None


def h5_bytes(fill):
    """The bytes of a new HDF5 file that ``fill(h5py_file)`` writes (built in memory)."""
    h5py = require_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        fill(f)
    return buffer.getvalue()


def write_h5(filepath, fill, overwrite=True):
    """Write the HDF5 file that ``fill(h5py_file)`` describes at ``filepath``, atomically."""
    require_h5py()
    check_writable_path(filepath, overwrite)
    content = h5_bytes(fill)
    atomic_write(filepath, lambda f: f.write(content), overwrite=overwrite)
