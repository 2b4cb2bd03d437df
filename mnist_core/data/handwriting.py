"""The user's own handwriting: digits saved from the Draw page (or imported), kept in
their workspace, exported as MNIST's four IDX files or the tutorial's CSV, imported back.

Where: ``MNIST_STUDIO_HOME/workspaces/WS/handwriting/``, beside the workspace's
``models`` (:func:`mnist_core.storage.handwriting.workspace_handwriting` opens it).  One small ``.npz`` per drawing (read without unpickling): the raw picture
as PNG bytes (the canvas's RGBA), the preprocessed 28x28 uint8 image (0-255, made
the way MNIST was), its label and when it was saved.  Each file is written atomically
under a name nobody else can take (the time in nanoseconds and a random part), so two
sessions of one workspace saving at once both keep their drawing.

Exporting and importing them (MNIST's IDX files, the tutorial's CSV) is in
:mod:`.exchange`.
"""
from __future__ import annotations

import io
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ..errors import EmptyImage, MnistError
from ..files import atomic_write_bytes, remove_stale_parts
from ..settings import MAX_DRAWINGS, RAW_SIDE
from .preprocess import prepare

_ID = re.compile(r"[0-9a-f]{16}-[0-9a-f]{8}")


class HandwritingError(MnistError):
    """A drawing that cannot be kept, or a file that cannot be imported."""


@dataclass(frozen=True, eq=False)
class Drawing:
    """One saved digit: ``image`` (28, 28) uint8 0-255, ``raw_png`` the picture it came
    from (empty for imported images), ``created`` as ``2026-11-25T19:14:03+0000``;
    ``shared``: its owner ticked "share with the class" (the teacher's pooled test set)."""

    id: str
    label: int
    image: np.ndarray
    created: str
    raw_png: bytes = b""
    shared: bool = False

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
        raise HandwritingError("{label!r} is not a digit 0-9.", label=label)
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

    def __init__(self, root: str | Path, before_write: Callable[[], object] | None = None) -> None:
        self.root = Path(root)
        #: Called before a drawing is written (a workspace's store makes its workspace then).
        self.before_write = before_write

    def _path(self, drawing_id: str) -> Path:
        if not isinstance(drawing_id, str) or not _ID.fullmatch(drawing_id):
            raise HandwritingError("{drawing!r} names no drawing.", drawing=drawing_id)
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
        if self.before_write is not None:
            self.before_write()
        buf = io.BytesIO()
        np.savez(buf, image=drawing.image, label=np.uint8(drawing.label), created=np.str_(drawing.created),
                 raw_png=np.frombuffer(drawing.raw_png, np.uint8), shared=np.bool_(drawing.shared))
        atomic_write_bytes(self._path(drawing.id), buf.getvalue(), exclusive=exclusive)
        return drawing

    def _read(self, drawing_id: str) -> Drawing:
        try:
            with np.load(io.BytesIO(self._path(drawing_id).read_bytes()), allow_pickle=False) as f:
                image, label = f["image"], int(f["label"])
                created, raw = str(f["created"]), f["raw_png"].tobytes()
                shared = bool(f["shared"]) if "shared" in f.files else False  # saved before the flag: not shared
        except FileNotFoundError:
            raise HandwritingError("That drawing is gone (deleted in another window?).") from None
        except Exception as err:  # noqa: BLE001 -- any damage: the file is not a drawing
            raise HandwritingError("The drawing {drawing} cannot be read.", drawing=drawing_id) from err
        if image.shape != (28, 28) or image.dtype != np.uint8 or not 0 <= label <= 9:
            raise HandwritingError("The drawing {drawing} cannot be read.", drawing=drawing_id)
        image.flags.writeable = False
        return Drawing(drawing_id, label, image, created, raw, shared)

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
            raise HandwritingError("A workspace keeps at most {most:,} drawings: this one has {have:,} "
                                   "and {count:,} more would not fit; delete some first.", most=MAX_DRAWINGS,
                                   have=have, count=count)
        base, tag = time.time_ns(), secrets.token_hex(4)
        return [f"{base + i:016x}-{tag}" for i in range(count)]

    def save(self, picture: np.ndarray, label: int, shared: bool = False) -> Drawing:
        """Keep a picture (the canvas's RGBA, any image :func:`prepare` reads) as a ``label``;
        a blank one raises EmptyImage.  ``shared``: "share with the class" was ticked."""
        label = check_label(label)
        image = np.clip(np.rint(prepare(np.asarray(picture), (28, 28)) * 255.0), 0, 255).astype(np.uint8)
        return self._write(Drawing(self._new_ids(1)[0], label, image, _now(), _png(picture), bool(shared)),
                           exclusive=True)

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
        return self._write(Drawing(drawing.id, check_label(label), drawing.image, drawing.created, drawing.raw_png,
                                   drawing.shared), exclusive=False)

    def set_shared(self, drawing_id: str, shared: bool) -> Drawing:
        """Share a drawing with the class, or take it back (its owner's choice, at any time)."""
        drawing = self._read(drawing_id)
        return self._write(Drawing(drawing.id, drawing.label, drawing.image, drawing.created, drawing.raw_png,
                                   bool(shared)), exclusive=False)

    def delete(self, drawing_id: str) -> None:
        self._path(drawing_id).unlink(missing_ok=True)


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
