"""utils.get_file with Keras 2's semantics, on the datasets' download code; safe extraction."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from dataset_helpers import cache_listing
import minikeras
from minikeras.utils import data_utils, get_file

DATA = b"minikeras " * 1000
SHA256 = hashlib.sha256(DATA).hexdigest()
MD5 = hashlib.md5(DATA).hexdigest()


def tar_bytes(members, mode="w:gz"):
    """A tar archive from ``[(TarInfo, bytes or None)]``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def file_member(name, data=b"x"):
    return tarfile.TarInfo(name), data


def link_member(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def zip_bytes(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"z")
    return buffer.getvalue()


def test_at_the_keras_2_paths():
    assert minikeras.utils.get_file is data_utils.get_file is get_file
    assert "get_file" in minikeras.utils.__all__


@pytest.mark.parametrize("kwargs", [
    {"file_hash": SHA256}, {"file_hash": MD5}, {"file_hash": SHA256, "hash_algorithm": "sha256"},
    {"file_hash": MD5, "hash_algorithm": "md5"}, {"md5_hash": MD5}, {},
])
def test_download_with_sha256_or_md5_into_the_minikeras_home(home, server, kwargs):
    server.routes["/words.txt"] = DATA
    path = get_file("words.txt", server.url + "words.txt", **kwargs)
    assert path == str(home / "words.txt") and open(path, "rb").read() == DATA
    assert cache_listing(home) == ["words.txt"]


def test_a_wrong_hash_is_refused_and_nothing_is_kept(home, server):
    server.routes["/words.txt"] = DATA
    with pytest.raises(ValueError, match=rf"words.txt has sha256 {SHA256}, expected {'0' * 64}"):
        get_file("words.txt", server.url + "words.txt", file_hash="0" * 64)
    with pytest.raises(ValueError, match=rf"words.txt has md5 {MD5}, expected {'0' * 32}"):
        get_file("words.txt", server.url + "words.txt", md5_hash="0" * 32)
    assert cache_listing(home) == []


def test_a_cached_file_is_used_and_a_stale_one_fetched_again(home, server, capsys):
    server.routes["/words.txt"] = DATA
    get_file("words.txt", server.url + "words.txt", file_hash=SHA256)
    get_file("words.txt", server.url + "words.txt", file_hash=SHA256)
    get_file("words.txt", server.url + "words.txt")  # no hash: the cached file is taken as it is
    assert server.requests == ["/words.txt"]
    (home / "words.txt").write_bytes(DATA[:-1])
    path = get_file("words.txt", server.url + "words.txt", file_hash=SHA256)
    assert open(path, "rb").read() == DATA and server.requests == ["/words.txt"] * 2
    assert "A local file was found, but it seems to be incomplete or outdated because the sha256 " \
           "file hash does not match" in capsys.readouterr().out


def test_cache_dir_cache_subdir_and_absolute_names(tmp_path, server):
    server.routes["/w"] = DATA
    path = get_file("w.txt", server.url + "w", cache_dir=str(tmp_path), cache_subdir="models")
    assert path == str(tmp_path / "models" / "w.txt")
    path = get_file(str(tmp_path / "abs.txt"), server.url + "w", cache_dir=str(tmp_path / "c"))
    assert path == str(tmp_path / "abs.txt") and os.path.isfile(path)
    path = get_file("w.txt", (tmp_path / "abs.txt").as_uri(), cache_subdir=str(tmp_path / "sub"),
                    cache_dir=str(tmp_path / "c"))
    assert path == str(tmp_path / "sub" / "w.txt")


def test_a_404_and_an_unknown_option_are_clear_errors(home, server):
    with pytest.raises(OSError, match=r"URL fetch failure on .*/nothing: HTTP 404"):
        get_file("nothing", server.url + "nothing")
    with pytest.raises(ValueError, match=r"hash_algorithm should be 'auto', 'sha256' or 'md5', received 'sha1'"):
        get_file("x", server.url + "x", file_hash="0" * 40, hash_algorithm="sha1")
    with pytest.raises(ValueError, match=r"archive_format should be 'auto', 'tar', 'zip', a list of them or None, "
                                         r"received 'rar'"):
        get_file("x", server.url + "x", extract=True, archive_format="rar")
    assert server.requests == ["/nothing"]


def test_extract_tar_and_zip(home, server):
    server.routes["/a.tar.gz"] = tar_bytes([file_member("pack/one.txt", b"1"), file_member("pack/two.txt", b"2"),
                                            link_member("pack/link", "one.txt")])
    server.routes["/b.zip"] = zip_bytes(["zipped/three.txt"])
    path = get_file("a.tar.gz", server.url + "a.tar.gz", extract=True)
    assert path == str(home / "a.tar.gz")  # Keras 2 returns the archive's path
    assert (home / "pack" / "two.txt").read_bytes() == b"2" and os.readlink(home / "pack" / "link") == "one.txt"
    get_file("b.zip", server.url + "b.zip", extract=True, archive_format="zip")
    assert (home / "zipped" / "three.txt").read_bytes() == b"z"
    server.routes["/c.tar.gz"] = tar_bytes([file_member("c/inside.txt")])
    assert get_file("c", server.url + "c.tar.gz", untar=True) == str(home / "c")
    assert (home / "c" / "inside.txt").is_file() and (home / "c.tar.gz").is_file()


@pytest.mark.parametrize("members, refused", [
    ([file_member("ok.txt"), file_member("../evil.txt")], r"the member '../evil.txt' would be written outside"),
    ([file_member("/tmp/evil.txt")], r"the member '/tmp/evil.txt' would be written outside"),
    ([link_member("out", "../../etc")], r"the member 'out -> ../../etc' would land at .*, outside"),
    ([link_member("abs", "/etc/passwd")], r"the link 'abs' points to the absolute path '/etc/passwd'"),
    ([link_member("hard", "../x", tarfile.LNKTYPE)], r"the member '../x' would be written outside"),
    ([link_member("up", "."), file_member("up/../../evil.txt")], r"'up/../../evil.txt' would be written outside"),
])
def test_tar_members_landing_outside_are_refused_before_anything_is_written(home, server, members, refused):
    server.routes["/bad.tar"] = tar_bytes(members, mode="w")
    with pytest.raises(ValueError, match=refused):
        get_file("bad.tar", server.url + "bad.tar", extract=True)
    assert cache_listing(home) == ["bad.tar"]  # the archive, and nothing unpacked from it
    assert not (home.parent / "evil.txt").exists()


def test_zip_members_landing_outside_are_refused(home, server):
    server.routes["/bad.zip"] = zip_bytes(["fine.txt", "../evil.txt"])
    with pytest.raises(ValueError, match=r"the member '../evil.txt' would be written outside"):
        get_file("bad.zip", server.url + "bad.zip", extract=True)
    assert cache_listing(home) == ["bad.zip"] and not (home.parent / "evil.txt").exists()


def test_a_link_unpacked_earlier_cannot_carry_a_later_member_outside(tmp_path):
    # 'a' -> '.' and 'b' -> 'a/..' both look inside on paper; on disk 'b' is the parent folder.
    archive = tmp_path / "tricky.tar"
    archive.write_bytes(tar_bytes([link_member("a", "."), link_member("b", "a/.."), file_member("b/evil.txt")],
                                  mode="w"))
    target = tmp_path / "target"
    with pytest.raises(ValueError, match="outside"):
        data_utils.extract_archive(str(archive), str(target))
    assert not (tmp_path / "evil.txt").exists()


def test_extract_archive_returns_false_for_other_files(tmp_path):
    (tmp_path / "plain.txt").write_bytes(DATA)
    assert data_utils.extract_archive(str(tmp_path / "plain.txt"), str(tmp_path / "out")) is False
    assert data_utils.extract_archive(str(tmp_path / "plain.txt"), str(tmp_path / "out"), None) is False
