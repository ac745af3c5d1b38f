"""Where a dataset of 28x28 images comes from, and the checks of what its files hold.

MNIST and Fashion-MNIST are loaded the same way; each module describes its files in an
``ImageDataset`` and calls ``load``. The files are looked for, in this order:

1. a path the caller gives (``load_local``): an ``.npz`` in the Keras layout (``x_train``,
   ``y_train``, ``x_test``, ``y_test``) or a folder with the npz or the four IDX ``.gz`` files.
   Such a copy is the caller's own: it is parsed strictly, and a ``SHA256SUMS`` beside it is
   honoured (a file it lists must match), but nothing else is asked of it;
2. the cache, ``$MINIKERAS_HOME/datasets`` (``~/.minikeras/datasets``). A cached file is used
   only if it still hashes to what it was verified with when it arrived (the cache's own
   ``SHA256SUMS`` records that), or, with no record, to the published hash: a file damaged on
   disk, or left by an older tool, is fetched again instead of trusted;
3. the origin (``download.Origin``): Keras' bucket, checked against the hashes Keras publishes,
   or the place ``MINIKERAS_DATASETS_ORIGIN`` names, checked against its ``SHA256SUMS`` (or,
   without one, against the published hashes). Every file goes through ``download.fetch``:
   verified in a temporary file, then renamed into the cache.

When nothing works, one ``FileNotFoundError`` says where it looked and how to point the loader
at a local copy.

The cache has the layout of an origin, its ``SHA256SUMS`` included: a teacher can serve their
own ``~/.minikeras/datasets`` (``python -m http.server``) as the classroom's origin.
"""
import os
import warnings
import zipfile

import numpy as np

from minikeras.datasets import download
from minikeras.datasets.idx import read_idx

__all__ = ["ImageDataset", "load", "load_local", "read_npz", "check_arrays", "KEYS"]

KEYS = ("x_train", "y_train", "x_test", "y_test")


class ImageDataset:
    """The files of one dataset, where they live, and the hashes published for them.

    Args:
        name: the module's name, for messages (``'mnist'``).
        title: the dataset's name for people (``'MNIST'``).
        folder: its folder in the cache and in a custom origin (``''`` is the top).
        idx_files: ``{key: file name}`` for the four IDX files, keys as in ``KEYS``.
        published: ``{file name: sha256}`` published for the default origin's files.
        default_layout: ``'npz'`` or ``'idx'``: what the default origin serves.
        default_folder: the files' folder at the default origin.
        npz: the npz file's name, or None when the dataset has no npz form.
    """

    def __init__(self, name, title, folder, idx_files, published, default_layout,
                 default_folder="", npz=None):
        self.name, self.title, self.folder = name, title, folder
        self.idx_files, self.published, self.npz = dict(idx_files), dict(published), npz
        self.default_layout, self.default_folder = default_layout, default_folder

    def layouts(self):
        """The layouts to try, preferred first: ``['npz', 'idx']`` or ``['idx']``."""
        return (["npz"] if self.npz else []) + ["idx"]

    def files(self, layout, cache_name=None):
        """``[(name in the cache, name at the origin)]`` for a layout."""
        if layout == "npz":
            return [(cache_name or self.npz, self.npz)]
        return [(name, name) for name in self.idx_files.values()]

    def what(self, names=True):
        """The files a folder must hold, in words (``names``: list the IDX files' names)."""
        idx = "the four IDX files" + (f" ({', '.join(self.idx_files.values())})" if names else "")
        return f"{self.npz} or {idx}" if self.npz else idx


def load(dataset, cache_name=None, folder=None):
    """Load ``dataset`` from the cache, else from the origin into the cache.

    Args:
        dataset: an ``ImageDataset``.
        cache_name: the npz's name in the cache (Keras' ``path='mnist.npz'``); None: its own.
        folder: None for the cache. Otherwise a folder outside the cache where Keras would put
            the npz (``path='/abs/path/mnist.npz'``): the npz is fetched there, verified, and
            no record is written beside it (later it is read as the caller's own copy).

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays.
    """
    if folder is not None:
        return _from_origin(dataset, folder, cache_name, [], layouts=("npz",), record=False)
    cache = os.path.join(download.datasets_cache(), dataset.folder) if dataset.folder \
        else download.datasets_cache()
    notes = []
    for layout in dataset.layouts():
        files = dataset.files(layout, cache_name)
        if all(os.path.isfile(os.path.join(cache, name)) for name, _ in files):
            if all(_trusted(dataset, cache, name, origin_name, notes) for name, origin_name in files):
                return _parse(dataset, layout, [os.path.join(cache, name) for name, _ in files])
    for note in notes:
        warnings.warn(f"{dataset.name}.load_data: {note}; fetching it again.", stacklevel=3)
    return _from_origin(dataset, cache, cache_name, notes)


