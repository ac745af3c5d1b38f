"""The IDX file format of MNIST and Fashion-MNIST, read strictly.

An IDX file is a big-endian header followed by the elements, row-major::

    bytes 0-1   0x00 0x00            (the magic number starts with two zero bytes)
    byte  2     the element type     (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                      0x0D float32, 0x0E float64)
    byte  3     d, the number of dimensions
    then        d sizes, 4-byte unsigned each
    then        size_0 * ... * size_(d-1) elements

``parse_idx`` checks each part, and that the file holds exactly the bytes its header
announces: not one fewer (a truncated file), not one more (something else glued on). MNIST's
``train-images-idx3-ubyte`` starts ``00 00 08 03 | 00 00 EA 60 | 00 00 00 1C | 00 00 00 1C``:
uint8, 3 dimensions, 60000 x 28 x 28.

Example:
    >>> import struct
    >>> data = bytes([0, 0, 0x08, 2]) + struct.pack(">II", 2, 3) + bytes(range(6))
    >>> parse_idx(data)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    >>> parse_idx(data[:-1], source="cut.idx")
    Traceback (most recent call last):
    ...
    ValueError: cut.idx: expected 6 bytes of data after the header for shape (2, 3) of uint8, found 5: the file is truncated or corrupted.
"""
import gzip
import os
import zlib

import numpy as np

__all__ = ["IDX_TYPES", "parse_idx", "read_idx"]

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data, source="<bytes>"):
    """The array stored in the bytes of an (uncompressed) IDX file.

    Args:
        data: the whole file, as ``bytes``.
        source: the file's name, for the error messages.

    Returns:
        A writable array in native byte order, of the header's shape and element type.

    Raises:
        ValueError: naming ``source``, what was expected and what was found, for a bad magic
            number, an unknown element type, a header cut short, or a data size that differs
            from the header's.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{source}: not an IDX file: expected the magic number to start with two zero bytes, "
            f"found {bytes(data[:4]).hex(' ') or 'an empty file'}.")
    type_code, ndim = data[2], data[3]
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise ValueError(f"{source}: expected an IDX element type among {known}, found 0x{type_code:02X}.")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{source}: expected a header of {header_size} bytes for {ndim} dimensions, found "
            f"{len(data)} bytes in all: the file is truncated.")
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header_size
    if found != expected:
        raise ValueError(
            f"{source}: expected {expected} bytes of data after the header for shape {shape} of "
            f"{dtype.newbyteorder('=').name}, found {found}: the file is truncated or corrupted.")
    values = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # a native, writable copy


def read_idx(path):
    """Read an IDX file, gzipped (recognised by its first two bytes, 1F 8B) or not.

    Raises:
        ValueError: naming the file, for a damaged gzip stream or a malformed IDX content.
    """
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(
                f"{path}: expected a complete gzip stream, found a damaged one ({error}): the file "
                "is truncated or corrupted.") from error
    return parse_idx(data, source=os.fspath(path))
