"""The user's own handwriting: digits saved from the Draw page (or imported), kept in
their workspace, exported as MNIST's four IDX files or the tutorial's CSV, imported back.

Where: ``MNIST_STUDIO_HOME/workspaces/WS/handwriting/``, beside the workspace's
``models``.  One small ``.npz`` per drawing (read without unpickling): the raw picture
as PNG bytes (the canvas's RGBA), the preprocessed 28x28 uint8 image (0-255, made
the way MNIST was), its label and when it was saved.  Each file is written atomically
under a name nobody else can take (the time in nanoseconds and a random part), so two
sessions of one workspace saving at once both keep their drawing.

Export: every 5th drawing (the 5th, 10th, ...) goes to the t10k test pair, the others
to the train pair, each in saved order; importing such a pair puts them back in their
places, so export then import gives the same images and labels in the same order.
An import checks everything (magic numbers, 28x28, counts, labels 0-9, truncated
files, CSV fields) before it stores anything, and says what is wrong in one sentence.
"""
from __future__ import annotations

import gzip
import io
import re
import secrets
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import EmptyImage, IdxError, MnistError
from ..files import atomic_write_bytes, remove_stale_parts
from .idx import parse_idx
from .preprocess import prepare

#: Most drawings one workspace keeps (an import that would pass it is refused).
MAX_DRAWINGS = 2000
#: A raw picture larger than this a side is shrunk before it is kept (the canvas is 280).
RAW_SIDE = 280
#: Every TEST_EVERY-th drawing goes to the exported test pair.
TEST_EVERY = 5
IDX_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
_MAX_CONTENT = 16 * 2**20  # decompressed bytes one imported file may hold
_ID = re.compile(r"[0-9a-f]{16}-[0-9a-f]{8}")


class HandwritingError(MnistError):
    """A drawing that cannot be kept, or a file that cannot be imported."""


@dataclass(frozen=True, eq=False)
class Drawing:
    """One saved digit: ``image`` (28, 28) uint8 0-255, ``raw_png`` the picture it came
    from (empty for imported images), ``created`` as ``2026-11-25T19:14:03+0000``."""

    id: str
    label: int
    image: np.ndarray
    created: str
    raw_png: bytes = b""

    def raw(self) -> np.ndarray | None:
        """The raw picture, uint8 RGBA (H, W, 4), or None for an imported image."""
        return np.asarray(Image.open(io.BytesIO(self.raw_png)).convert("RGBA")) if self.raw_png else None

    def seen_as(self, shape: tuple[int, int]) -> np.ndarray:
        """What a model of ``shape`` takes, (h, w) float32 in [0, 1]: the kept 28x28, or
        for other sizes (the 8x8 digits) the raw picture prepared that way."""
        if tuple(shape) == (28, 28):
            return self.image.astype(np.float32) / 255.0
        raw = self.raw()
        try:
            return prepare(raw if raw is not None else self.image, tuple(shape))
        except EmptyImage:  # an imported image with no ink: a blank input, not a failure
            return np.zeros(shape, np.float32)


