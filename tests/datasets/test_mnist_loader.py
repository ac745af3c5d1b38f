"""mnist.load_data: the real files through MINIKERAS_DATASETS_ORIGIN, a local HTTP server, the
cache and its verification, the caller's own path, and the error when nothing is reachable."""
import gzip
import hashlib
import os
import pathlib

import numpy as np
import pytest

from dataset_helpers import (IDX_NAMES, cache_listing, flip_byte, idx_bytes, npz_bytes,
                             small_dataset, write_idx_folder)
from minikeras.datasets import download, mnist

ORIGIN = "MINIKERAS_DATASETS_ORIGIN"


def arrays_of(result):
    (x_train, y_train), (x_test, y_test) = result
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def assert_same(result, arrays):
    got = arrays_of(result)
    for key in arrays:
        assert got[key].dtype == np.uint8, key
        np.testing.assert_array_equal(got[key], arrays[key], err_msg=key)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def assert_mnist_like(result):
    (x_train, y_train), (x_test, y_test) = result
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert x_train.shape[1:] == (28, 28) and y_train.shape == (x_train.shape[0],)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]  # the first test digits of every MNIST copy
    assert set(np.unique(y_train)) == set(range(10)) and x_train.max() == 255
    assert x_train.flags.writeable


# --- the real files, as a classroom would reach them ----------------------------------------
def test_real_files_from_an_origin_folder_are_cached_with_the_hash_of_its_sha256sums(
        home, real_mnist, monkeypatch):
    monkeypatch.setenv(ORIGIN, real_mnist)
    first = mnist.load_data()
    assert_mnist_like(first)
    # The workplace copy is a teacher's copy (24,000 training images): it is accepted because
    # the origin's SHA256SUMS lists it, and the cache records that hash.
    assert cache_listing(home) == ["SHA256SUMS", "mnist.npz"]
    with open(os.path.join(real_mnist, "SHA256SUMS")) as f:
        origin_sums = download.parse_checksums(f.read())
    assert download.read_checksums(home) == {"mnist.npz": origin_sums["mnist.npz"]}
    assert origin_sums["mnist.npz"] != mnist.PUBLISHED_SHA256["mnist.npz"]
    # Offline now: the next call is served by the (re-verified) cache alone.
    monkeypatch.setenv(ORIGIN, str(home.parent / "no-such-origin"))
    assert_same(mnist.load_data(), arrays_of(first))


def test_real_files_from_a_file_url_and_the_idx_files_agree_with_the_npz(home, real_mnist, monkeypatch):
    monkeypatch.setenv(ORIGIN, pathlib.Path(real_mnist).as_uri())
    from_url = mnist.load_data()
    assert cache_listing(home) == ["SHA256SUMS", "mnist.npz"]
    idx_folder = home.parent / "idx-only"
    idx_folder.mkdir()
    for name in IDX_NAMES.values():
        os.symlink(os.path.join(real_mnist, name), idx_folder / name)
    assert_same(mnist.load_data(path=str(idx_folder)), arrays_of(from_url))


def test_real_files_served_over_http(home, real_mnist, server, monkeypatch):
    server.serve_folder(real_mnist)
    monkeypatch.setenv(ORIGIN, server.url)
    assert_mnist_like(mnist.load_data())
    assert server.requests == ["/SHA256SUMS", "/mnist.npz"]
    assert cache_listing(home) == ["SHA256SUMS", "mnist.npz"]


def test_a_corrupted_download_is_refused_and_leaves_nothing(home, real_mnist, server, monkeypatch):
    server.serve_folder(real_mnist)
    good = server.routes["/mnist.npz"]
    server.routes["/mnist.npz"] = flip_byte(good)
    monkeypatch.setenv(ORIGIN, server.url)
    with pytest.raises(ValueError, match=rf"mnist.npz has sha256 [0-9a-f]{{64}}, expected {sha256(good)}: "
                                         r"the file is corrupted or incomplete"):
        mnist.load_data()
    assert cache_listing(home) == []


def test_a_truncated_download_is_refused_and_leaves_nothing(home, real_mnist, server, monkeypatch):
    server.serve_folder(real_mnist)
    server.routes["/mnist.npz"] = server.routes["/mnist.npz"][:100_000]  # a short file, served whole
    monkeypatch.setenv(ORIGIN, server.url)
    with pytest.raises(ValueError, match=r"mnist.npz has sha256 \w+, expected \w+: the file is corrupted"):
        mnist.load_data()
    assert cache_listing(home) == []


