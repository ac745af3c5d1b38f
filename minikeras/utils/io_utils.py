"""Writing files so that nothing is ever half-written: the one atomic write of minikeras.

``atomic_write(path, write)`` calls ``write(handle)`` on a temporary file in the same folder as
``path``, flushes it to disk and renames it over ``path`` (``os.replace`` is atomic on POSIX and
Windows). A crash, an exception or Ctrl-C during the write leaves the previous file as it was
and no temporary file behind.

Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "notes.txt")
    >>> atomic_write(path, lambda f: f.write(b"hello"))
    >>> open(path, "rb").read(), sorted(os.listdir(folder))
    (b'hello', ['notes.txt'])
"""
import os
import tempfile

__all__ = ["atomic_write", "check_writable_path"]


def check_writable_path(filepath, overwrite=True, what="save"):
    """``filepath`` as a string, after checking that a file can be written there.

    Raises:
        ValueError: an empty path, a directory, or an existing file with ``overwrite=False``.
        FileNotFoundError: the folder does not exist.
    """
    if isinstance(filepath, os.PathLike):
        filepath = os.fspath(filepath)
    if not isinstance(filepath, str) or not filepath:
        raise ValueError(f"Cannot {what}: the file path must be a non-empty string, "
                         f"received {filepath!r}.")
    if os.path.isdir(filepath):
        raise ValueError(f"Cannot {what} to {filepath!r}: it is a directory; give a file path.")
    if not overwrite and os.path.exists(filepath):
        raise ValueError(f"Not saving: {filepath!r} already exists and overwrite=False.")
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot {what} to {filepath!r}: the folder {folder!r} does not exist.")
    return filepath


def atomic_write(filepath, write, overwrite=True, what="save"):
    """Write ``filepath`` through ``write(binary_file_handle)``, all or nothing.

    Args:
        filepath: where the file goes; its folder must exist.
        write: a function that writes the content into the open binary file it receives.
        overwrite: False refuses to replace an existing file.
        what: the verb used in error messages ("save", "download", ...).
    """
    filepath = check_writable_path(filepath, overwrite, what)
    folder = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(filepath)}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w+b") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    except BaseException:  # KeyboardInterrupt too: never leave a half-written file behind
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    # Make the rename itself durable (POSIX); not possible on every platform.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
