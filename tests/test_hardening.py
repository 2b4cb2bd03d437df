"""A classroom can't break it: image and model-file bombs, bad metadata, markdown in
files, concurrent saves, writers killed mid-write, a tampered MNIST file."""
from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from mnist_core.data import load_image
from mnist_core.errors import ImageError, ModelFileError
from mnist_core.models import build_model
from mnist_core.storage import ModelStore, load_model, model_metadata, save_model

SCRIPT_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def big_png(path: Path, width: int, height: int) -> Path:
    """A valid grey PNG of width x height black pixels, written row by row (tiny on disk)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    packer, row = zlib.compressobj(9), b"\x00" * (width + 1)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def peak_growth_mib(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its peak RSS growth (MiB) and its output."""
    wrapper = ("import resource, sys\nfrom mnist_core.data import load_image\nfrom mnist_core.storage import load_model\n"
               "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
               f"try:\n    {code}\n    print('loaded')\nexcept Exception as err:\n    print(err)\n"
               "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, env=SCRIPT_ENV,
                         timeout=120).stdout.strip().splitlines()
    return float(out[-1]), "\n".join(out[:-1])


# -- images ---------------------------------------------------------------------------

def test_an_image_bomb_is_refused_before_decoding(tmp_path):
    bomb = big_png(tmp_path / "bomb.png", 13000, 13000)
    assert bomb.stat().st_size < 300_000
    growth, said = peak_growth_mib(f"load_image({str(bomb)!r})")
    assert "13000x13000 pixels: too large" in said and growth <= 50


def test_images_are_read_by_content_and_animations_by_their_first_frame(tmp_path):
    first, second = Image.new("L", (40, 40), 0), Image.new("L", (40, 40), 255)
    first.save(tmp_path / "anim.gif", save_all=True, append_images=[second])
    assert load_image(tmp_path / "anim.gif")[..., 0].max() == 0  # the first frame only
    Image.new("RGB", (30, 30)).save(tmp_path / "picture.txt", format="PNG")  # a PNG, whatever its name
    assert load_image(tmp_path / "picture.txt").shape == (30, 30, 4)
    Image.new("RGB", (30, 30)).save(tmp_path / "scan.png", format="TIFF")  # a TIFF named .png
    with pytest.raises(ImageError, match="PNG, JPEG, GIF, WebP or BMP"):
        load_image(tmp_path / "scan.png")