def test_a_download_cut_off_midway_leaves_nothing_trusted_and_the_next_call_succeeds(
        home, server, monkeypatch):
    arrays = small_dataset(40, 10)
    data = npz_bytes(arrays)
    server.routes["/mnist.npz"] = data
    server.routes["/SHA256SUMS"] = f"{sha256(data)}  mnist.npz\n".encode()
    server.cut["/mnist.npz"] = len(data) // 2  # the server closes the connection half-way
    monkeypatch.setenv(ORIGIN, server.url)
    with pytest.raises(FileNotFoundError, match=r"the transfer broke off after \d+ of \d+ bytes"):
        mnist.load_data()
    assert cache_listing(home) == []  # no partial file, no record
    del server.cut["/mnist.npz"]
    assert_same(mnist.load_data(), arrays)


def test_a_404_origin_says_what_it_lacks(home, server, monkeypatch):
    monkeypatch.setenv(ORIGIN, server.url)
    with pytest.raises(FileNotFoundError, match=r"found no MNIST.*nothing cached.*from MINIKERAS_DATASETS_ORIGIN.*"
                                                r"it does not have mnist.npz or the four IDX files"):
        mnist.load_data()
    assert server.requests[:3] == ["/SHA256SUMS", "/mnist.npz", "/train-images-idx3-ubyte.gz"]
    assert cache_listing(home) == []


# --- a teacher's copy ---------------------------------------------------------------------
def test_a_teachers_idx_files_with_sha256sums_load_over_http(home, server, tmp_path, monkeypatch):
    arrays = small_dataset(12, 5)
    write_idx_folder(tmp_path / "teacher", arrays)  # no mnist.npz: only the IDX files
    server.serve_folder(tmp_path / "teacher")
    monkeypatch.setenv(ORIGIN, server.url)
    assert_same(mnist.load_data(), arrays)
    assert cache_listing(home) == ["SHA256SUMS"] + sorted(IDX_NAMES.values())
    server.routes.clear()  # from now on only the cache can answer
    assert_same(mnist.load_data(), arrays)


def test_a_mirror_without_sha256sums_must_hold_the_published_files(home, server, monkeypatch):
    server.routes["/mnist.npz"] = npz_bytes(small_dataset())
    monkeypatch.setenv(ORIGIN, server.url)
    published = mnist.PUBLISHED_SHA256["mnist.npz"]
    with pytest.raises(ValueError, match=rf"mnist.npz has sha256 \w+, expected {published}"):
        mnist.load_data()
    assert cache_listing(home) == []


def test_sha256sums_listing_other_files_is_a_clear_error(home, server, monkeypatch):
    server.routes["/SHA256SUMS"] = ("ab" * 32 + "  README.md\n").encode()
    monkeypatch.setenv(ORIGIN, server.url)
    with pytest.raises(FileNotFoundError, match=r"SHA256SUMS: it lists README.md, not mnist.npz or the four IDX"):
        mnist.load_data()


def test_the_default_origin_is_keras_bucket_checked_against_the_published_hash(home, server, monkeypatch):
    assert download.Origin("").source("", "mnist.npz") == \
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert mnist.PUBLISHED_SHA256["mnist.npz"] == \
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    # The default origin's code path, pointed at the local server: no SHA256SUMS is asked for,
    # and a file that is not the published one is refused.
    monkeypatch.delenv(ORIGIN)
    monkeypatch.setattr(download, "DEFAULT_ORIGIN", server.url)
    server.routes["/mnist.npz"] = npz_bytes(small_dataset())
    server.routes["/SHA256SUMS"] = b"would be ignored"
    with pytest.raises(ValueError, match="expected 731c5ac6"):
        mnist.load_data()
    assert server.requests == ["/mnist.npz"]


# --- the cache is verified on every use ---------------------------------------------------
@pytest.fixture
def cached_teacher_copy(home, server, monkeypatch):
    arrays = small_dataset(20, 6, seed=3)
    data = npz_bytes(arrays)
    server.routes["/mnist.npz"] = data
    server.routes["/SHA256SUMS"] = f"{sha256(data)}  mnist.npz\n".encode()
    monkeypatch.setenv(ORIGIN, server.url)
    assert_same(mnist.load_data(), arrays)
    return arrays, home / "mnist.npz"


def test_a_corrupted_cache_file_is_not_trusted_but_fetched_again(cached_teacher_copy, server):
    arrays, cached = cached_teacher_copy
    cached.write_bytes(flip_byte(cached.read_bytes()))
    with pytest.warns(UserWarning, match=r"the cached .*mnist.npz has sha256 \w+, not the \w+ it was "
                                         r"verified with; fetching it again"):
        assert_same(mnist.load_data(), arrays)
    assert server.requests.count("/mnist.npz") == 2


def test_a_corrupted_cache_file_offline_is_an_error_that_says_so(cached_teacher_copy, monkeypatch):
    _, cached = cached_teacher_copy
    cached.write_bytes(cached.read_bytes()[:-10])  # truncated on disk
    monkeypatch.setenv(ORIGIN, str(cached.parent / "unplugged-usb-stick"))
    with pytest.warns(UserWarning), pytest.raises(
            FileNotFoundError, match=r"the cached .*mnist.npz has sha256 \w+, not the \w+ it was verified with"):
        mnist.load_data()


