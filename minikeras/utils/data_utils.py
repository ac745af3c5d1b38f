"""``get_file``: download a file once into the cache, verified, and optionally unpack it.

Keras 2's ``keras.utils.data_utils.get_file``, on minikeras' one download code
(``minikeras.datasets.download.fetch``): the file arrives in a temporary file, is checked
against ``file_hash`` when one is given, and only then takes its name, so an interrupted or
corrupted download never leaves a file that the next call would trust.

Archives (tar, tar.gz, tar.bz2, tar.xz, zip) are unpacked only after every member has been
checked: a member whose path is absolute or climbs out with ``..``, a link pointing outside the
target folder, or a device file makes the extraction refuse, with the member's name, before
anything is written. Each tar member is checked once more, against the disk, just before it is
written, so that a chain of links that each look harmless cannot lead a later member outside.

Example:
    >>> import hashlib, os, tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> source = pathlib.Path(folder, "words.txt")
    >>> _ = source.write_text("tape, kernel, layer")
    >>> digest = hashlib.md5(source.read_bytes()).hexdigest()
    >>> path = get_file("words.txt", source.as_uri(), file_hash=digest, cache_dir=folder)
    >>> os.path.relpath(path, folder), open(path).read()
    ('datasets/words.txt', 'tape, kernel, layer')
"""
import os
import tarfile
import tempfile
import zipfile

from minikeras.datasets import download
from minikeras.datasets.download import validate_file
from minikeras.utils.sequence import Sequence  # noqa: F401  (Keras 2's keras.utils.data_utils.Sequence)

__all__ = ["get_file", "validate_file", "extract_archive", "Sequence"]


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None):
    """Download ``origin`` to ``cache_dir/cache_subdir/fname`` unless a good copy is there.

    Args:
        fname: the file's name in the cache (an absolute path is used as it is).
        origin: the URL to fetch (``http(s)://`` or ``file://``; a local path works too).
        untar: deprecated (Keras 2): the file is ``fname + '.tar.gz'``, unpacked into the cache
            folder unless ``cache_dir/cache_subdir/fname`` already exists; that path is returned.
        md5_hash: deprecated (Keras 2): an md5 ``file_hash``.
        file_hash: the sha256 or md5 hex digest the file must have. A cached file that differs
            is downloaded again; a download that differs is refused (``ValueError``).
        cache_subdir: the folder under ``cache_dir`` (an absolute path is used as it is).
        hash_algorithm: 'auto' (sha256 for 64 hex digits, md5 otherwise), 'sha256' or 'md5'.
        extract: unpack the file as an archive into the cache folder (Keras 2: on every call).
        archive_format: 'auto' (tar, then zip), 'tar', 'zip', a list of them, or None.
        cache_dir: the cache's root; None is ``$MINIKERAS_HOME`` (``~/.minikeras``). When it
            is not writable, ``<temp dir>/.minikeras`` is used, as Keras 2 uses ``/tmp/.keras``.

    Returns:
        The path of the downloaded file (with ``untar``, of the unpacked folder).

    Raises:
        ValueError: the downloaded file does not have ``file_hash``; an unknown
            ``hash_algorithm`` or ``archive_format``; an archive member that would land outside
            the cache folder.
        minikeras.datasets.download.FetchError: ``origin`` cannot be fetched (an ``OSError``).
    """
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    download.resolve_hash_algorithm(file_hash, hash_algorithm)  # a bad name fails before any work
    formats = _archive_formats(archive_format)
    if cache_dir is None:
        cache_dir = download.minikeras_home()
    base = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass  # not ours to create: the temporary folder below
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".minikeras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    if untar:
        untar_path = os.path.join(datadir, fname)
        fpath = untar_path + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    needed = not os.path.exists(fpath)
    if not needed and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        algorithm = download.resolve_hash_algorithm(file_hash, hash_algorithm)
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{algorithm} file hash does not match the original value of {file_hash} so we will "
              "re-download the data.")
        needed = True
    if needed:
        download.fetch(origin, fpath, expected_hash=file_hash, hash_algorithm=hash_algorithm)

    if untar:
        if not os.path.exists(untar_path):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_path
    if extract:
        extract_archive(fpath, datadir, formats)
    return fpath


