"""download.fetch, the one verified and atomic download: progress, interruptions, Ctrl-C, sums."""
import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from dataset_helpers import cache_listing
from minikeras.datasets import download

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = bytes(range(256)) * 400  # 100 KiB


def test_fetch_over_http_is_verified_and_gets_ordinary_permissions(tmp_path, server):
    server.routes["/data.bin"] = DATA
    target = tmp_path / "cache" / "data.bin"
    digest = hashlib.sha256(DATA).hexdigest()
    assert download.fetch(server.url + "data.bin", str(target), expected_hash=digest) == str(target)
    assert target.read_bytes() == DATA
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert cache_listing(tmp_path / "cache") == ["data.bin"]


def test_a_failed_fetch_keeps_the_previous_file_untouched(tmp_path, server):
    target = tmp_path / "data.bin"
    target.write_bytes(b"the good old copy")
    server.routes["/data.bin"] = DATA
    with pytest.raises(ValueError, match="corrupted or incomplete"):
        download.fetch(server.url + "data.bin", str(target), expected_hash="0" * 64)
    with pytest.raises(download.FetchError, match=r"HTTP 404") as caught:
        download.fetch(server.url + "missing.bin", str(target))
    assert caught.value.missing and isinstance(caught.value, OSError)
    assert target.read_bytes() == b"the good old copy" and cache_listing(tmp_path) == ["data.bin"]


def test_a_progress_bar_shows_on_downloads_longer_than_a_moment(tmp_path, server, capsys, monkeypatch):
    server.routes["/slow.bin"] = DATA[:20480]
    server.delay["/slow.bin"] = 0.05  # 5 blocks of 4 KiB, 50 ms apart
    monkeypatch.setattr(download, "PROGRESS_AFTER", 0.1)
    download.fetch(server.url + "slow.bin", str(tmp_path / "slow.bin"))
    out = capsys.readouterr().out
    assert f"Downloading data from {server.url}slow.bin" in out
    assert "20480/20480 [==============================]" in out
    download.fetch(server.url + "slow.bin", str(tmp_path / "quick.bin"), progress=False)
    download.fetch(str(tmp_path / "slow.bin"), str(tmp_path / "copy.bin"))  # a local copy is quick
    assert capsys.readouterr().out == ""


def test_ctrl_c_during_a_download_leaves_no_file(tmp_path, server, monkeypatch):
    server.routes["/data.bin"] = DATA
    monkeypatch.setattr(download, "CHUNK_SIZE", 1024)
    reads = []
    real_copy = download._copy

    def interrupted_copy(stream, out, *args):
        class Stream:
            def read(self, n):
                reads.append(n)
                if len(reads) == 3:
                    raise KeyboardInterrupt
                return stream.read(n)
        return real_copy(Stream(), out, *args)

    monkeypatch.setattr(download, "_copy", interrupted_copy)
    with pytest.raises(KeyboardInterrupt):
        download.fetch(server.url + "data.bin", str(tmp_path / "data.bin"))
    assert len(reads) == 3 and cache_listing(tmp_path) == []


SCRIPT = """
import sys
from minikeras.datasets import mnist
print("loading", flush=True)
mnist.load_data()
"""


def test_ctrl_c_in_a_real_process_during_a_served_download(tmp_path, server):
    """As a user would: mnist.load_data() from a slow server, interrupted with SIGINT."""
    data = os.urandom(400 * 4096)
    server.routes["/mnist.npz"] = data
    server.routes["/SHA256SUMS"] = f"{hashlib.sha256(data).hexdigest()}  mnist.npz\n".encode()
    server.delay["/mnist.npz"] = 0.02  # 8 s in all: far longer than the test waits
    home = tmp_path / "home"
    env = dict(os.environ, MINIKERAS_HOME=str(home), MINIKERAS_DATASETS_ORIGIN=server.url,
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not any(name.endswith(".part") for name in cache_listing(home / "datasets")):
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.02)
        time.sleep(0.1)  # some bytes are in the temporary file now
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0 and "KeyboardInterrupt" in err, err
    assert cache_listing(home / "datasets") == []


def test_sha256sums_are_parsed_strictly_and_recorded_atomically(tmp_path):
    digest = "AB" * 32
    text = f"# made by sha256sum\n\n{digest}  ./a.gz\n{'cd' * 32} *b.npz\n"
    assert download.parse_checksums(text) == {"a.gz": "ab" * 32, "b.npz": "cd" * 32}
    with pytest.raises(ValueError, match=r"SUMS, line 2: expected '<64 hex digits>  <file name>', found 'xyz  a.gz'"):
        download.parse_checksums("\nxyz  a.gz\n", "SUMS")
    download.record_checksum(str(tmp_path), "b.npz", "1" * 64)
    download.record_checksum(str(tmp_path), "a.gz", "2" * 64)
    assert (tmp_path / "SHA256SUMS").read_text() == f"{'2' * 64}  a.gz\n{'1' * 64}  b.npz\n"
    assert cache_listing(tmp_path) == ["SHA256SUMS"]


def test_hash_algorithms_as_keras_accepts_them(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    sha, md5 = hashlib.sha256(b"abc").hexdigest(), hashlib.md5(b"abc").hexdigest()
    assert download.validate_file(tmp_path / "f", sha) and download.validate_file(tmp_path / "f", md5)
    assert download.validate_file(tmp_path / "f", sha.upper(), "sha256")
    assert not download.validate_file(tmp_path / "f", md5, "sha256")
    with pytest.raises(ValueError, match=r"hash_algorithm should be 'auto', 'sha256' or 'md5', received 'sha1'"):
        download.validate_file(tmp_path / "f", sha, "sha1")


def test_where_things_live(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIKERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert download.datasets_cache() == os.path.join(str(tmp_path), ".minikeras", "datasets")
    monkeypatch.setenv("MINIKERAS_HOME", "~/elsewhere")
    assert download.datasets_cache() == os.path.join(str(tmp_path), "elsewhere", "datasets")
    monkeypatch.setenv("MINIKERAS_DATASETS_ORIGIN", "file://example.org/share")
    with pytest.raises(ValueError, match=r"MINIKERAS_DATASETS_ORIGIN: expected a file:// URL of a folder on "
                                         r"this machine \(file:///path/to/folder\), received 'file://example.org/share'"):
        download.Origin()
    with pytest.raises(download.FetchError, match="must name a local file, not a host"):
        download.fetch("file://example.org/share/x", str(tmp_path / "x"))
    with pytest.raises(ValueError, match=r"expected an http://, https:// or file:// URL or a folder, "
                                         r"received 'ftp://example.org/x'"):
        download.Origin("ftp://example.org/x")
    (tmp_path / "mnist.npz").write_bytes(b"")
    with pytest.raises(download.FetchError, match="this is a file; the origin is the folder that holds the files"):
        download.Origin(str(tmp_path / "mnist.npz")).checksums("")
    assert download.Origin("https://h/x").source("", "a b.gz") == "https://h/x/a%20b.gz"
    assert download.Origin(str(tmp_path)).source("fashion-mnist", "f.gz") == str(tmp_path / "fashion-mnist" / "f.gz")