def test_a_cache_file_without_record_must_be_the_published_file(cached_teacher_copy, server):
    arrays, cached = cached_teacher_copy
    os.remove(cached.parent / "SHA256SUMS")  # e.g. a file copied into the cache by hand
    with pytest.warns(UserWarning, match=rf"the cached .*mnist.npz has no record and sha256 \w+, not the published "
                                         rf"{mnist.PUBLISHED_SHA256['mnist.npz']}; fetching it again"):
        assert_same(mnist.load_data(), arrays)


def test_an_unwritable_cache_says_how_to_choose_another(home, server, monkeypatch):
    data = npz_bytes(small_dataset())
    server.routes["/mnist.npz"] = data
    server.routes["/SHA256SUMS"] = f"{sha256(data)}  mnist.npz\n".encode()
    monkeypatch.setenv(ORIGIN, server.url)

    def refused(destination):
        raise PermissionError(13, "Permission denied", destination)

    monkeypatch.setattr(download, "_temporary_file", refused)
    with pytest.raises(PermissionError, match=r"cannot write into the cache .*datasets .*Permission denied.*; "
                                              r"set MINIKERAS_HOME to a folder you can write to"):
        mnist.load_data()


def test_path_as_a_bare_name_is_the_name_inside_the_cache(home, server, monkeypatch, tmp_path):
    arrays = small_dataset(8, 3)
    data = npz_bytes(arrays)
    server.routes["/mnist.npz"] = data
    server.routes["/SHA256SUMS"] = f"{sha256(data)}  mnist.npz\n".encode()
    monkeypatch.setenv(ORIGIN, server.url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits.npz").write_bytes(b"not used: a bare name means the cache, as in Keras")
    assert_same(mnist.load_data(path="digits.npz"), arrays)
    assert cache_listing(home) == ["SHA256SUMS", "digits.npz"]
    assert download.read_checksums(home) == {"digits.npz": sha256(data)}


def test_an_npz_path_that_does_not_exist_yet_keeps_keras_meaning(home, server, monkeypatch, tmp_path):
    arrays = small_dataset(7, 3, seed=5)
    data = npz_bytes(arrays)
    server.routes["/mnist.npz"] = data
    server.routes["/SHA256SUMS"] = f"{sha256(data)}  mnist.npz\n".encode()
    monkeypatch.setenv(ORIGIN, server.url)
    monkeypatch.chdir(tmp_path)
    assert_same(mnist.load_data(path="sub/mine.npz"), arrays)  # relative: under the cache
    assert cache_listing(home) == ["SHA256SUMS", "sub/mine.npz"]
    target = tmp_path / "models" / "mnist.npz"
    assert_same(mnist.load_data(path=str(target)), arrays)  # absolute: exactly there
    assert cache_listing(tmp_path / "models") == ["mnist.npz"]  # no record written beside it
    server.routes.clear()
    assert_same(mnist.load_data(path="sub/mine.npz"), arrays)  # from the (verified) cache
    assert_same(mnist.load_data(path=str(target)), arrays)  # now it exists: your own copy
    assert server.requests == ["/SHA256SUMS", "/mnist.npz"] * 2


# --- the caller's own copy ------------------------------------------------------------------
def test_path_with_a_folder_is_your_own_copy(home, tmp_path, monkeypatch):
    arrays = small_dataset(9, 4)
    (tmp_path / "mine.npz").write_bytes(npz_bytes(arrays))
    write_idx_folder(tmp_path / "idx", arrays, sums=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for path in (str(tmp_path / "mine.npz"), "./mine.npz", "~/mine.npz", tmp_path / "mine.npz",
                 str(tmp_path / "idx"), "idx/", "~/idx"):
        assert_same(mnist.load_data(path=path), arrays)
    assert not home.exists()  # your copy is read where it is, never copied into the cache


def test_path_to_a_folder_without_the_files(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"the folder .* should hold mnist.npz or the four IDX files "
                                                r"\(train-images.*\); it holds train-images-idx3-ubyte.gz"):
        mnist.load_data(path=str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"path=.*nowhere' does not exist: expected an .npz file"):
        mnist.load_data(path=str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz' is one of the four IDX files: expected an "
                                         r".npz file or a folder; pass the folder that holds the four"):
        mnist.load_data(path=str(tmp_path / "train-images-idx3-ubyte.gz"))


def test_a_sha256sums_beside_your_copy_is_honoured(tmp_path):
    files = write_idx_folder(tmp_path, small_dataset())
    name = IDX_NAMES["y_test"]
    (tmp_path / name).write_bytes(flip_byte(files[name], where=-5))
    with pytest.raises(ValueError, match=rf"{name} has sha256 \w+, but the SHA256SUMS beside it expects "
                                         rf"{sha256(files[name])}"):
        mnist.load_data(path=str(tmp_path))


# --- what the files hold ------------------------------------------------------------------
def test_an_npz_missing_one_of_the_four_arrays(tmp_path):
    arrays = small_dataset()
    del arrays["y_test"]
    (tmp_path / "three.npz").write_bytes(npz_bytes(arrays))
    with pytest.raises(ValueError, match=r"three.npz: expected the arrays x_train, y_train, x_test, y_test, "
                                         r"found .* \(missing y_test\)"):
        mnist.load_data(path=str(tmp_path / "three.npz"))


def test_an_npz_that_is_not_one_or_holds_objects_is_refused_without_unpickling(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"\x80\x04definitely a pickle, never loaded")
    with pytest.raises(ValueError, match=r"junk.npz: expected an .npz file \(a zip archive\)"):
        mnist.load_data(path=str(tmp_path / "junk.npz"))
    arrays = dict(small_dataset(), y_test=np.array([{"evil": 1}], dtype=object))
    np.savez(tmp_path / "objects.npz", **arrays)
    with pytest.raises(ValueError, match="allow_pickle"):
        mnist.load_data(path=str(tmp_path / "objects.npz"))


def test_labels_and_images_counts_must_match(tmp_path):
    arrays = small_dataset(12, 5)
    arrays["y_train"] = arrays["y_train"][:11]
    write_idx_folder(tmp_path, arrays)
    with pytest.raises(ValueError, match=r"expected as many train labels in .*train-labels-idx1-ubyte.gz as "
                                         r"images in .*train-images-idx3-ubyte.gz \(12\), found 11"):
        mnist.load_data(path=str(tmp_path))


@pytest.mark.parametrize("images, type_code, found", [
    (np.zeros((3, 27, 28)), 0x08, r"uint8 of shape \(3, 27, 28\)"),
    (np.zeros((3, 784)), 0x08, r"uint8 of shape \(3, 784\)"),
    (np.zeros((3, 28, 28)), 0x0C, r"int32 of shape \(3, 28, 28\)"),
])
def test_images_of_the_wrong_dimensions_or_type(tmp_path, images, type_code, found):
    write_idx_folder(tmp_path, small_dataset(3, 2), sums=False)
    (tmp_path / IDX_NAMES["x_train"]).write_bytes(gzip.compress(idx_bytes(images, type_code)))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz: expected x_train as uint8 images of "
                                         rf"shape \(n, 28, 28\), found {found}"):
        mnist.load_data(path=str(tmp_path))


def test_labels_above_nine(tmp_path):
    arrays = small_dataset()
    arrays["y_test"][2] = 10
    (tmp_path / "m.npz").write_bytes(npz_bytes(arrays))
    with pytest.raises(ValueError, match=r"m.npz: expected y_test labels 0 to 9, found 10"):
        mnist.load_data(path=str(tmp_path / "m.npz"))


def test_a_truncated_idx_file_names_the_file(tmp_path):
    files = write_idx_folder(tmp_path, small_dataset(), sums=False)
    name = IDX_NAMES["x_test"]
    raw = gzip.decompress(files[name])
    (tmp_path / name).write_bytes(gzip.compress(raw[:-28]))
    with pytest.raises(ValueError, match=rf"{name}: expected 3920 bytes of data after the header for shape "
                                         r"\(5, 28, 28\) of uint8, found 3892: the file is truncated"):
        mnist.load_data(path=str(tmp_path))


# --- nothing reachable ------------------------------------------------------------------------
def test_offline_with_nothing_cached_is_one_error_saying_where_it_looked_and_what_to_do(home, monkeypatch):
    monkeypatch.delenv(ORIGIN)
    monkeypatch.setattr(download, "DEFAULT_ORIGIN", "http://127.0.0.1:9/")  # nothing listens there
    with pytest.raises(FileNotFoundError) as caught:
        mnist.load_data()
    message = str(caught.value)
    for part in (f"Looked in the cache {home} (nothing cached)", "Keras' origin http://127.0.0.1:9/",
                 "set MINIKERAS_DATASETS_ORIGIN to a folder, a file:// URL or an http(s):// URL holding "
                 "mnist.npz or the four IDX files", "SHA256SUMS", "load_data(path='/path/to/mnist.npz')"):
        assert part in message, (part, message)
    monkeypatch.setenv(ORIGIN, str(home.parent / "usb-stick"))
    with pytest.raises(FileNotFoundError, match=r"the origin .*usb-stick, from MINIKERAS_DATASETS_ORIGIN "
                                                r"\(no such folder on this machine\)"):
        mnist.load_data()
    assert not home.exists()  # an unreachable origin creates nothing, not even the cache folder