def extract_archive(file_path, path=".", archive_format="auto"):
    """Unpack a tar (plain, gz, bz2, xz) or zip archive into ``path``, refusing unsafe members.

    Args:
        file_path: the archive.
        path: the folder to unpack into.
        archive_format: 'auto' (``['tar', 'zip']``), 'tar', 'zip', a list of them, or None.

    Returns:
        True if the file was an archive of one of the formats and was unpacked, else False.

    Raises:
        ValueError: a member whose path is absolute or leaves ``path``, a link whose target
            leaves ``path``, or a device or pipe (found before anything is unpacked, except
            for a chain of links, found when it is about to be followed).
    """
    target = os.path.realpath(path)
    for kind in _archive_formats(archive_format):
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                members = archive.getmembers()
                for member in members:
                    _check_tar_member(member, target, file_path)
                os.makedirs(target, exist_ok=True)
                for member in members:
                    # Checked again against the disk as it is now: a link unpacked a moment ago
                    # must not carry a later member, or a later link, outside.
                    _check_tar_member(member, target, file_path)
                    try:
                        archive.extract(member, target, **_tar_filter())
                    except getattr(tarfile, "FilterError", ()) as error:  # Python's own guard (3.12)
                        raise ValueError(f"{file_path}: {error}; refusing to unpack the archive.") from error
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                names = archive.namelist()
                for name in names:
                    _check_relative(name, file_path)
                    _check_inside(os.path.join(target, name), target, name, file_path)
                archive.extractall(target)
            return True
    return False


def _archive_formats(archive_format):
    if archive_format is None:
        return []
    if archive_format == "auto":
        return ["tar", "zip"]
    formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(f"get_file: archive_format should be 'auto', 'tar', 'zip', a list of "
                             f"them or None, received {archive_format!r}.")
    return formats


def _check_tar_member(member, target, archive):
    _check_relative(member.name, archive)
    _check_inside(os.path.join(target, member.name), target, member.name, archive)
    if member.issym():
        link = os.path.join(target, os.path.dirname(member.name), member.linkname)
        if os.path.isabs(member.linkname):
            raise ValueError(f"{archive}: the link {member.name!r} points to the absolute path "
                             f"{member.linkname!r}; refusing to unpack the archive.")
        _check_inside(link, target, f"{member.name} -> {member.linkname}", archive)
    elif member.islnk():
        _check_relative(member.linkname, archive)
        _check_inside(os.path.join(target, member.linkname), target,
                      f"{member.name} -> {member.linkname}", archive)
    elif not (member.isfile() or member.isdir()):
        raise ValueError(f"{archive}: the member {member.name!r} is a device or a pipe; refusing "
                         "to unpack the archive.")


def _check_relative(name, archive):
    parts = name.replace("\\", "/").split("/")
    if os.path.isabs(name) or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise ValueError(f"{archive}: the member {name!r} would be written outside the target "
                         "folder (an absolute path or '..'); refusing to unpack the archive.")


def _check_inside(path, target, label, archive):
    resolved = os.path.realpath(path)
    if os.path.commonpath([resolved, target]) != target:
        raise ValueError(f"{archive}: the member {label!r} would land at {resolved}, outside "
                         f"{target}; refusing to unpack the archive.")


def _tar_filter():
    # Python 3.12 (and 3.8.17+/3.11.4+) can also refuse unsafe members itself: ask it to, as a
    # second guard (and to avoid the warning that Python 3.14 gives without a filter).
    return {"filter": "data"} if hasattr(tarfile, "data_filter") else {}