def test_the_cli_refuses_an_image_bomb_in_one_line(tmp_path, capsys):
    from mnist_core.cli import main

    model = save_model(build_model("classic", n_inputs=64, hidden=8), tmp_path / "m.npz")
    assert main(["predict", "--model", str(model), str(big_png(tmp_path / "bomb.png", 5000, 10))]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "too large for a picture of one digit" in err[0]


# -- model files ----------------------------------------------------------------------

def rewrite(path: Path, out: Path, arrays: dict | None = None, meta: dict | None = None,
            raw_meta: bytes | None = None, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of a model file with some arrays, the metadata, or raw zip entries replaced."""
    with np.load(path, allow_pickle=False) as f:
        stored = {k: f[k] for k in f.files}
    stored.update(arrays or {})
    if meta is not None or raw_meta is not None:
        payload = raw_meta if raw_meta is not None else json.dumps(meta).encode()
        stored["__meta__.json"] = np.frombuffer(payload, np.uint8)
    np.savez_compressed(out, **stored)
    if extra:
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
            for name, data in extra.items():
                zf.writestr(name, data)
    return out


@pytest.fixture
def good(tmp_path) -> Path:
    model = build_model("classic", n_inputs=64, hidden=12)
    return save_model(model, tmp_path / "good.npz", {**model_metadata(model), "dataset": "digits",
                                                     "test_accuracy": 0.5})


def npy_bytes(shape: tuple, body: bytes = b"") -> bytes:
    """An .npy header announcing float32 ``shape``, followed by ``body``."""
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buf.getvalue() + body


def test_a_huge_claimed_model_costs_nothing_to_refuse(good, tmp_path):
    meta = json.loads(np.load(good)["__meta__.json"].tobytes())
    meta["hyperparameters"].update(n_inputs=50000, hidden=10000)
    bad = rewrite(good, tmp_path / "huge.npz", meta=meta)
    growth, said = peak_growth_mib(f"load_model({str(bad)!r})")
    assert "do not fit" in said and growth <= 50


def test_zip_and_metadata_bombs_are_refused(good, tmp_path):
    with np.load(good) as f:
        w_ih = f["w_ih"]
    padded = npy_bytes(w_ih.shape, w_ih.tobytes() + bytes(50_000_000))  # 50 MB of zeros: ~50 KB packed
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, padded if info.filename == "w_ih.npy" else src.read(info))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ModelFileError, match="unpacks to more than its shape holds"):
        load_model(bomb)
    meta = json.loads(np.load(good)["__meta__.json"].tobytes())
    meta["hyperparameters"].update(n_inputs=10000, hidden=10000)
    claimed = tmp_path / "claimed.npz"  # headers for 400 MB of weights, and no data
    with zipfile.ZipFile(claimed, "w") as zf:
        zf.writestr("__meta__.json.npy", _npy_of(json.dumps(meta).encode()))
        zf.writestr("w_ih.npy", npy_bytes((10000, 10000)))
        zf.writestr("w_ho.npy", npy_bytes((10, 10000)))
    with pytest.raises(ModelFileError, match="more than the 256 MiB"):
        load_model(claimed)
    big_meta = {**meta, "notes": ["x" * 400] * 10, "curve": [{"loss": 0.5}] * 100_000}
    with pytest.raises(ModelFileError, match="more than the 256 KiB"):
        load_model(rewrite(good, tmp_path / "fat.npz", meta=big_meta))


def _npy_of(payload: bytes) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.frombuffer(payload, np.uint8))
    return buf.getvalue()


BAD_METADATA = [
    ("format_version", "2", "format_version"), ("format_version", None, "format_version"),
    ("created", 5, "created"), ("created", "![x](http://example.invalid/x.png)", "created"),
    ("image_shape", [28], "image_shape"), ("test_accuracy", "high", "test_accuracy"),
    ("history", [{"loss": {"a": {"b": 1}}}], "history"),
]


@pytest.mark.parametrize("key, value, words", BAD_METADATA)
def test_metadata_breaking_the_schema_is_refused_with_its_reason(good, tmp_path, key, value, words):
    meta = {**json.loads(np.load(good)["__meta__.json"].tobytes()), key: value}
    with pytest.raises(ModelFileError, match=words):
        load_model(rewrite(good, tmp_path / "bad.npz", meta=meta))


def test_deeply_nested_metadata_is_refused(good, tmp_path):
    nested = b'{"format": "mnist-studio-model", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ModelFileError, match="corrupted|more than"):
        load_model(rewrite(good, tmp_path / "deep.npz", raw_meta=nested))


def test_unexpected_arrays_are_refused(good, tmp_path):
    with pytest.raises(ModelFileError, match="does not have"):
        load_model(rewrite(good, tmp_path / "extra.npz", arrays={"payload": np.zeros(3)}))


# -- saving ---------------------------------------------------------------------------

SAVER = """
import sys
from mnist_core.models import build_model
from mnist_core.storage import ModelStore
store, model = ModelStore(sys.argv[1]), build_model("classic", n_inputs=64, hidden=8)
for _ in range(int(sys.argv[2])):
    store.save(model)
"""


def test_two_processes_saving_at_once_keep_every_model(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, str(tmp_path), "20"], env=SCRIPT_ENV) for _ in range(2)]
    assert [p.wait(120) for p in procs] == [0, 0]
    assert len(ModelStore(tmp_path).list()) == 40
    assert not list(tmp_path.glob(".*"))


def kill_while_writing(proc: subprocess.Popen, folder: Path, after: str = "") -> None:
    """SIGKILL ``proc`` while it writes: once a file matching ``after`` exists (if given),
    as soon as a temporary ``.part`` file is seen twice, 50 ms apart (so not one that
    is being removed at that very moment)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        parts = set(folder.glob(".*.part")) if not after or list(folder.glob(after)) else set()
        if parts:
            time.sleep(0.05)
            if parts & set(folder.glob(".*.part")):
                break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


SLOW_DISK = "import os, time\n_fsync = os.fsync\nos.fsync = lambda fd: (time.sleep(0.5), _fsync(fd))\n"


def test_a_writer_killed_mid_save_leaves_a_consistent_store(tmp_path):
    """A slow disk (each fsync takes half a second) so the kill lands mid-save."""
    proc = subprocess.Popen([sys.executable, "-c", SLOW_DISK + SAVER, str(tmp_path), "1000"], env=SCRIPT_ENV)
    kill_while_writing(proc, tmp_path, after="*.npz")
    assert list(tmp_path.glob(".*.part"))  # what the killed writer left
    records = ModelStore(tmp_path).list()  # the next start
    assert records and all(r.error is None for r in records)
    assert not list(tmp_path.glob(".*.part"))


def test_a_download_killed_mid_transfer_leaves_a_clean_cache(tmp_path):
    class Trickle(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            try:
                for _ in range(10_000):
                    self.wfile.write(b"\x00" * 1000)
                    time.sleep(0.01)
            except OSError:
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cache = tmp_path / "cache"
    code = ("from mnist_core.data.download import fetch_mnist\n"
            f"fetch_mnist({str(cache)!r}, mirrors=['http://127.0.0.1:{server.server_port}/'])")
    proc = subprocess.Popen([sys.executable, "-c", code], env=SCRIPT_ENV)
    kill_while_writing(proc, cache)
    server.shutdown()
    assert list(cache.glob(".*.part"))  # what the killed download left
    from mnist_core.data.download import fetch_mnist
    from mnist_core.errors import DownloadError

    with pytest.raises(DownloadError):  # the next start: no mirror answers, but the cache is cleaned
        fetch_mnist(cache, mirrors=["http://127.0.0.1:9/"])
    assert not list(cache.glob(".*.part")) and not list(cache.glob("*ubyte*"))


# -- the dataset ----------------------------------------------------------------------

def test_a_tampered_mnist_file_of_the_right_size_is_refused(tmp_path):
    from conftest import require_mnist
    from mnist_core.data import load_mnist
    from mnist_core.data.idx import read_idx, write_idx
    from mnist_core.errors import IdxError

    source = require_mnist()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        (tmp_path / name).symlink_to(source / name)
    labels = read_idx(source / "t10k-labels-idx1-ubyte.gz")
    labels[:6000] = (labels[:6000] + 1) % 10
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    with pytest.raises(IdxError, match="t10k-labels-idx1-ubyte.gz .* is not the published MNIST file"):
        load_mnist(tmp_path)


def test_a_metadata_header_that_lies_about_its_size_is_refused(good, tmp_path):
    lying = tmp_path / "lying.npz"  # a tiny entry whose .npy header claims 32 TiB of bytes
    header = npy_bytes((2**45,)).replace(b"<f4", b"|u1")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(lying, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, header + b"{}" if info.filename == "__meta__.json.npy" else src.read(info))
    with pytest.raises(ModelFileError, match="metadata is corrupted"):
        load_model(lying)
    assert ModelStore(tmp_path).list()  # listed (as unreadable), never a MemoryError


def test_a_long_run_saves_a_model_that_loads(digits, tmp_path):
    from mnist_core.training import TrainConfig, train_model

    result = train_model("classic", digits, {"hidden": 8}, TrainConfig(epochs=80, batch_size=64))
    assert len(result.history.batches) > 1000 >= len(result.meta["curve"])  # the file keeps a thinned curve
    record = ModelStore(tmp_path).save(result.model, result.meta)
    assert load_model(record.path)[1]["curve"][-1] == result.history.batches[-1]
