"""Helpers for the dataset tests: small IDX files and a local HTTP server.

No test here touches the internet: downloads come from a ``Server`` on 127.0.0.1 that the test
starts (and that stops itself after ``SERVER_LIFETIME`` seconds at the latest), or from
folders and ``file://`` URLs on this machine.
"""
import gzip
import hashlib
import http.server
import os
import struct
import threading
import time

import numpy as np

SERVER_LIFETIME = 60  # seconds: a server left behind by a crashed test stops by itself

IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


def idx_bytes(array, type_code=0x08):
    """The bytes of an (uncompressed) IDX file holding ``array``."""
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.asarray(array).astype(dtypes[type_code]).tobytes()


def small_dataset(n_train=12, n_test=5, seed=0):
    """Four arrays shaped like MNIST's, with ``n_train`` and ``n_test`` images."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_idx_folder(folder, arrays, sums=True):
    """Write the four gzipped IDX files (and a SHA256SUMS) into ``folder``; returns {name: bytes}."""
    os.makedirs(folder, exist_ok=True)
    files = {IDX_NAMES[key]: gzip.compress(idx_bytes(value), mtime=0) for key, value in arrays.items()}
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    if sums:
        write_sums(folder, files)
    return files


def write_sums(folder, files):
    """A SHA256SUMS for ``{name: bytes}`` in ``folder``, as ``sha256sum`` writes it."""
    with open(os.path.join(folder, "SHA256SUMS"), "w") as f:
        for name, data in sorted(files.items()):
            f.write(f"{hashlib.sha256(data).hexdigest()}  {name}\n")


class Server:
    """An HTTP server on 127.0.0.1 serving ``routes``: ``{'/path': bytes}``.

    ``cut[path] = n`` announces the whole length but sends only ``n`` bytes and closes the
    connection (a transfer that breaks off); ``delay[path] = s`` sleeps ``s`` seconds between
    4 KiB blocks (a slow download). Unknown paths answer 404. ``requests`` lists the paths asked.
    """

    def __init__(self):
        self.routes, self.cut, self.delay, self.requests = {}, {}, {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10  # a stuck client cannot hold a handler thread for longer

            def do_GET(self):
                server.requests.append(self.path)
                data = server.routes.get(self.path)
                if data is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                sent = data[: server.cut.get(self.path, len(data))]
                for start in range(0, len(sent), 4096):
                    self.wfile.write(sent[start:start + 4096])
                    if self.path in server.delay:
                        self.wfile.flush()
                        time.sleep(server.delay[self.path])
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.watchdog = threading.Timer(SERVER_LIFETIME, self.httpd.shutdown)
        self.watchdog.daemon = True
        self.thread.start()
        self.watchdog.start()

    def serve_folder(self, folder, prefix="/"):
        """Serve every file of ``folder`` (one level) under ``prefix``."""
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    self.routes[prefix + name] = f.read()

    def close(self):
        self.watchdog.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def cache_listing(folder):
    """Every file under ``folder`` (relative paths), temporary ones included."""
    found = []
    for root, _, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, name), folder) for name in names]
    return sorted(found)


def npz_bytes(arrays):
    """The bytes of an ``.npz`` holding ``arrays`` (Keras' layout when given its four keys)."""
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def flip_byte(data, where=None):
    """``data`` with one byte inverted (in the middle unless ``where`` is given)."""
    data = bytearray(data)
    data[len(data) // 2 if where is None else where] ^= 0xFF
    return bytes(data)
