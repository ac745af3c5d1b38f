"""The one verified, atomic fetch behind every dataset and ``minikeras.utils.get_file``.

A file comes from a *source*: an ``http://`` or ``https://`` URL, a ``file://`` URL, or a plain
path on this machine. ``fetch`` streams it into a temporary file in the destination's own
folder, hashing the bytes as they pass, and only when the hash is the expected one renames the
temporary file to its final name with ``os.replace`` (atomic within one filesystem). So a
download that fails, is corrupted, is cut short or is stopped with Ctrl-C never leaves a file
under the final name: the temporary file is removed, and a later call finds nothing to trust.

The same module knows where things live:

* the cache, ``$MINIKERAS_HOME/datasets`` (``~/.minikeras/datasets`` by default);
* the datasets' origin, Keras' bucket unless ``MINIKERAS_DATASETS_ORIGIN`` names another place
  (a classroom mirror, a USB stick, a shared folder), see ``Origin``;
* ``SHA256SUMS`` files, in the format ``sha256sum`` writes (``<hex digest>  <name>`` a line):
  an origin's list says what its files must hash to, and the cache keeps one too, recording the
  hash each cached file was verified with, so that a cached file is checked again on every use.

Example:
    >>> import hashlib, os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "notes.txt"), "wb") as f:
    ...     _ = f.write(b"hello")
    >>> digest = hashlib.sha256(b"hello").hexdigest()
    >>> target = os.path.join(folder, "cache", "copy.txt")
    >>> fetch(os.path.join(folder, "notes.txt"), target, expected_hash=digest) == target
    True
    >>> fetch(os.path.join(folder, "notes.txt"), target, expected_hash="0" * 64)
    Traceback (most recent call last):
    ...
    ValueError: ...notes.txt has sha256 2cf24dba..., expected 00000000...: the file is corrupted or incomplete...
"""
import hashlib
import http.client
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = [
    "DEFAULT_ORIGIN", "ORIGIN_VARIABLE", "FetchError", "Origin", "fetch", "file_hash",
    "validate_file", "resolve_hash_algorithm", "minikeras_home", "datasets_cache",
    "read_checksums", "parse_checksums", "record_checksum",
]

DEFAULT_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
ORIGIN_VARIABLE = "MINIKERAS_DATASETS_ORIGIN"
CHECKSUMS_FILE = "SHA256SUMS"
CHUNK_SIZE = 1 << 16
TIMEOUT = 30  # seconds without a byte before a download is given up
PROGRESS_AFTER = 1.0  # seconds: quicker downloads (and local copies) draw no progress bar
MAX_CHECKSUMS_SIZE = 1 << 20  # a SHA256SUMS file is a few lines; refuse anything huge


class FetchError(OSError):
    """The source could not be read: unreachable, refused, or it does not have the file.

    Attributes:
        source: the URL or path that was asked for.
        reason: what went wrong, in words.
        missing: True when the place answered but has no such file (HTTP 404, no local file).
    """

    def __init__(self, source, reason, missing=False):
        super().__init__(f"URL fetch failure on {source}: {reason}")
        self.source, self.reason, self.missing = source, reason, missing


# --- where things live ----------------------------------------------------------------------
def minikeras_home():
    """``$MINIKERAS_HOME``, or ``~/.minikeras`` when the variable is unset or empty."""
    home = os.environ.get("MINIKERAS_HOME")
    if home:
        return os.path.abspath(os.path.expanduser(home))
    return os.path.join(os.path.expanduser("~"), ".minikeras")


def datasets_cache():
    """The dataset cache: ``<minikeras_home()>/datasets``."""
    return os.path.join(minikeras_home(), "datasets")


