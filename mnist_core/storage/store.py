"""The model store: a folder of saved models the app and the CLI share.

``MNIST_STUDIO_HOME`` (default ``~/.mnist-studio``) holds ``models/NAME.npz``.  Names
are short slugs a person can read and rename; the file's name is the model's.  Every
write is atomic and exclusive (see :mod:`mnist_core.storage.modelfile`): two
processes saving at once each get their own name, and no save overwrites a model.
A file that cannot be read is listed with its error rather than hiding the others.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MnistError, ModelFileError
from ..models import Model
from ..files import atomic_write_bytes, link_exclusive, remove_stale_parts
from .modelfile import load_model, load_snapshots, model_metadata, model_to_bytes, read_metadata

if TYPE_CHECKING:
    from ..explain.snapshots import Snapshots

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def default_home() -> Path:
    return Path(os.environ.get("MNIST_STUDIO_HOME") or Path.home() / ".mnist-studio").expanduser()


@dataclass
class ModelRecord:
    """One stored model: its name, file, metadata (or the error reading it)."""

    name: str
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: In the class gallery: read-only to everyone, published by ``meta["published_by"]``.
    shared: bool = False

    @property
    def key(self) -> str:
        """Unique among a workspace's models and the gallery's."""
        return f"{'gallery' if self.shared else 'mine'}/{self.name}"

    @property
    def label(self) -> str:
        """The name, with its publisher for a gallery model."""
        return f"{self.name} (by {self.meta.get('published_by', 'the class')})" if self.shared else self.name

    @property
    def created(self) -> str:
        """When it was saved, as ``2026-11-25 19:14`` ("" if unknown)."""
        text = self.meta.get("created")
        return text[:16].replace("T", " ") if isinstance(text, str) else ""

    @property
    def size_kib(self) -> float:
        try:
            return self.path.stat().st_size / 1024
        except OSError:
            return 0.0


class ModelStore:
    """A folder of named models.  ``shared``: the class gallery (its records say so)."""

    def __init__(self, root: str | Path | None = None, shared: bool = False) -> None:
        self.root = Path(root) if root else default_home() / "models"
        self.shared = shared

    def path(self, name: str) -> Path:
        check_name(name)
        return self.root / f"{name}.npz"

    def list(self, dataset: str | None = None) -> list[ModelRecord]:
        """All models, newest first; ``dataset`` keeps only those trained on it."""
        records = []
        remove_stale_parts(self.root)  # what writers killed on the way left behind
        for path in self.root.glob("*.npz") if self.root.is_dir() else []:
            try:
                meta = read_metadata(path)
                records.append(ModelRecord(path.stem, path, meta, shared=self.shared))
            except ModelFileError as err:
                records.append(ModelRecord(path.stem, path, {}, str(err), shared=self.shared))
        if dataset is not None:
            records = [r for r in records if r.meta.get("dataset") == dataset]
        return sorted(records, key=lambda r: (str(r.meta.get("created", "")), _mtime(r.path)), reverse=True)

    def names(self) -> list[str]:
        """Every stored model's name (unsorted), readable or not."""
        return [p.stem for p in self.root.glob("*.npz")] if self.root.is_dir() else []

    def save(self, model: Model, meta: dict[str, Any] | None = None, name: str | None = None,
             snapshots: Snapshots | None = None) -> ModelRecord:
        """Save under ``name``, or under a fresh readable one (``classic-mnist-3``), with the
        training ``snapshots`` if given; never overwrites another model, even when another
        process saves at once."""
        meta = {**model_metadata(model), **(meta or {})}
        return self.save_bytes(model_to_bytes(model, meta, snapshots), meta, name)

    def save_bytes(self, payload: bytes, meta: dict[str, Any], name: str | None = None) -> ModelRecord:
        """Save a model file's bytes (made by :func:`model_to_bytes`), as :meth:`save` does."""
        if name is not None:
            try:
                path = atomic_write_bytes(self.path(name), payload, exclusive=True)
            except FileExistsError:
                raise MnistError(f"A model named {name!r} already exists: choose another name.") from None
            return ModelRecord(name, path, meta, shared=self.shared)
        base = f"{meta.get('model', 'model')}-{meta.get('dataset', 'data')}"
        number = 1 + sum(1 for name in self.names() if name.startswith(f"{base}-"))
        while True:
            name = f"{base}-{number}"
            try:
                path = atomic_write_bytes(self.path(name), payload, exclusive=True)
                return ModelRecord(name, path, meta, shared=self.shared)
            except FileExistsError:
                number += 1

    def load(self, name: str) -> tuple[Model, dict[str, Any]]:
        return load_model(self.path(name))

    def rename(self, old: str, new: str) -> None:
        """Rename the file: a hard link under the new name (which fails if that name is
        taken), then the old name removed -- the model is never missing or doubled."""
        src, dst = self.path(old), self.path(new)
        try:
            link_exclusive(src, dst)
        except FileNotFoundError:
            raise MnistError(f"There is no model named {old!r}.") from None
        except FileExistsError:
            raise MnistError(f"A model named {new!r} already exists: choose another name.") from None
        src.unlink(missing_ok=True)  # already gone if the link fell back to a move

    def delete(self, name: str) -> None:
        """Delete a model; also an unreadable file whose name this version would refuse."""
        path = self.root / f"{name}.npz" if name in self.names() else self.path(name)
        if not path.exists():
            raise MnistError(f"There is no model named {name!r}.")
        path.unlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # deleted meanwhile
        return 0.0


_WORKSPACE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def check_workspace(name: str) -> str:
    """A workspace name: 1-40 lower-case letters, digits and '-' (it names a folder)."""
    if not isinstance(name, str) or not _WORKSPACE.fullmatch(name):
        raise MnistError(f"{name!r} is not a usable workspace name: use 1-40 lower-case letters, digits or '-'.")
    return name


def workspace_store(workspace: str) -> ModelStore:
    """The private models of one workspace."""
    return ModelStore(default_home() / "workspaces" / check_workspace(workspace) / "models")


def gallery() -> ModelStore:
    """The class gallery: published models, read-only to all.  It is the folder the
    studio kept every model in before workspaces, so those models appear in it."""
    return ModelStore(default_home() / "models", shared=True)


def publish(record: ModelRecord, workspace: str) -> ModelRecord:
    """Put a copy of a workspace's model in the gallery, with who published it and when."""
    if record.shared:
        raise MnistError(f"{record.name} is in the gallery already.")
    model, meta = load_model(record.path)
    meta = {**meta, "published_by": workspace, "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    store, base = gallery(), f"{workspace}.{record.name}"[:60]
    taken = set(store.names())
    name = next(n for n in (base if i == 1 else f"{base}-{i}" for i in range(1, 10**6)) if n not in taken)
    return store.save(model, meta, name, snapshots=load_snapshots(record.path))


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise MnistError(
            f"{name!r} is not a usable model name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