def load_local(dataset, path):
    """Load the caller's own copy: an npz file, or a folder with the npz or the four IDX files.

    Raises:
        FileNotFoundError: ``path`` does not exist, or the folder lacks the files.
        ValueError: a file differs from the ``SHA256SUMS`` beside it, or is malformed.
    """
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if os.path.isfile(path) and os.path.basename(path) in dataset.idx_files.values():
        raise ValueError(
            f"{dataset.name}.load_data: path={path!r} is one of the four IDX files: expected an .npz "
            f"file or a folder; pass the folder that holds the four ({os.path.dirname(path)}).")
    if os.path.isfile(path):
        _check_local_sums(dataset, os.path.dirname(path), [os.path.basename(path)])
        return _parse(dataset, "npz", [path])
    if not os.path.isdir(path):
        raise FileNotFoundError(
            f"{dataset.name}.load_data: path={path!r} does not exist: expected an .npz file in the "
            f"Keras layout or a folder holding {dataset.what()}.")
    for layout in dataset.layouts():
        names = [name for _, name in dataset.files(layout)]
        if all(os.path.isfile(os.path.join(path, name)) for name in names):
            _check_local_sums(dataset, path, names)
            return _parse(dataset, layout, [os.path.join(path, name) for name in names])
    found = sorted(os.listdir(path))
    raise FileNotFoundError(
        f"{dataset.name}.load_data: the folder {path} should hold {dataset.what()}; it holds "
        f"{', '.join(found[:12]) + (' ...' if len(found) > 12 else '') if found else 'nothing'}.")


# --- the cache and the origin ---------------------------------------------------------------
def _trusted(dataset, cache, name, origin_name, notes):
    """Whether the cached file still has the hash it was verified with (or the published one)."""
    recorded = download.read_checksums(cache).get(name)
    expected = recorded or dataset.published.get(origin_name)
    path = os.path.join(cache, name)
    actual = download.file_hash(path, "sha256")
    if actual == expected:
        return True
    if recorded:
        notes.append(f"the cached {path} has sha256 {actual}, not the {expected} it was verified with")
    else:
        notes.append(f"the cached {path} has no record and sha256 {actual}, not the published {expected}")
    return False


def _from_origin(dataset, cache, cache_name, notes, layouts=("npz", "idx"), record=True):
    origin = download.Origin()
    try:
        candidates, folder = _candidates(dataset, origin)
        for layout, expected in candidates:
            if layout not in layouts:
                continue
            files = dataset.files(layout, cache_name)
            try:
                for name, origin_name in files:
                    _fetch_into_cache(dataset, origin.source(folder, origin_name), cache, name,
                                      expected(origin_name), record)
            except download.FetchError as error:
                if error.missing:
                    continue  # this layout is not there: try the next one
                raise
            return _parse(dataset, layout, [os.path.join(cache, name) for name, _ in files])
        raise download.FetchError(str(origin), f"it does not have {dataset.what(names=False)}", missing=True)
    except download.FetchError as error:
        # One error that says it all (the reason is in its text), not a chain of tracebacks.
        raise _unavailable(dataset, cache, origin, error, notes) from None


def _candidates(dataset, origin):
    """``([(layout, name -> expected sha256)], folder at the origin)``, in the order to try."""
    if not origin.custom:
        return [(dataset.default_layout, dataset.published.get)], dataset.default_folder
    sums = origin.checksums(dataset.folder)
    if sums is None:  # no SHA256SUMS: only the published files can be verified
        return [(layout, dataset.published.get) for layout in dataset.layouts()], dataset.folder
    listed = [layout for layout in dataset.layouts()
              if all(name in sums for _, name in dataset.files(layout))]
    if not listed:
        source = origin.source(dataset.folder, download.CHECKSUMS_FILE)
        raise download.FetchError(
            source, f"it lists {', '.join(sorted(sums)) or 'no file'}, not {dataset.what(names=False)}",
            missing=True)
    return [(layout, sums.get) for layout in listed], dataset.folder