def check_label(label: object) -> int:
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise HandwritingError(f"{label!r} is not a digit 0-9.")
    return int(label)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _png(picture: np.ndarray) -> bytes:
    img = Image.fromarray(np.ascontiguousarray(picture, np.uint8))
    if max(img.size) > RAW_SIDE:
        img.thumbnail((RAW_SIDE, RAW_SIDE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


class HandwritingStore:
    """A workspace's drawings: one file each in ``root``; listed in the order saved."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, drawing_id: str) -> Path:
        if not isinstance(drawing_id, str) or not _ID.fullmatch(drawing_id):
            raise HandwritingError(f"{drawing_id!r} names no drawing.")
        return self.root / f"{drawing_id}.npz"

    def ids(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.npz") if _ID.fullmatch(p.stem)) if self.root.is_dir() else []

    def stamp(self) -> tuple:
        """Changes whenever a drawing is added, changed or removed (a cache key)."""
        try:
            return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.root.glob("*.npz")))
        except OSError:  # a file went while we looked
            return (time.time(),)

    def _write(self, drawing: Drawing, exclusive: bool) -> Drawing:
        buf = io.BytesIO()
        np.savez(buf, image=drawing.image, label=np.uint8(drawing.label), created=np.str_(drawing.created),
                 raw_png=np.frombuffer(drawing.raw_png, np.uint8))
        atomic_write_bytes(self._path(drawing.id), buf.getvalue(), exclusive=exclusive)
        return drawing

    def _read(self, drawing_id: str) -> Drawing:
        try:
            with np.load(io.BytesIO(self._path(drawing_id).read_bytes()), allow_pickle=False) as f:
                image, label = f["image"], int(f["label"])
                created, raw = str(f["created"]), f["raw_png"].tobytes()
        except FileNotFoundError:
            raise HandwritingError("That drawing is gone (deleted in another window?).") from None
        except Exception as err:  # noqa: BLE001 -- any damage: the file is not a drawing
            raise HandwritingError(f"The drawing {drawing_id} cannot be read.") from err
        if image.shape != (28, 28) or image.dtype != np.uint8 or not 0 <= label <= 9:
            raise HandwritingError(f"The drawing {drawing_id} cannot be read.")
        image.flags.writeable = False
        return Drawing(drawing_id, label, image, created, raw)

    def list(self) -> list[Drawing]:
        """Every readable drawing, oldest first (a damaged file is left out)."""
        remove_stale_parts(self.root)
        drawings = []
        for drawing_id in self.ids():
            try:
                drawings.append(self._read(drawing_id))
            except HandwritingError:
                continue
        return drawings

    def _new_ids(self, count: int, replacing: int = 0) -> list[str]:
        """``count`` fresh names, in order; refused if the workspace would keep too many."""
        have = len(self.ids()) - replacing
        if have + count > MAX_DRAWINGS:
            raise HandwritingError(f"A workspace keeps at most {MAX_DRAWINGS:,} drawings: this one has {have:,} "
                                   f"and {count:,} more would not fit; delete some first.")
        base, tag = time.time_ns(), secrets.token_hex(4)
        return [f"{base + i:016x}-{tag}" for i in range(count)]

    def save(self, picture: np.ndarray, label: int) -> Drawing:
        """Keep a picture (the canvas's RGBA, any image :func:`prepare` reads) as a ``label``;
        a blank one raises EmptyImage."""
        label = check_label(label)
        image = np.clip(np.rint(prepare(np.asarray(picture), (28, 28)) * 255.0), 0, 255).astype(np.uint8)
        return self._write(Drawing(self._new_ids(1)[0], label, image, _now(), _png(picture)), exclusive=True)

    def add(self, images: np.ndarray, labels: np.ndarray, replace: bool = False) -> int:
        """Keep checked 28x28 uint8 images with their labels (an import), in order;
        ``replace``: the drawings kept before go once the new ones are stored."""
        images, labels = np.asarray(images), np.asarray(labels)
        if images.dtype != np.uint8 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1] \
                or (labels > 9).any():
            raise HandwritingError("Only 28x28 images of 0-255, each with a label 0-9, can be kept.")
        old = self.ids() if replace else []
        ids, created = self._new_ids(len(images), replacing=len(old)), _now()
        try:
            for drawing_id, image, label in zip(ids, images, labels):
                self._write(Drawing(drawing_id, int(label), image, created), exclusive=True)
        except BaseException:  # a full disk half-way: the import is undone, the old drawings stay
            for drawing_id in ids:
                self._path(drawing_id).unlink(missing_ok=True)
            raise
        for drawing_id in old:
            self._path(drawing_id).unlink(missing_ok=True)
        return len(ids)

    def relabel(self, drawing_id: str, label: int) -> Drawing:
        drawing = self._read(drawing_id)
        return self._write(Drawing(drawing.id, check_label(label), drawing.image, drawing.created, drawing.raw_png),
                           exclusive=False)

    def delete(self, drawing_id: str) -> None:
        self._path(drawing_id).unlink(missing_ok=True)


def workspace_handwriting(workspace: str) -> HandwritingStore:
    """The drawings of one workspace, beside its models."""
    from ..storage.store import workspace_store

    return HandwritingStore(workspace_store(workspace).root.parent / "handwriting")


def arrays(drawings: list[Drawing]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) uint8 images and (n,) uint8 labels, in order."""
    images = np.stack([d.image for d in drawings]) if drawings else np.zeros((0, 28, 28), np.uint8)
    return images, np.array([d.label for d in drawings], np.uint8)


def model_inputs(drawings: list[Drawing], shape: tuple[int, int]) -> np.ndarray:
    """(n, h, w) float32: what a model of ``shape`` reads from each drawing."""
    return np.stack([d.seen_as(shape) for d in drawings]).astype(np.float32) if drawings else \
        np.zeros((0, *shape), np.float32)


def training_arrays(drawings: list[Drawing], shape: tuple[int, int], pixel_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The drawings as a dataset of ``shape`` and ``pixel_max`` stores them (uint8, labels)."""
    images, labels = arrays(drawings)
    if tuple(shape) != (28, 28) or pixel_max != 255:
        images = np.rint(model_inputs(drawings, shape) * pixel_max).astype(np.uint8)
    return images, labels


# -- export ------------------------------------------------------------------------------
def idx_bytes(array: np.ndarray) -> bytes:
    array = np.ascontiguousarray(array, np.uint8)
    return struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def _test_mask(n: int) -> np.ndarray:
    return np.arange(n) % TEST_EVERY == TEST_EVERY - 1


def export_idx(images: np.ndarray, labels: np.ndarray) -> dict[str, bytes]:
    """The four MNIST files (gzipped, reproducible to the byte): every 5th image in the test pair."""
    test = _test_mask(len(images))
    files = {}
    for split, keep in (("train", ~test), ("test", test)):
        for name, array in zip(IDX_FILES[split], (images[keep], labels[keep])):
            files[name] = gzip.compress(idx_bytes(array), compresslevel=9, mtime=0)
    return files


def export_zip(images: np.ndarray, labels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in export_idx(images, labels).items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def export_csv(images: np.ndarray, labels: np.ndarray) -> bytes:
    """The tutorial's CSV: one line per image, the label then 784 pixels 0-255, no header."""
    table = np.column_stack([labels.astype(np.int64), images.reshape(len(images), -1)]) if len(images) else []
    return "".join(",".join(map(str, row.tolist())) + "\n" for row in table).encode("ascii")


# -- import ------------------------------------------------------------------------------
def _gunzip(name: str, data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, _MAX_CONTENT + 1)
    except zlib.error:
        raise IdxError(f"{name}: the gzip data is corrupted.") from None
    if len(out) > _MAX_CONTENT:
        raise IdxError(f"{name}: too large for a set of handwritten digits.")
    if not inflater.eof:
        raise IdxError(f"{name}: the gzip file is truncated.")
    return out


def _role(name: str) -> str | None:
    """Which of the four files ``name`` is (``train-images`` ... ``test-labels``), from its name."""
    low = Path(name).name.lower().replace("t10k-", "test-")
    return next((r for r in ("train-images", "train-labels", "test-images", "test-labels") if r in low), None)


def _pair(images_file: tuple[str, bytes] | None, labels_file: tuple[str, bytes] | None) -> tuple[np.ndarray, np.ndarray]:
    if images_file is None or labels_file is None:
        name = (images_file or labels_file)[0]
        raise HandwritingError(f"{name} came without its {'labels' if labels_file is None else 'images'} file: "
                               "import images and labels together.")
    (img_name, img), (lab_name, lab) = images_file, labels_file
    images, labels = parse_idx(_gunzip(img_name, img), img_name, 3), parse_idx(_gunzip(lab_name, lab), lab_name, 1)
    if images.shape[1:] != (28, 28):
        raise IdxError(f"{img_name} holds {images.shape[1]}x{images.shape[2]} images: MNIST's are 28x28.")
    if len(images) != len(labels):
        raise IdxError(f"{img_name} holds {len(images):,} images but {lab_name} holds {len(labels):,} labels: "
                       "the files do not belong together.")
    if labels.size and labels.max() > 9:
        raise IdxError(f"{lab_name}: label {int(labels.max())} is not a digit 0-9.")
    return images, labels


def read_idx_files(files: list[tuple[str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """MNIST IDX files (plain or gzipped, told apart by their names) -> checked images
    and labels; both pairs from :func:`export_idx` are put back in their order."""
    found: dict[str, tuple[str, bytes]] = {}
    for name, data in files:
        role = _role(name)
        if role is None:
            raise HandwritingError(f"{name}: not one of MNIST's four file names (train-images, train-labels, "
                                   "t10k-images, t10k-labels).")
        if role in found:
            raise HandwritingError(f"Two files are {role}: {found[role][0]} and {name}.")
        found[role] = (name, data)
    pairs = {split: _pair(found.get(f"{split}-images"), found.get(f"{split}-labels"))
             for split in ("train", "test") if f"{split}-images" in found or f"{split}-labels" in found}
    empty = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8))
    (x_tr, y_tr), (x_te, y_te) = pairs.get("train", empty), pairs.get("test", empty)
    n = len(x_tr) + len(x_te)
    test = _test_mask(n) if len(x_te) == n // TEST_EVERY and len(x_tr) else np.arange(n) >= len(x_tr)
    images, labels = np.zeros((n, 28, 28), np.uint8), np.zeros(n, np.uint8)
    images[~test], labels[~test], images[test], labels[test] = x_tr, y_tr, x_te, y_te
    return images, labels


def read_csv(name: str, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's CSV (label then 784 pixels 0-255 a line, no header) -> checked images and labels."""
    try:
        lines = data.decode("ascii").splitlines()
    except UnicodeDecodeError:
        raise HandwritingError(f"{name}: not a CSV of numbers (it holds other characters).") from None
    rows, numbers = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != 785:
            raise HandwritingError(f"{name}, line {number}: {len(fields)} values where a line has 785 "
                                   "(a label, then 28x28 pixels).")
        try:
            rows.append(np.array(fields, dtype=np.int64))
        except ValueError:
            bad = next(f for f in fields if not re.fullmatch(r"\s*[+-]?\d+\s*", f))
            raise HandwritingError(f"{name}, line {number}: {bad.strip()[:20]!r} is not a whole number.") from None
        numbers.append(number)
    if not rows:
        raise HandwritingError(f"{name}: the file holds no lines.")
    table = np.stack(rows)
    for column, low, high, what in ((slice(0, 1), 0, 9, "label {} is not a digit 0-9"),
                                    (slice(1, None), 0, 255, "pixel value {} is outside 0-255")):
        part = table[:, column]
        bad = np.flatnonzero((part < low).any(axis=1) | (part > high).any(axis=1))
        if bad.size:
            row = part[bad[0]]
            value = row[(row < low) | (row > high)][0]
            raise HandwritingError(f"{name}, line {numbers[bad[0]]}: {what.format(value)}.")
    return table[:, 1:].astype(np.uint8).reshape(-1, 28, 28), table[:, 0].astype(np.uint8)


def read_upload(files: list[tuple[str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """What a person uploads -- one CSV, one zip of the IDX files, or the IDX files
    themselves -- -> checked images and labels, or a :class:`MnistError` sentence."""
    if not files:
        raise HandwritingError("Choose a file to import first.")
    if len(files) == 1 and (files[0][0].lower().endswith(".csv") or (
            _role(files[0][0]) is None and files[0][1][:2] not in (b"\x1f\x8b", b"PK"))):
        return read_csv(*files[0])
    if len(files) == 1 and files[0][1][:4] == b"PK\x03\x04":
        name, data = files[0]
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                members = [i for i in zf.infolist() if not i.is_dir() and _role(i.filename)]
                if sum(i.file_size for i in members) > 4 * _MAX_CONTENT:
                    raise HandwritingError(f"{name}: too large for a set of handwritten digits.")
                files = [(Path(i.filename).name, zf.read(i)) for i in members]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise HandwritingError(f"{name}: the zip file is damaged or truncated.") from None
        if not files:
            raise HandwritingError(f"{name} holds none of MNIST's four IDX files.")
    if any(n.lower().endswith(".csv") for n, _ in files):
        raise HandwritingError("Import one CSV file by itself, or the IDX files without a CSV.")
    return read_idx_files(files)
