"""Issue 21, the parts about one pupil's files: nothing they send costs the web server
gigabytes (a zip whose directory lies, a huge picture), and a lost worker is one sentence."""
from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import numpy as np
import zipfile

import pytest

from mnist_core.data.exchange import read_upload
from mnist_core.errors import MnistError, sentence


def _lying_zip(inflated: int, claimed: int) -> bytes:
    """A zip of one IDX-named member of ``inflated`` zero bytes whose central directory
    says it holds ``claimed`` bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("train-images-idx3-ubyte", "w") as member:
            chunk = bytes(2**20)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    data = bytearray(buf.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", claimed)  # uncompressed size, as the directory says
    return bytes(data)


def test_a_zip_whose_directory_understates_its_member_is_inflated_only_as_far_as_it_says():
    bomb = _lying_zip(256 * 2**20, 1000)
    assert len(bomb) < 2**20  # a small upload
    tracemalloc.start()
    try:
        with pytest.raises(MnistError) as caught:
            read_upload([("lying.zip", bomb)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "damaged or truncated" in str(caught.value)
    assert peak < 32 * 2**20, f"{peak / 2**20:.0f} MiB inflated for a member that says 1000 bytes"


class KilledWorker(Exception):
    """Dask's class of that name, as the scheduler raises it (matched by name and package)."""


class FutureCancelledError(Exception):
    pass


KilledWorker.__module__ = "distributed.scheduler"
FutureCancelledError.__module__ = "distributed.client"


def test_a_lost_worker_is_one_sentence_in_both_languages():
    from distributed.client import FutureCancelledError as RealCancelled
    from distributed.scheduler import KilledWorker as RealKilled

    killed = RealKilled("train-abc", "tcp://127.0.0.1:37121", "see https://distributed.dask.org/...")
    cancelled = RealCancelled("train-abc", "already forgotten")
    for err, says in ((killed, "ran out of memory or crashed"), (KilledWorker("x"), "ran out of memory"),
                      (cancelled, "The run was lost"), (FutureCancelledError(), "The run was lost")):
        english, japanese = sentence(err), sentence(err, "ja")
        assert says in english
        for operator_text in ("tcp://", "dask.org", "forgotten", "KilledWorker", "Something unexpected"):
            assert operator_text not in english
        assert japanese != english and not any(c.isascii() and c.isalpha() for c in japanese)


def test_an_exception_only_named_like_dasks_is_not_mistaken_for_it():
    class KilledWorker(Exception):  # noqa: N818 -- someone else's class of the same name
        pass

    assert "Something unexpected" in sentence(KilledWorker("boom"))


# -- pictures ----------------------------------------------------------------------------

def _digit_png(path, width: int, height: int, mode: str = "RGBA"):
    """A one drawn on a large transparent (RGBA) or white (RGB) page: a small PNG file."""
    from PIL import Image, ImageDraw

    page = Image.new(mode, (width, height), (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    ink = (255, 255, 255, 255) if mode == "RGBA" else (0, 0, 0)
    ImageDraw.Draw(page).line([(width // 2, height // 6), (width // 2, height * 5 // 6)], fill=ink,
                              width=width // 20)
    page.save(path, optimize=True)
    return path


def _peak_growth_mib(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter (the studio's modules imported first); its peak
    RSS growth in MiB and what it printed."""
    import subprocess
    import sys

    from conftest import ROOT

    wrapper = ("import resource\nimport numpy as np\nfrom mnist_core.data import load_image\n"
               "from mnist_core.data.preprocess import ink_map, prepare_ink\n"
               "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
               f"try:\n    {code}\nexcept Exception as err:\n    print(err)\n"
               "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout.strip().splitlines()
    return float(out[-1]), "\n".join(out[:-1])


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_the_largest_accepted_picture_is_read_small_in_under_64_mib(tmp_path, mode):
    from mnist_core import settings

    side = settings.MAX_IMAGE_SIDE
    big = _digit_png(tmp_path / "big.png", side, settings.MAX_IMAGE_PIXELS // side, mode)
    assert big.stat().st_size < 200_000
    growth, said = _peak_growth_mib(f"img = load_image({str(big)!r}); print(max(img.shape[:2])); "
                                    "print(prepare_ink(ink_map(img)).shape)")
    longest, seen = said.splitlines()
    assert int(longest) <= settings.IMAGE_WORK_SIDE and seen == "(28, 28)", said
    assert growth <= 64, f"{growth:.0f} MiB to read a {side}x{settings.MAX_IMAGE_PIXELS // side} PNG"


def test_a_large_picture_reads_as_the_same_digit_as_its_small_copy(tmp_path):
    from mnist_core.data import load_image
    from mnist_core.data.preprocess import ink_map, prepare_ink

    big = load_image(_digit_png(tmp_path / "big.png", 3000, 3000))
    small = load_image(_digit_png(tmp_path / "small.png", 300, 300))
    assert big.shape == (1000, 1000, 4)  # 3000 / 3: a whole factor
    assert np.abs(prepare_ink(ink_map(big)) - prepare_ink(ink_map(small))).mean() < 0.05


def test_pictures_over_either_limit_are_too_large_with_the_limit(tmp_path):
    from PIL import Image

    from mnist_core.data import load_image
    from mnist_core.errors import ImageError

    Image.new("L", (4096, 3906), 255).save(tmp_path / "wide.png")  # the review's 56 KB picture's size
    with pytest.raises(ImageError, match=r"4096x3906 pixels: too large .*at most 4096 pixels a side and 13 megapixels"):
        load_image(tmp_path / "wide.png")
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)  # past Pillow's own bomb limit
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 20001)) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match=r"too large for a picture of one digit \(at most 4096 pixels a side"):
        load_image(bomb)
    with pytest.raises(ImageError) as caught:
        load_image(bomb)
    assert "ピクセル" in sentence(caught.value, "ja")
