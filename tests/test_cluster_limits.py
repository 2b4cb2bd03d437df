"""Issue 21, the parts about one pupil's files: nothing they send costs the web server
gigabytes (a zip whose directory lies, a huge picture), and a lost worker is one sentence."""
from __future__ import annotations

import io
import struct
import tracemalloc
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
