"""fashion_mnist.load_data on small IDX files the tests write and serve (no local copy exists)."""
import hashlib

import numpy as np
import pytest

from dataset_helpers import IDX_NAMES, cache_listing, flip_byte, small_dataset, write_idx_folder
from minikeras.datasets import download, fashion_mnist

ORIGIN = "MINIKERAS_DATASETS_ORIGIN"


def assert_same(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for key, got in zip(("x_train", "y_train", "x_test", "y_test"), (x_train, y_train, x_test, y_test)):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key], err_msg=key)


@pytest.fixture
def classroom(tmp_path, server):
    """A served mirror whose fashion-mnist/ folder holds small IDX files and their SHA256SUMS."""
    arrays = small_dataset(15, 7, seed=11)
    files = write_idx_folder(tmp_path / "mirror" / "fashion-mnist", arrays)
    server.serve_folder(tmp_path / "mirror" / "fashion-mnist", prefix="/fashion-mnist/")
    return arrays, files


def test_served_over_http_then_from_the_cache(home, server, classroom, monkeypatch):
    arrays, _ = classroom
    monkeypatch.setenv(ORIGIN, server.url)
    assert_same(fashion_mnist.load_data(), arrays)
    assert cache_listing(home) == ["fashion-mnist/SHA256SUMS"] + sorted(
        "fashion-mnist/" + name for name in IDX_NAMES.values())
    server.routes.clear()
    assert_same(fashion_mnist.load_data(), arrays)
    assert server.requests.count("/fashion-mnist/train-images-idx3-ubyte.gz") == 1


def test_from_a_folder_and_a_file_url(home, tmp_path, classroom, monkeypatch):
    arrays, _ = classroom
    monkeypatch.setenv(ORIGIN, str(tmp_path / "mirror"))
    assert_same(fashion_mnist.load_data(), arrays)
    monkeypatch.setenv("MINIKERAS_HOME", str(tmp_path / "other-home"))
    monkeypatch.setenv(ORIGIN, (tmp_path / "mirror").as_uri())
    assert_same(fashion_mnist.load_data(), arrays)
    assert_same(fashion_mnist.load_data(path=str(tmp_path / "mirror" / "fashion-mnist")), arrays)


def test_corrupted_truncated_and_missing_files(home, server, classroom, monkeypatch):
    _, files = classroom
    monkeypatch.setenv(ORIGIN, server.url)
    name = IDX_NAMES["x_test"]
    route = "/fashion-mnist/" + name
    server.routes[route] = flip_byte(files[name])
    with pytest.raises(ValueError, match=rf"{name} has sha256 \w+, expected {hashlib.sha256(files[name]).hexdigest()}"):
        fashion_mnist.load_data()
    server.routes[route] = files[name][:-3]
    with pytest.raises(ValueError, match=rf"{name} has sha256 \w+, expected"):
        fashion_mnist.load_data()
    del server.routes[route]
    with pytest.raises(FileNotFoundError, match=r"found no Fashion-MNIST.*it does not have the four IDX files.*"
                                                r"in a 'fashion-mnist' folder"):
        fashion_mnist.load_data()
    # The files that did arrive intact are kept (verified); the bad one never entered the cache.
    assert name not in " ".join(cache_listing(home))
    assert not any(entry.endswith(".part") for entry in cache_listing(home))


def test_labels_that_do_not_match_the_images(home, tmp_path, server, monkeypatch):
    arrays = small_dataset(10, 4)
    arrays["y_test"] = arrays["y_test"][:3]
    write_idx_folder(tmp_path / "m" / "fashion-mnist", arrays)
    monkeypatch.setenv(ORIGIN, str(tmp_path / "m"))
    with pytest.raises(ValueError, match=r"fashion_mnist.load_data: expected as many test labels in .*"
                                         r"t10k-labels-idx1-ubyte.gz as images in .*t10k-images-idx3-ubyte.gz "
                                         r"\(4\), found 3"):
        fashion_mnist.load_data()


def test_an_mnist_origin_never_passes_for_fashion_mnist(home, tmp_path, monkeypatch):
    # MNIST's and Fashion-MNIST's IDX files have the same names: a mirror holding MNIST's at its
    # top must not serve them as clothes.
    write_idx_folder(tmp_path / "mnist-only", small_dataset())
    monkeypatch.setenv(ORIGIN, str(tmp_path / "mnist-only"))
    with pytest.raises(FileNotFoundError, match="found no Fashion-MNIST"):
        fashion_mnist.load_data()


def test_the_default_origin_and_the_published_hashes_are_keras(home, server, classroom, monkeypatch):
    origin = download.Origin("")
    assert origin.source(fashion_mnist.DATASET.default_folder, "train-labels-idx1-ubyte.gz") == \
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/train-labels-idx1-ubyte.gz"
    assert fashion_mnist.PUBLISHED_SHA256["t10k-images-idx3-ubyte.gz"] == \
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
    # The default origin's code path on the local server: files at the top, published hashes.
    _, files = classroom
    for name, data in files.items():
        server.routes["/" + name] = data
    monkeypatch.delenv(ORIGIN)
    monkeypatch.setattr(download, "DEFAULT_ORIGIN", server.url)
    with pytest.raises(ValueError, match=r"has sha256 \w+, expected (a04f1713|3aede38d|67da17c7|346e55b9)"):
        fashion_mnist.load_data()
    assert "/SHA256SUMS" not in server.requests and "/fashion-mnist/SHA256SUMS" not in server.requests
    assert fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


def test_offline_with_nothing_cached(home, tmp_path, monkeypatch):
    monkeypatch.setenv(ORIGIN, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"fashion_mnist.load_data: found no Fashion-MNIST\. Looked in the "
                                                r"cache .*fashion-mnist \(nothing cached\).*MINIKERAS_DATASETS_ORIGIN.*"
                                                r"load_data\(path='/path/to/folder'\)"):
        fashion_mnist.load_data()
