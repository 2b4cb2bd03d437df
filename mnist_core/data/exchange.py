"""The handwriting's files: MNIST's four IDX files and the tutorial's CSV, written and
read back (see :mod:`.handwriting` for where the drawings live).

Export: every 5th drawing (the 5th, 10th, ...) goes to the t10k test pair, the others
to the train pair, each in saved order; importing such a pair puts them back in their
places, so export then import gives the same images and labels in the same order.
An import checks everything (magic numbers, 28x28, counts, labels 0-9, truncated
files, CSV fields) before it stores anything, and says what is wrong in one sentence.
"""
from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import IdxError
from ..settings import MAX_IMPORT_BYTES
from .csv_digits import read_csv_bytes, write_csv
from .handwriting import HandwritingError
from .idx import idx_bytes, parse_idx
from .mnist_files import SPLITS, pair, which

#: Every TEST_EVERY-th drawing goes to the exported test pair.
TEST_EVERY = 5
#: The tutorial's CSV, as exported (one reader and writer: :mod:`.csv_digits`).
export_csv = write_csv


def _test_mask(n: int) -> np.ndarray:
    return np.arange(n) % TEST_EVERY == TEST_EVERY - 1


def export_idx(images: np.ndarray, labels: np.ndarray) -> dict[str, bytes]:
    """The four MNIST files (gzipped, reproducible to the byte): every 5th image in the test pair."""
    test = _test_mask(len(images))
    files = {}
    for split, keep in (("train", ~test), ("test", test)):
        for file, array in zip(pair(split), (images[keep], labels[keep])):
            files[file.gz] = gzip.compress(idx_bytes(array), compresslevel=9, mtime=0)
    return files


def export_zip(images: np.ndarray, labels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in export_idx(images, labels).items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


# -- import ------------------------------------------------------------------------------
def _gunzip(name: str, data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_IMPORT_BYTES + 1)
    except zlib.error:
        raise IdxError("{name}: the gzip data is corrupted.", name=name) from None
    if len(out) > MAX_IMPORT_BYTES:
        raise IdxError("{name}: too large for a set of handwritten digits.", name=name)
    if not inflater.eof:
        raise IdxError("{name}: the gzip file is truncated.", name=name)
    return out


def _role(name: str) -> str | None:
    """Which of the four files ``name`` is (``train-images`` ... ``test-labels``), from its name."""
    file = which(name)
    return file.key if file else None


def _pair(images_file: tuple[str, bytes] | None, labels_file: tuple[str, bytes] | None) -> tuple[np.ndarray, np.ndarray]:
    if images_file is None or labels_file is None:
        if labels_file is None:
            raise HandwritingError("{name} came without its labels file: import images and labels together.",
                                   name=images_file[0])
        raise HandwritingError("{name} came without its images file: import images and labels together.",
                               name=labels_file[0])
    (img_name, img), (lab_name, lab) = images_file, labels_file
    images, labels = parse_idx(_gunzip(img_name, img), img_name, 3), parse_idx(_gunzip(lab_name, lab), lab_name, 1)
    if images.shape[1:] != (28, 28):
        raise IdxError("{name} holds {height}x{width} images: MNIST's are 28x28.", name=img_name,
                       height=images.shape[1], width=images.shape[2])
    if len(images) != len(labels):
        raise IdxError("{images_file} holds {images:,} images but {labels_file} holds {labels:,} labels: "
                       "the files do not belong together.", images_file=img_name, images=len(images),
                       labels_file=lab_name, labels=len(labels))
    if labels.size and labels.max() > 9:
        raise IdxError("{name}: label {label} is not a digit 0-9.", name=lab_name, label=int(labels.max()))
    return images, labels


def read_idx_files(files: list[tuple[str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """MNIST IDX files (plain or gzipped, told apart by their names) -> checked images
    and labels; both pairs from :func:`export_idx` are put back in their order."""
    found: dict[str, tuple[str, bytes]] = {}
    for name, data in files:
        role = _role(name)
        if role is None:
            raise HandwritingError("{name}: not one of MNIST's four file names (train-images, train-labels, "
                                   "t10k-images, t10k-labels).", name=name)
        if role in found:
            raise HandwritingError("Two files are {role}: {first} and {name}.", role=role, first=found[role][0],
                                   name=name)
        found[role] = (name, data)
    pairs = {split: _pair(found.get(f"{split}-images"), found.get(f"{split}-labels"))
             for split in SPLITS if f"{split}-images" in found or f"{split}-labels" in found}
    empty = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    (x_tr, y_tr), (x_te, y_te) = pairs.get("train", empty), pairs.get("test", empty)
    n = len(x_tr) + len(x_te)
    test = _test_mask(n) if len(x_te) == n // TEST_EVERY and len(x_tr) else np.arange(n) >= len(x_tr)
    images, labels = np.zeros((n, 28, 28), np.uint8), np.zeros(n, np.uint8)
    images[~test], labels[~test], images[test], labels[test] = x_tr, y_tr, x_te, y_te
    return images, labels


def inflate_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """One zip member's bytes, read with a bound: at most :data:`~mnist_core.settings.MAX_IMPORT_BYTES`
    leave the inflater, whatever the zip's directory says.  (``ZipFile.read`` inflates a
    member's whole compressed data in one call: a 1.9 MB zip whose directory understates
    its member took 2 GB before its CRC was checked.)  More than the bound: a sentence."""
    expected = min(info.file_size, MAX_IMPORT_BYTES)
    with zf.open(info) as member:  # read(n) inflates at most n bytes a step; the CRC is checked at the end
        data = member.read(expected + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise HandwritingError("{name}: too large for a set of handwritten digits.", name=name)
    return data


def read_upload(files: list[tuple[str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """What a person uploads -- one CSV (:func:`.csv_digits.read_csv_bytes`: a header line
    is skipped), one zip of the IDX files, or the IDX files themselves -- -> checked
    images and labels, or a :class:`MnistError` sentence."""
    if not files:
        raise HandwritingError("Choose a file to import first.")
    if len(files) == 1 and (files[0][0].lower().endswith(".csv") or (
            _role(files[0][0]) is None and files[0][1][:2] not in (b"\x1f\x8b", b"PK"))):
        return read_csv_bytes(*files[0])
    if len(files) == 1 and files[0][1][:4] == b"PK\x03\x04":
        name, data = files[0]
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [i for i in zf.infolist() if not i.is_dir() and _role(i.filename)]
                if sum(i.file_size for i in members) > 4 * MAX_IMPORT_BYTES:
                    raise HandwritingError("{name}: too large for a set of handwritten digits.", name=name)
                files = [(Path(i.filename).name, inflate_member(zf, i, name)) for i in members]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise HandwritingError("{name}: the zip file is damaged or truncated.", name=name) from None
        if not files:
            raise HandwritingError("{name} holds none of MNIST's four IDX files.", name=name)
    if any(n.lower().endswith(".csv") for n, _ in files):
        raise HandwritingError("Import one CSV file by itself, or the IDX files without a CSV.")
    return read_idx_files(files)
