"""The MNIST loader: real files (skipped when absent), the IDX parser, checksums, search, download."""
import gzip
import os
import shutil
import struct

import numpy as np
import pytest

from minikeras.datasets import mnist

REAL = mnist.find_data_directory()
needs_real_files = pytest.mark.skipif(REAL is None, reason="no local MNIST copy (see minikeras/datasets/mnist.py)")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No MNIST anywhere: empty dataset and home folders, and a search walk that finds nothing."""
    monkeypatch.setenv("MINIKERAS_DATASETS", str(tmp_path / "datasets"))
    monkeypatch.setenv("MINIKERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "_search_roots", lambda: [str(tmp_path / "work" / "main" / "pkg")])
    return tmp_path


def idx_bytes(array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(mnist.IDX_TYPES[type_code]).tobytes()


# --- the real files --------------------------------------------------------------------------
@needs_real_files
def test_real_data_shapes_dtypes_and_labels():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.dtype == y_train.dtype == x_test.dtype == np.uint8
    assert x_train.shape[0] in (24000, 60000) and x_train.shape[1:] == (28, 28)
    assert y_train.shape == (x_train.shape[0],)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert set(np.unique(y_train)) == set(range(10)) and x_train.max() == 255
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]  # the first test digits of every MNIST copy
    assert x_train.flags.writeable


@needs_real_files
def test_real_files_have_known_checksums():
    present = [name for name in mnist.KNOWN_SHA256 if os.path.exists(os.path.join(REAL, name))]
    assert present
    for name in present:
        assert mnist.file_sha256(os.path.join(REAL, name)) in mnist.KNOWN_SHA256[name], name


@needs_real_files
def test_idx_files_and_npz_agree(tmp_path):
    if not all(os.path.exists(os.path.join(REAL, n)) for n in mnist.IDX_FILES.values()):
        pytest.skip("the local copy has no IDX files")
    for name in mnist.IDX_FILES.values():
        os.symlink(os.path.join(REAL, name), tmp_path / name)
    from_idx = mnist.load_data(path=tmp_path)
    from_default = mnist.load_data()
    for a, b in zip(from_idx[0] + from_idx[1], from_default[0] + from_default[1]):
        np.testing.assert_array_equal(a, b)


@needs_real_files
def test_a_corrupted_real_file_is_refused(tmp_path):
    name = "train-labels-idx1-ubyte.gz"
    if not os.path.exists(os.path.join(REAL, name)):
        pytest.skip("the local copy has no IDX files")
    for other in mnist.IDX_FILES.values():
        if other != name:
            os.symlink(os.path.join(REAL, other), tmp_path / other)
    data = bytearray(open(os.path.join(REAL, name), "rb").read())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz has SHA-256 \w+, which is not a known"):
        mnist.load_data(path=tmp_path)


# --- the IDX parser ------------------------------------------------------------------------------
def test_parse_idx_on_tiny_crafted_files(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(mnist.parse_idx(idx_bytes(images)), images)
    counts = np.array([-5, 0, 70000], dtype=np.int32)
    parsed = mnist.parse_idx(idx_bytes(counts, type_code=0x0C))
    np.testing.assert_array_equal(parsed, counts)
    assert parsed.dtype.isnative and parsed.flags.writeable
    (tmp_path / "tiny.gz").write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "tiny.gz"), images)
    (tmp_path / "tiny.idx").write_bytes(idx_bytes(images))
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "tiny.idx"), images)


def test_parse_idx_checks_the_header():
    good = idx_bytes(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="is not an IDX file: it must start with two zero bytes"):
        mnist.parse_idx(b"\x01" + good[1:])
    with pytest.raises(ValueError, match="unknown IDX element type 0x07"):
        mnist.parse_idx(good[:2] + b"\x07" + good[3:])
    with pytest.raises(ValueError, match=r"truncated inside its header \(2 dimensions\)"):
        mnist.parse_idx(good[:7])
    with pytest.raises(ValueError, match=r"should hold 4 bytes of data for shape \(2, 2\), got 3"):
        mnist.parse_idx(good[:-1])
    with pytest.raises(ValueError, match=r"should hold 4 bytes of data for shape \(2, 2\), got 5"):
        mnist.parse_idx(good + b"\x00")


def test_truncated_gzip_is_a_clear_error(tmp_path):
    compressed = gzip.compress(idx_bytes(np.zeros((50, 5), dtype=np.uint8)))
    (tmp_path / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="cut.gz is not a valid gzip file"):
        mnist.read_idx(tmp_path / "cut.gz")


# --- finding the data, and downloading it ------------------------------------------------------
def test_an_unknown_file_is_refused_before_reading(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"not really an npz")
    with pytest.raises(ValueError, match=r"mnist.npz has SHA-256 \w+, which is not a known mnist.npz .* corrupted"):
        mnist.load_data(path=tmp_path)
    with pytest.raises(ValueError, match="not a known mnist.npz"):
        mnist.load_data(path=tmp_path / "mnist.npz")


def test_a_path_without_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"holds no MNIST files: expected mnist.npz or the four files"):
        mnist.load_data(path=tmp_path)


def test_search_order(isolated):
    assert mnist.find_data_directory() is None
    shared = isolated / "work" / "shared" / "datasets" / "mnist"
    shared.mkdir(parents=True)
    (shared / "mnist.npz").write_bytes(b"x")
    assert mnist.find_data_directory() == str(shared)  # found by walking up
    home = isolated / "home" / "datasets" / "mnist"
    home.mkdir(parents=True)
    for name in mnist.IDX_FILES.values():
        (home / name).write_bytes(b"x")
    assert mnist.find_data_directory() == str(home)
    first = isolated / "datasets" / "mnist"
    first.mkdir(parents=True)
    (first / "mnist.npz").write_bytes(b"x")
    assert mnist.find_data_directory() == str(first)


def test_failed_download_names_where_to_put_the_files(isolated, monkeypatch):
    monkeypatch.setattr(mnist, "ORIGIN", (isolated / "nowhere" / "mnist.npz").as_uri())
    cache = isolated / "datasets" / "mnist"
    with pytest.raises(FileNotFoundError, match=rf"download from .* failed .* Put mnist.npz .* in {cache}"):
        mnist.load_data()
    assert os.listdir(cache) == []  # no partial file left behind


def test_a_download_with_the_wrong_checksum_is_discarded(isolated, monkeypatch):
    (isolated / "bad.npz").write_bytes(b"\x00" * 1000)
    monkeypatch.setattr(mnist, "ORIGIN", (isolated / "bad.npz").as_uri())
    with pytest.raises(ValueError, match="not a known mnist.npz"):
        mnist.load_data()
    assert os.listdir(isolated / "datasets" / "mnist") == []


@needs_real_files
def test_download_and_cache(isolated, monkeypatch):
    source = os.path.join(REAL, "mnist.npz")
    if not os.path.exists(source):
        pytest.skip("the local copy has no mnist.npz")
    shutil.copy(source, isolated / "served.npz")
    monkeypatch.setattr(mnist, "ORIGIN", (isolated / "served.npz").as_uri())
    (x_train, _), _ = mnist.load_data()
    assert os.listdir(isolated / "datasets" / "mnist") == ["mnist.npz"]
    assert mnist.find_data_directory() == str(isolated / "datasets" / "mnist")
    assert x_train.shape[1:] == (28, 28)
