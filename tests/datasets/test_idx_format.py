"""The IDX parser: every part of the header is checked, and the size must be exact."""
import gzip

import numpy as np
import pytest

from dataset_helpers import idx_bytes
from minikeras.datasets.idx import parse_idx, read_idx


def test_parses_every_element_type_into_native_writable_arrays(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(idx_bytes(images)), images)
    for code, values in [(0x09, [-5, 0, 7]), (0x0B, [-300, 0, 300]), (0x0C, [-5, 0, 70000]),
                         (0x0D, [0.5, -1.25, 3.0]), (0x0E, [1e-300, 0.0, -2.5])]:
        parsed = parse_idx(idx_bytes(np.array(values), type_code=code))
        np.testing.assert_array_equal(parsed, values)
        assert parsed.dtype.isnative and parsed.flags.writeable
    (tmp_path / "tiny.gz").write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(tmp_path / "tiny.gz"), images)
    (tmp_path / "tiny.idx").write_bytes(idx_bytes(images))
    np.testing.assert_array_equal(read_idx(tmp_path / "tiny.idx"), images)


def test_a_bad_magic_number():
    good = idx_bytes(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"f.idx: not an IDX file: expected the magic number to start with two "
                                         r"zero bytes, found 01 00 08 02"):
        parse_idx(b"\x01" + good[1:], source="f.idx")
    with pytest.raises(ValueError, match="found an empty file"):
        parse_idx(b"", source="f.idx")


def test_an_unknown_element_type():
    good = idx_bytes(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"f.idx: expected an IDX element type among 0x08, .*, found 0x07"):
        parse_idx(good[:2] + b"\x07" + good[3:], source="f.idx")


def test_a_header_cut_short():
    good = idx_bytes(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"f.idx: expected a header of 12 bytes for 2 dimensions, found 7 "
                                         r"bytes in all: the file is truncated"):
        parse_idx(good[:7], source="f.idx")


def test_the_data_must_be_exactly_what_the_header_announces():
    good = idx_bytes(np.zeros((2, 2), dtype=np.int32), type_code=0x0C)
    with pytest.raises(ValueError, match=r"f.idx: expected 16 bytes of data after the header for shape \(2, 2\) "
                                         r"of int32, found 15: the file is truncated or corrupted"):
        parse_idx(good[:-1], source="f.idx")
    with pytest.raises(ValueError, match=r"expected 16 bytes .* found 17"):
        parse_idx(good + b"\x00", source="f.idx")
    # A header claiming more dimensions than the data fills (MNIST's labels read as images).
    with pytest.raises(ValueError, match=r"shape \(2, 2, 28\)"):
        parse_idx(bytes([0, 0, 8, 3]) + np.array([2, 2, 28], ">u4").tobytes() + bytes(4), source="f.idx")


def test_a_truncated_or_damaged_gzip_names_the_file(tmp_path):
    compressed = gzip.compress(idx_bytes(np.zeros((50, 5), dtype=np.uint8)))
    (tmp_path / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match=r"cut.gz: expected a complete gzip stream, found a damaged one"):
        read_idx(tmp_path / "cut.gz")
    damaged = bytearray(compressed)
    damaged[12] ^= 0xFF
    (tmp_path / "bad.gz").write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match=r"bad.gz: expected a complete gzip stream"):
        read_idx(tmp_path / "bad.gz")