class Origin:
    """Where a dataset's missing files are fetched from.

    The default is Keras' own bucket (``DEFAULT_ORIGIN``), whose files are checked against the
    hashes Keras publishes. ``MINIKERAS_DATASETS_ORIGIN`` (or ``location``) replaces it with an
    ``http(s)://`` URL, a ``file://`` URL or a plain folder. Such a custom origin has the layout
    of the cache (and of Keras' ``~/.keras/datasets``): ``mnist.npz`` or the four MNIST IDX files
    at its top, ``fashion-mnist/`` holding Fashion-MNIST's four IDX files. A ``SHA256SUMS`` file
    in a folder of the origin lists what that folder's files must hash to; this is how a
    teacher's copy that differs from the published files is accepted.

    Args:
        location: the origin to use; None reads ``MINIKERAS_DATASETS_ORIGIN`` (unset or empty
            means the default origin).

    Example:
        >>> Origin("https://mirror.example.org/data").source("fashion-mnist", "t10k-labels-idx1-ubyte.gz")
        'https://mirror.example.org/data/fashion-mnist/t10k-labels-idx1-ubyte.gz'
        >>> Origin("").custom
        False
    """

    def __init__(self, location=None):
        if location is None:
            location = os.environ.get(ORIGIN_VARIABLE, "")
        location = os.fspath(location).strip()
        self.custom = bool(location)
        if not self.custom:
            location = DEFAULT_ORIGIN
        scheme = location.split("://", 1)[0].lower() if "://" in location else None
        if scheme is not None and scheme not in ("http", "https", "file"):
            raise ValueError(f"{ORIGIN_VARIABLE}: expected an http://, https:// or file:// URL or a "
                             f"folder, received {location!r}.")
        if _is_url(location):
            self.base = location if location.endswith("/") else location + "/"
        else:
            self.base = os.path.abspath(os.path.expanduser(location))
        self.is_url = _is_url(self.base)
        # The folder behind a plain path or a file:// URL: it must exist to be an origin at all.
        self.folder = None
        if not self.is_url:
            self.folder = self.base
        elif self.base.lower().startswith("file:"):
            try:
                self.folder = _url_to_path(self.base)
            except FetchError as error:
                raise ValueError(f"{ORIGIN_VARIABLE}: expected a file:// URL of a folder on this "
                                 f"machine (file:///path/to/folder), received {location!r}.") from error

    def source(self, folder, name):
        """The URL or path of ``folder/name`` at this origin (``folder`` may be '')."""
        parts = [part for part in (folder, name) if part]
        if self.is_url:
            return self.base + "/".join(urllib.parse.quote(part) for part in parts)
        return os.path.join(self.base, *parts)

    def checksums(self, folder):
        """``{name: sha256}`` from the origin's ``folder/SHA256SUMS``; None if it has none.

        Only a custom origin is asked: the default origin's files are checked against the
        published hashes that the datasets' modules hold.

        Raises:
            FetchError: when the origin cannot be reached, or is a folder that does not exist
                (not when the SHA256SUMS file alone is absent).
            ValueError: when the file is there but is not a SHA256SUMS list.
        """
        if not self.custom:
            return None
        if self.folder is not None and os.path.isfile(self.folder):
            raise FetchError(self.base, "this is a file; the origin is the folder that holds the files")
        if self.folder is not None and not os.path.isdir(self.folder):
            raise FetchError(self.base, "no such folder on this machine")
        source = self.source(folder, CHECKSUMS_FILE)
        try:
            with _open_source(source) as (stream, _):
                data = stream.read(MAX_CHECKSUMS_SIZE + 1)
        except FetchError as error:
            if error.missing:
                return None
            raise
        if len(data) > MAX_CHECKSUMS_SIZE:
            raise ValueError(f"{source} is larger than {MAX_CHECKSUMS_SIZE} bytes: not a SHA256SUMS list.")
        return parse_checksums(data.decode("utf-8", errors="replace"), source)

    def __str__(self):
        return self.base


# --- hashes ---------------------------------------------------------------------------------
def resolve_hash_algorithm(file_hash, algorithm="auto"):
    """``'sha256'`` or ``'md5'``: ``'auto'`` picks by length, as Keras does (64 hex digits: sha256).

    Example:
        >>> resolve_hash_algorithm("d41d8cd98f00b204e9800998ecf8427e")
        'md5'
    """
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(str(file_hash)) == 64 else "md5"
    if algorithm in ("sha256", "md5"):
        return algorithm
    raise ValueError(f"hash_algorithm should be 'auto', 'sha256' or 'md5', received {algorithm!r}.")


