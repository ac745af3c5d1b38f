"""MNIST handwritten digits: find the files, check their SHA-256, parse them.

``load_data()`` returns ``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.mnist``:
uint8 images of shape ``(n, 28, 28)`` (0 = background, 255 = ink) and uint8 labels 0..9.

The data is never part of the repository. ``load_data`` looks for it, in this order, in:

1. ``path``, if given (a directory, or the ``mnist.npz`` file itself);
2. ``$MINIKERAS_DATASETS/mnist/``;
3. ``~/.minikeras/datasets/mnist/`` (``$MINIKERAS_HOME/datasets/mnist/`` if that is set);
4. a ``shared/datasets/mnist/`` folder found by walking up from the package and from the
   current directory (a workplace copy shared by several checkouts);

and otherwise downloads Keras' ``mnist.npz`` into the directory of step 2 or 3. A directory
holds the data when it has ``mnist.npz`` (preferred: one compressed file) or the four IDX
files from LeCun's site (``train-images-idx3-ubyte.gz``, ...). Every file is checked against
the known SHA-256 sums below before it is read, and the npz is read with
``allow_pickle=False``: no data file can run code.

The known sums are those of the published files (Keras' ``mnist.npz`` and LeCun's IDX files,
60000 training images) and of this project's workplace copy, which keeps the first 24000
training images and the whole test set (its ``SHA256SUMS`` file lists the same sums).
"""
import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request

import numpy as np

__all__ = ["load_data", "parse_idx", "read_idx", "find_data_directory", "file_sha256"]

NPZ_FILE = "mnist.npz"
IDX_FILES = {  # the array each file holds -> its name
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
PUBLISHED, WORKPLACE = "published", "workplace copy (24000 training images)"
KNOWN_SHA256 = {
    NPZ_FILE: {
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1": PUBLISHED,
        "bcb70e52c31be8c2bf1f6aa399dce46bbba6df224322d1c23a0eebb8caf18e3d": WORKPLACE,
    },
    "train-images-idx3-ubyte.gz": {
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609": PUBLISHED,
        "c66b346ba5460be4b2d5a4166b71d96f3ba5711a406efc05b4d3a7175856afef": WORKPLACE,
    },
    "train-labels-idx1-ubyte.gz": {
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c": PUBLISHED,
        "ee2a14695fc464238698dac54775505d9949255deeb9d450d32decd01a65a76d": WORKPLACE,
    },
    "t10k-images-idx3-ubyte.gz": {
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6": PUBLISHED,
    },
    "t10k-labels-idx1-ubyte.gz": {
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6": PUBLISHED,
    },
}

# The IDX format (http://yann.lecun.com/exdb/mnist/): a big-endian header
#   bytes 0-1: 0, 0;  byte 2: the element type;  byte 3: the number of dimensions d;
#   then d 4-byte sizes;  then the elements, row-major.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_data(path=None):
    """Load MNIST, from a local copy if there is one, else downloading it once.

    Args:
        path: optional directory holding the files, or the path of ``mnist.npz``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes ``(n, 28, 28)`` and
        ``(n,)``; n is 60000 / 10000 for the published files (24000 / 10000 for the
        workplace copy).

    Raises:
        FileNotFoundError: when ``path`` holds no MNIST files, or when nothing is found and
            the download fails (the message says where to put the files).
        ValueError: when a file's SHA-256 is unknown (corrupted or truncated) or its
            content is malformed.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, x_train.dtype, y_test[:5]             # doctest: +SKIP
        ((60000, 28, 28), dtype('uint8'), array([7, 2, 1, 0, 4], dtype=uint8))
    """
    if path is not None:
        path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        if os.path.isfile(path):
            return _load_npz(path)
        if _data_format(path) is None:
            raise FileNotFoundError(
                f"mnist.load_data: {path!r} holds no MNIST files: expected {NPZ_FILE} or the four "
                f"files {', '.join(IDX_FILES.values())}."
            )
        return _load_directory(path)
    directory = find_data_directory()
    if directory is None:
        directory = _download(_cache_directory())
    return _load_directory(directory)


def find_data_directory():
    """The first directory of the search order (see the module docstring) holding the data, or None."""
    candidates = [_cache_directory(), _home_directory()]
    for start in _search_roots():
        folder = os.path.abspath(start)
        while True:
            candidates.append(os.path.join(folder, "shared", "datasets", "mnist"))
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    for candidate in candidates:
        if _data_format(candidate) is not None:
            return candidate
    return None


def _home_directory():
    home = os.environ.get("MINIKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".minikeras")
    return os.path.join(home, "datasets", "mnist")


def _cache_directory():
    """Where downloads go: ``$MINIKERAS_DATASETS/mnist`` if set, else the home directory."""
    root = os.environ.get("MINIKERAS_DATASETS")
    return os.path.join(root, "mnist") if root else _home_directory()


def _search_roots():
    """Where the walk up to a ``shared/datasets/mnist`` folder starts: the package, the cwd."""
    return [os.path.dirname(os.path.abspath(__file__)), os.getcwd()]


def _data_format(directory):
    if os.path.isfile(os.path.join(directory, NPZ_FILE)):
        return "npz"
    if all(os.path.isfile(os.path.join(directory, name)) for name in IDX_FILES.values()):
        return "idx"
    return None


def _load_directory(directory):
    if _data_format(directory) == "npz":
        return _load_npz(os.path.join(directory, NPZ_FILE))
    arrays = {}
    for key, name in IDX_FILES.items():
        file_path = os.path.join(directory, name)
        _verify(file_path, name)
        arrays[key] = read_idx(file_path)
    return _checked(arrays, directory)


def _load_npz(file_path):
    _verify(file_path, NPZ_FILE)
    with np.load(file_path, allow_pickle=False) as data:
        missing = set(IDX_FILES) - set(data.files)
        if missing:
            raise ValueError(f"mnist: {file_path} lacks the arrays {sorted(missing)}.")
        arrays = {key: data[key] for key in IDX_FILES}
    return _checked(arrays, file_path)


def _checked(arrays, source):
    """Check shapes, dtypes and labels; return the Keras tuples."""
    for split in ("train", "test"):
        x, y = arrays["x_" + split], arrays["y_" + split]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"mnist: x_{split} in {source} should be uint8 (n, 28, 28), got {x.dtype} {x.shape}.")
        if y.dtype != np.uint8 or y.shape != (x.shape[0],):
            raise ValueError(
                f"mnist: y_{split} in {source} should be uint8 ({x.shape[0]},), got {y.dtype} {y.shape}.")
        if y.size and y.max() > 9:
            raise ValueError(f"mnist: y_{split} in {source} has labels above 9 (max {y.max()}).")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


# --- checksums --------------------------------------------------------------------------------
def file_sha256(file_path, chunk_size=1 << 20):
    """The SHA-256 of a file, as a hex string, read in chunks."""
    digest = hashlib.sha256()
    with open(file_path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(file_path, name):
    actual = file_sha256(file_path)
    if actual not in KNOWN_SHA256[name]:
        raise ValueError(
            f"mnist: {file_path} has SHA-256 {actual}, which is not a known {name} "
            f"(expected one of {', '.join(KNOWN_SHA256[name])}). The file is corrupted or "
            "incomplete: delete it and fetch it again."
        )


# --- the IDX format ---------------------------------------------------------------------------
def parse_idx(data, source="<bytes>"):
    """An array from the bytes of an IDX file (the header is checked against the size).

    Raises:
        ValueError: for a bad magic number, an unknown element type, or a payload whose
            size does not match the header.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"mnist: {source} is not an IDX file: it must start with two zero bytes.")
    type_code, ndim = data[2], data[3]
    if type_code not in IDX_TYPES:
        raise ValueError(f"mnist: {source} has unknown IDX element type 0x{type_code:02x}.")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"mnist: {source} is truncated inside its header ({ndim} dimensions).")
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header_size != expected:
        raise ValueError(
            f"mnist: {source} should hold {expected} bytes of data for shape {shape}, "
            f"got {len(data) - header_size}: the file is truncated or corrupted."
        )
    values = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # a native, writable copy


def read_idx(file_path):
    """Parse an IDX file, gzipped (by its magic bytes) or not."""
    with open(file_path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise ValueError(f"mnist: {file_path} is not a valid gzip file ({error}).") from error
    return parse_idx(data, source=file_path)


# --- downloading ----------------------------------------------------------------------------------
def _download(directory):
    """Fetch ``ORIGIN`` into ``directory/mnist.npz``: checked, then moved into place at once."""
    target = os.path.join(directory, NPZ_FILE)
    help_text = (
        f"Put {NPZ_FILE} (or the four IDX files {', '.join(IDX_FILES.values())}) in {directory}, "
        "or set MINIKERAS_DATASETS to a folder with an 'mnist' subfolder holding them, "
        "or pass load_data(path=...)."
    )
    try:
        os.makedirs(directory, exist_ok=True)
        # A temporary name in the same directory, so that the final rename is atomic: an
        # interrupted download never leaves a partial mnist.npz behind.
        fd, partial = tempfile.mkstemp(prefix=NPZ_FILE + ".", suffix=".part", dir=directory)
    except OSError as error:
        raise FileNotFoundError(f"mnist: no local copy found and cannot write to {directory} ({error}). {help_text}") from error
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(ORIGIN, timeout=60) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
        _verify(partial, NPZ_FILE)
        os.replace(partial, target)
    except (OSError, urllib.error.URLError) as error:
        raise FileNotFoundError(
            f"mnist: no local copy found and the download from {ORIGIN} failed ({error}). {help_text}"
        ) from error
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return directory
