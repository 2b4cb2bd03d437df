"""LeCun's four MNIST files, in one table: their names, what each holds, its size and checksum.

The finder and reader (:mod:`.datasets`), the downloader (:mod:`.download`) and the
handwriting's export and import (:mod:`.exchange`) all read this table, so the names
and checksums are written once.  :func:`sha256_of` is here too: a file is the real
MNIST one when its content hashes to :attr:`MnistFile.sha256`.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MnistFile:
    """One of the four: ``split`` train or test, ``role`` images or labels, ``stem`` the
    plain file name, ``size`` its content's bytes, ``sha256`` its content's checksum."""

    split: str
    role: str
    stem: str
    size: int
    sha256: str

    @property
    def gz(self) -> str:
        """The name as published and cached: ``train-images-idx3-ubyte.gz``."""
        return self.stem + ".gz"

    @property
    def key(self) -> str:
        """``train-images`` ... ``test-labels`` (t10k is the test split)."""
        return f"{self.split}-{self.role}"


#: Images before labels, train before test (the order they are downloaded in).
FILES = (
    MnistFile("train", "images", "train-images-idx3-ubyte", 47_040_016,
              "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    MnistFile("train", "labels", "train-labels-idx1-ubyte", 60_008,
              "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    MnistFile("test", "images", "t10k-images-idx3-ubyte", 7_840_016,
              "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    MnistFile("test", "labels", "t10k-labels-idx1-ubyte", 10_008,
              "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
)
SPLITS = ("train", "test")


def pair(split: str) -> tuple[MnistFile, MnistFile]:
    """(images, labels) of ``split``."""
    images, labels = (f for f in FILES if f.split == split)
    return images, labels


def by_stem(stem: str) -> MnistFile:
    return next(f for f in FILES if f.stem == stem)


def which(name: str) -> MnistFile | None:
    """The file a name (any folder, any case, plain or .gz, ``t10k`` or ``test``) stands for, or None."""
    low = Path(name).name.lower().replace("t10k-", "test-")
    return next((f for f in FILES if f.key in low), None)


def is_gzip(path: Path) -> bool:
    """By the magic bytes, as :mod:`.idx` decides (a server sending ``Content-Encoding: gzip``
    makes requests hand over the already gunzipped IDX)."""
    with path.open("rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


def sha256_of(path: Path) -> str | None:
    """SHA-256 of the content (gunzipped if gzip), or None if unreadable or bad gzip.
    Streamed, so the 47 MB training images never sit in memory at once."""
    digest = hashlib.sha256()
    try:
        with (gzip.open(path, "rb") if is_gzip(path) else path.open("rb")) as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
        return None
    return digest.hexdigest()


def content_size(path: Path) -> int:
    """Bytes of the file's content: a gzip file's trailer says it (mod 2**32), so this reads 4 bytes."""
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return path.stat().st_size
        fh.seek(-4, os.SEEK_END)
        return int.from_bytes(fh.read(4), "little")