def file_hash(path, algorithm="sha256", chunk_size=CHUNK_SIZE):
    """The hex digest of a file, read in chunks (``algorithm``: 'sha256' or 'md5')."""
    digest = hashlib.new(resolve_hash_algorithm(None, algorithm))
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def validate_file(path, expected_hash, algorithm="auto", chunk_size=CHUNK_SIZE):
    """Whether the file at ``path`` hashes to ``expected_hash`` (Keras 2's ``validate_file``)."""
    algorithm = resolve_hash_algorithm(expected_hash, algorithm)
    return file_hash(path, algorithm, chunk_size) == str(expected_hash).lower()


def parse_checksums(text, source="SHA256SUMS"):
    """``{name: sha256}`` from the text of a SHA256SUMS file (``<64 hex>  <name>`` lines).

    The ``*`` that ``sha256sum -b`` puts before a name and a leading ``./`` are dropped; blank
    lines and ``#`` comments are skipped.

    Example:
        >>> parse_checksums("ab" * 32 + "  ./mnist.npz\\n")
        {'mnist.npz': 'abababababababababababababababababababababababababababababababab'}
    """
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition(" ")
        name = name.strip().lstrip("*")
        if name.startswith("./"):
            name = name[2:]
        if len(digest) != 64 or not name or any(c not in "0123456789abcdefABCDEF" for c in digest):
            raise ValueError(
                f"{source}, line {number}: expected '<64 hex digits>  <file name>', found {line[:80]!r}.")
        sums[name] = digest.lower()
    return sums


