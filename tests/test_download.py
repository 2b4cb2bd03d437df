"""fetch_mnist against a local HTTP server: mirrors, checksums, a clean cache, progress."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from mnist_core import settings
from mnist_core.data import download, mnist_files
from mnist_core.data.datasets import load_mnist, mnist_files_in
from mnist_core.errors import DownloadError
from mnist_core.data.idx import write_idx

NAMES = [f.gz for f in mnist_files.FILES]


class _Server:
    """Serves ``/<mirror>/<file>`` from ``root/<mirror>/``; special mirrors misbehave."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, mirror: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/{mirror}/"

    def mirror(self, name: str, files: dict[str, bytes] | Path | None = None) -> str:
        """Create mirror ``name`` holding ``files`` (a dict or a folder to copy), give its URL."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(files, Path):
            for name_ in NAMES:
                shutil.copy(files / name_, folder / name_)
        else:
            for file_name, content in (files or {}).items():
                (folder / file_name).write_bytes(content)
        return self.url(name)

    def count(self, mirror: str | None = None) -> int:
        with self.lock:
            return sum(1 for r in self.requests if mirror is None or r.startswith(f"/{mirror}/"))

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                with server.lock:
                    server.requests.append(self.path)
                mirror, _, file_name = self.path.strip("/").partition("/")
                if mirror == "error500":
                    self.send_error(500)
                    return
                if mirror == "slow":
                    time.sleep(1.0)
                path = server.root / mirror / file_name
                if not file_name or "/" in file_name or not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                # "cut" announces more than it sends, like a connection dropped mid-file
                self.send_header("Content-Length", str(len(data) + (1000 if mirror == "cut" else 0)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def server(tmp_path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("MNIST_MIRRORS", raising=False)
    srv = _Server(tmp_path / "www")
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL nothing listens on: bind a port, then release it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def _idx_gz(array: np.ndarray, tmp: Path) -> bytes:
    path = tmp / "x.gz"
    write_idx(path, array)
    return path.read_bytes()


@pytest.fixture
def small(tmp_path, monkeypatch) -> dict[str, bytes]:
    """Four small valid IDX .gz files, with the checksum table patched to match them.

    Train images are random (incompressible, ~190 KB) so progress needs several chunks.
    """
    rng = np.random.default_rng(1)
    tmp = tmp_path / "gen"
    tmp.mkdir()
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (240, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 240, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 6, dtype=np.uint8),
    }
    files = {name: _idx_gz(arr, tmp) for name, arr in arrays.items()}
    table = {name: hashlib.sha256(gzip.decompress(data)).hexdigest() for name, data in files.items()}
    monkeypatch.setattr(mnist_files, "FILES", tuple(dataclasses.replace(f, sha256=table[f.gz])
                                                    for f in mnist_files.FILES))
    return files


def _corrupt(files: dict[str, bytes]) -> dict[str, bytes]:
    """Valid gzip with the wrong content for one file, broken gzip for the others."""
    out = {name: data[: len(data) // 2] for name, data in files.items()}
    out[NAMES[0]] = gzip.compress(gzip.decompress(files[NAMES[0]])[:-1] + b"\x01")
    return out


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_small_download_succeeds(server, small, tmp_path):
    cache = tmp_path / "cache" / "deep"
    assert download.fetch_mnist(cache, mirrors=[server.mirror("good", small)]) == cache
    assert _listing(cache) == sorted(NAMES)
    assert mnist_files_in(cache) is not None
    assert download.verify_mnist(cache) == []
    assert server.count() == 4


def test_bad_mirror_then_good_mirror(server, small, tmp_path):
    cache = tmp_path / "cache"
    bad, good = server.mirror("bad", _corrupt(small)), server.mirror("good", small)
    download.fetch_mnist(cache, mirrors=[bad, good])
    assert _listing(cache) == sorted(NAMES)  # no .part file, no bad file
    for name in NAMES:
        assert (cache / name).read_bytes() == small[name]
    assert server.count("bad") == 4 and server.count("good") == 4


def test_all_mirrors_fail(server, small, tmp_path, closed_port_url):
    cache = tmp_path / "cache"
    mirrors = [server.mirror("bad", _corrupt(small)), server.mirror("empty"),
               server.url("error500"), closed_port_url, "ftp://example.invalid/"]
    with pytest.raises(DownloadError) as info:
        download.fetch_mnist(cache, mirrors=mirrors)
    msg = str(info.value)
    assert NAMES[0] in msg
    assert f"{mirrors[0]} (checksum mismatch)" in msg
    assert f"{mirrors[1]} (HTTP 404)" in msg
    assert f"{mirrors[2]} (HTTP 500)" in msg
    assert f"{closed_port_url} (unreachable)" in msg
    assert "ftp://example.invalid/ (invalid URL)" in msg
    assert msg.count(".") >= 1 and "\n" not in msg
    assert _listing(cache) == []


def test_interrupted_transfer_and_timeout_fall_through(server, small, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "DOWNLOAD_TIMEOUT", 0.3)
    cache = tmp_path / "cache"
    cut, slow = server.mirror("cut", small), server.mirror("slow", small)
    with pytest.raises(DownloadError) as info:
        download.fetch_mnist(cache, mirrors=[cut, slow])
    assert f"{cut} (transfer interrupted), {slow} (timed out);" in str(info.value)
    assert _listing(cache) == []


def test_unreachable_mirror_is_skipped(server, small, tmp_path, closed_port_url):
    cache = tmp_path / "cache"
    download.fetch_mnist(cache, mirrors=[closed_port_url, server.mirror("good", small)])
    assert download.verify_mnist(cache) == []


def test_env_mirrors_are_honoured(server, small, tmp_path, monkeypatch, closed_port_url):
    good = server.mirror("good", small)
    monkeypatch.setenv("MNIST_MIRRORS", f" {closed_port_url} ,{good.rstrip('/')}, ")
    assert download.mirror_list() == [closed_port_url, good.rstrip("/")]
    download.fetch_mnist(tmp_path / "cache")
    assert server.count("good") == 4
    # an explicit argument beats the environment
    other = server.mirror("other", small)
    download.fetch_mnist(tmp_path / "cache2", mirrors=[other])
    assert server.count("good") == 4 and server.count("other") == 4


def test_default_mirrors_without_env(monkeypatch):
    monkeypatch.delenv("MNIST_MIRRORS", raising=False)
    assert download.mirror_list() == download.DEFAULT_MIRRORS
    assert download.mirror_list() is not download.DEFAULT_MIRRORS


def test_verified_files_are_not_downloaded_again(server, small, tmp_path):
    cache = tmp_path / "cache"
    good = server.mirror("good", small)
    download.fetch_mnist(cache, mirrors=[good])
    assert server.count() == 4
    download.fetch_mnist(cache, mirrors=[good])
    assert server.count() == 4
    # a damaged file is replaced, and only it is fetched
    (cache / NAMES[1]).write_bytes(b"garbage")
    download.fetch_mnist(cache, mirrors=[good])
    assert server.count() == 5 and server.requests[-1].endswith(NAMES[1])
    assert download.verify_mnist(cache) == []


def test_bad_plain_copy_is_removed_so_it_cannot_shadow(server, small, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    plain = cache / NAMES[0].removesuffix(".gz")
    plain.write_bytes(b"\x00\x00\x08\x03 not mnist")
    assert any("corrupted" in p and plain.name in p for p in download.verify_mnist(cache))
    download.fetch_mnist(cache, mirrors=[server.mirror("good", small)])
    assert not plain.exists()
    assert download.verify_mnist(cache) == []


def test_verify_reports_missing_and_corrupted(small, tmp_path):
    for name in NAMES[:3]:
        (tmp_path / name).write_bytes(small[name])
    (tmp_path / NAMES[0]).write_bytes(small[NAMES[1]])
    problems = download.verify_mnist(tmp_path)
    assert len(problems) == 2
    assert NAMES[0] in problems[0] and "checksum mismatch" in problems[0]
    assert NAMES[3] in problems[1] and "missing" in problems[1]


def test_on_progress_grows(server, small, tmp_path):
    calls: list[tuple[str, int, int]] = []
    download.fetch_mnist(tmp_path / "cache", mirrors=[server.mirror("good", small)],
                         on_progress=lambda *a: calls.append(a))
    assert {c[0] for c in calls} == set(NAMES)
    for name in NAMES:
        seen = [(done, total) for n, done, total in calls if n == name]
        dones = [d for d, _ in seen]
        assert dones == sorted(dones) and len(set(dones)) == len(dones)
        assert {t for _, t in seen} == {len(small[name])}
        assert dones[-1] == len(small[name])
    assert len([c for c in calls if c[0] == NAMES[0]]) >= 3  # ~190 KB in 64 KB chunks


def test_progress_bar_on_stderr(server, small, tmp_path, capsys):
    download.fetch_mnist(tmp_path / "cache", mirrors=[server.mirror("good", small)], progress=True)
    assert "100%" in capsys.readouterr().err


def test_interrupt_leaves_no_partial_file(server, small, tmp_path):
    cache = tmp_path / "cache"

    def stop(name, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download.fetch_mnist(cache, mirrors=[server.mirror("good", small)], on_progress=stop)
    assert _listing(cache) == []


def test_load_mnist_download_into_cache(server, small, tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MNIST_MIRRORS", server.mirror("good", small))
    ds = load_mnist(download=True)
    assert ds.x_train.shape == (240, 28, 28) and ds.y_test.shape == (6,)
    assert ds.source == str(tmp_path / "cache")


def test_real_mnist_from_local_mirror(server, tmp_path):
    """The real four files and the real checksum table, through the whole download path."""
    data_dir = os.environ.get("MNIST_DATA_DIR")
    if not data_dir or not all((Path(data_dir) / n).is_file() for n in NAMES):
        pytest.skip("MNIST_DATA_DIR is not set to a folder holding the four MNIST .gz files")
    cache = tmp_path / "cache"
    calls: list[tuple[str, int, int]] = []
    download.fetch_mnist(cache, mirrors=[server.mirror("mnist", Path(data_dir))],
                         on_progress=lambda *a: calls.append(a))
    assert _listing(cache) == sorted(NAMES)
    assert download.verify_mnist(cache) == []
    train = [done for name, done, _ in calls if name == "train-images-idx3-ubyte.gz"]
    assert train[-1] == (Path(data_dir) / "train-images-idx3-ubyte.gz").stat().st_size
    assert train == sorted(train) and len(train) > 100


def test_progress_uses_tqdm_when_installed(server, small, tmp_path, monkeypatch):
    import sys
    import types

    bars = []

    class FakeTqdm:
        def __init__(self, **kwargs):
            self.n, self.total, self.closed = 0, None, False
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))
    download.fetch_mnist(tmp_path / "cache", mirrors=[server.mirror("good", small)], progress=True)
    assert len(bars) == 4 and all(b.closed for b in bars)
    assert sorted(b.n for b in bars) == sorted(len(d) for d in small.values())
    assert all(b.total == b.n for b in bars)