def _fetch_into_cache(dataset, source, cache, name, expected, record=True):
    path = os.path.join(cache, name)
    if record and os.path.isfile(path) and download.read_checksums(cache).get(name) == expected \
            and download.validate_file(path, expected, "sha256"):
        return  # already here and intact (another file of the set was the one missing)
    try:
        download.fetch(source, path, expected_hash=expected, hash_algorithm="sha256")
        if record:
            download.record_checksum(cache, name, expected)
    except PermissionError as error:
        raise PermissionError(
            f"{dataset.name}.load_data: cannot write into the cache {cache} ({error}); set "
            "MINIKERAS_HOME to a folder you can write to.") from error


def _unavailable(dataset, cache, origin, error, notes):
    where = (f"the origin {origin}, from {download.ORIGIN_VARIABLE}" if origin.custom
             else f"Keras' origin {origin}")
    in_cache = "; ".join(notes) if notes else "nothing cached"
    detail = error.reason if error.source == str(origin) else f"{error.source}: {error.reason}"
    path_hint = ("load_data(path='/path/to/mnist.npz') or path='/path/to/folder'" if dataset.npz
                 else "load_data(path='/path/to/folder')")
    return FileNotFoundError(
        f"{dataset.name}.load_data: found no {dataset.title}. Looked in the cache {cache} "
        f"({in_cache}) and at {where} ({detail}). To use a local copy, set "
        f"{download.ORIGIN_VARIABLE} to a folder, a file:// URL or an http(s):// URL holding "
        f"{dataset.what()}" + (f" in a '{dataset.folder}' folder" if dataset.folder else "") +
        " (with a SHA256SUMS file listing them if they are not the published files), or pass "
        f"{path_hint}.")


def _check_local_sums(dataset, folder, names):
    sums = download.read_checksums(folder)
    for name in names:
        if name in sums and not download.validate_file(os.path.join(folder, name), sums[name], "sha256"):
            actual = download.file_hash(os.path.join(folder, name))
            raise ValueError(
                f"{dataset.name}.load_data: {os.path.join(folder, name)} has sha256 {actual}, but the "
                f"SHA256SUMS beside it expects {sums[name]}: the file is corrupted or incomplete.")


# --- parsing and checking -------------------------------------------------------------------
def _parse(dataset, layout, paths):
    if layout == "npz":
        arrays, sources = read_npz(paths[0], dataset.name), dict.fromkeys(KEYS, paths[0])
    else:
        sources = dict(zip(dataset.idx_files, paths))
        arrays = {key: read_idx(source) for key, source in sources.items()}
    return check_arrays(arrays, sources, dataset.name)


def read_npz(path, name="datasets"):
    """The four arrays of an npz in the Keras layout, read without unpickling anything.

    Raises:
        ValueError: naming the file, when it is not an npz, or lacks one of the four arrays,
            or holds objects instead of numbers.
    """
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{name}.load_data: {path}: expected an .npz file (a zip archive), found "
                         "something else: the file is corrupted or not an npz.")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in KEYS if key not in data.files]
            if missing:
                raise ValueError(
                    f"{name}.load_data: {path}: expected the arrays {', '.join(KEYS)}, found "
                    f"{', '.join(data.files) or 'none'} (missing {', '.join(missing)}).")
            return {key: data[key] for key in KEYS}
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"{name}.load_data: {path}: expected a readable .npz file, found a damaged "
                         f"one ({error}).") from error


def check_arrays(arrays, sources, name="datasets"):
    """Check the four arrays of a 28x28 image dataset; return Keras' two tuples.

    Images must be uint8 of shape ``(n, 28, 28)``, labels uint8 of shape ``(n,)`` with the same
    ``n``, and labels in 0..9. ``sources`` maps each key to the file it came from.

    Raises:
        ValueError: naming the file(s), what was expected and what was found.
    """
    for split in ("train", "test"):
        x, y = arrays["x_" + split], arrays["y_" + split]
        x_source, y_source = sources["x_" + split], sources["y_" + split]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"{name}.load_data: {x_source}: expected x_{split} as uint8 images of shape "
                             f"(n, 28, 28), found {x.dtype} of shape {x.shape}.")
        if y.dtype != np.uint8 or y.ndim != 1:
            raise ValueError(f"{name}.load_data: {y_source}: expected y_{split} as uint8 labels of shape "
                             f"(n,), found {y.dtype} of shape {y.shape}.")
        if len(y) != len(x):
            raise ValueError(f"{name}.load_data: expected as many {split} labels in {y_source} as images "
                             f"in {x_source} ({len(x)}), found {len(y)}.")
        if y.size and y.max() > 9:
            raise ValueError(f"{name}.load_data: {y_source}: expected y_{split} labels 0 to 9, found "
                             f"{int(y.max())}.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