def read_checksums(folder):
    """``{name: sha256}`` from ``folder/SHA256SUMS``, or ``{}`` when there is none."""
    path = os.path.join(folder, CHECKSUMS_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_checksums(f.read(), path)


def record_checksum(folder, name, digest):
    """Write ``name``'s verified sha256 into ``folder/SHA256SUMS`` (atomically, like every write)."""
    sums = read_checksums(folder)
    sums[name] = digest
    text = "".join(f"{value}  {key}\n" for key, value in sorted(sums.items()))
    _write_atomically(os.path.join(folder, CHECKSUMS_FILE), text.encode("utf-8"))


def _write_atomically(path, data):
    fd, temporary = _temporary_file(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        _remove_quietly(temporary)
        raise


# --- the fetch ------------------------------------------------------------------------------
def fetch(source, destination, expected_hash=None, hash_algorithm="auto", progress=True,
          timeout=TIMEOUT):
    """Copy ``source`` to ``destination``, verified and atomically.

    The bytes go to a temporary file beside ``destination`` (a name starting with ``.`` and
    ending in ``.part``, which nothing ever reads), hashed as they arrive. The file is renamed
    to ``destination`` only when every announced byte arrived and, if ``expected_hash`` is
    given, the hash matches. On any error, and on Ctrl-C, the temporary file is removed and
    ``destination`` is left as it was.

    Args:
        source: an ``http(s)://`` or ``file://`` URL, or a local path.
        destination: the final path; its folder is created if needed.
        expected_hash: the sha256 or md5 hex digest the file must have, or None.
        hash_algorithm: 'auto' (by the length of ``expected_hash``), 'sha256' or 'md5'.
        progress: draw a ``Progbar`` when the download lasts longer than ``PROGRESS_AFTER``.
        timeout: seconds to wait for the server before giving up.

    Returns:
        ``destination``.

    Raises:
        FetchError: the source is unreachable or does not have the file (``missing``).
        ValueError: the file arrived incomplete or with another hash than expected.
    """
    algorithm = resolve_hash_algorithm(expected_hash, hash_algorithm)
    with _open_source(source, timeout) as (stream, size):  # unreachable: nothing is created
        os.makedirs(os.path.dirname(os.path.abspath(destination)), exist_ok=True)
        fd, temporary = _temporary_file(destination)
        try:
            with os.fdopen(fd, "wb") as out:
                digest, received = _copy(stream, out, size, source, progress, hashlib.new(algorithm))
            if size is not None and received != size:
                raise FetchError(source, f"the transfer broke off after {received} of {size} bytes")
            if expected_hash is not None and digest != str(expected_hash).lower():
                raise ValueError(
                    f"{source} has {algorithm} {digest}, expected {str(expected_hash).lower()}: the "
                    "file is corrupted or incomplete (nothing was kept; fetch it again, or check the "
                    "source).")
            os.replace(temporary, destination)
        except BaseException:  # also KeyboardInterrupt: a partial file must never stay behind
            _remove_quietly(temporary)
            raise
    return destination


def _copy(stream, out, size, source, progress, digest):
    """Stream ``stream`` into ``out``; returns (hex digest, bytes received)."""
    received, start = 0, time.monotonic()
    # Made now, so that its clock (speed, ETA) starts with the download; drawn only later.
    bar = _progress_bar(size) if progress else None
    shown = False
    while True:
        try:
            chunk = stream.read(CHUNK_SIZE)
        except (OSError, http.client.HTTPException) as error:  # a timeout, IncompleteRead, a reset
            raise FetchError(source, f"the transfer broke off after {received} bytes ({error!r})") from error
        if not chunk:
            break
        out.write(chunk)
        digest.update(chunk)
        received += len(chunk)
        if bar is not None and not shown and time.monotonic() - start > PROGRESS_AFTER:
            print(f"Downloading data from {source}")
            shown = True
        if shown:
            bar.update(received)
    if shown and size is None:
        sys.stdout.write("\n")
    return digest.hexdigest(), received


def _progress_bar(size):
    # Imported here, not at the top: minikeras.utils imports this module for get_file.
    from minikeras.utils.generic_utils import Progbar

    return Progbar(target=size, interval=0.25)


class _open_source:
    """Context manager: ``(readable stream, size in bytes or None)`` for a URL or a path."""

    def __init__(self, source, timeout=TIMEOUT):
        self.source, self.timeout, self.stream = os.fspath(source), timeout, None

    def __enter__(self):
        source = self.source
        if _is_url(source) and not source.lower().startswith("file:"):
            try:
                self.stream = urllib.request.urlopen(source, timeout=self.timeout)
            except urllib.error.HTTPError as error:
                raise FetchError(source, f"HTTP {error.code} {error.reason}", missing=error.code == 404) from error
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                raise FetchError(source, str(reason)) from error
            length = self.stream.headers.get("Content-Length")
            return self.stream, int(length) if length and length.isdigit() else None
        path = _url_to_path(source) if _is_url(source) else source
        try:
            self.stream = open(path, "rb")
        except FileNotFoundError as error:
            raise FetchError(source, "no such file", missing=True) from error
        except OSError as error:
            raise FetchError(source, error.strerror or str(error)) from error
        return self.stream, os.fstat(self.stream.fileno()).st_size

    def __exit__(self, *exc_info):
        if self.stream is not None:
            self.stream.close()
        return False


def _is_url(location):
    return "://" in location and location.split("://", 1)[0].lower() in ("http", "https", "file")


def _url_to_path(url):
    parsed = urllib.parse.urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        raise FetchError(url, f"a file:// URL must name a local file, not a host ({parsed.netloc})")
    return urllib.request.url2pathname(parsed.path)


def _temporary_file(destination):
    """A new ``.<name>.<random>.part`` beside ``destination``: ``(descriptor, path)``.

    Unlike ``tempfile.mkstemp`` (always mode 0600), the file gets the permissions the user's
    umask gives any new file, so the renamed result looks like any other downloaded file.
    """
    folder, name = os.path.split(os.path.abspath(destination))
    while True:
        path = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), path
        except FileExistsError:
            continue


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass
