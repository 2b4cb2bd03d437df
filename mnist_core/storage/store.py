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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MnistError, ModelFileError
from ..models import Model
from .modelfile import load_model, model_metadata, read_metadata, save_model

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
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root else default_home() / "models"

    def path(self, name: str) -> Path:
        check_name(name)
        return self.root / f"{name}.npz"

    def list(self, dataset: str | None = None) -> list[ModelRecord]:
        """All models, newest first; ``dataset`` keeps only those trained on it."""
        records = []
        for path in self.root.glob("*.npz") if self.root.is_dir() else []:
            try:
                meta = read_metadata(path)
                records.append(ModelRecord(path.stem, path, meta))
            except ModelFileError as err:
                records.append(ModelRecord(path.stem, path, {}, str(err)))
        if dataset is not None:
            records = [r for r in records if r.meta.get("dataset") == dataset]
        return sorted(records, key=lambda r: (r.meta.get("created", ""), r.path.stat().st_mtime), reverse=True)

    def names(self) -> list[str]:
        """Every stored model's name (unsorted), readable or not."""
        return [p.stem for p in self.root.glob("*.npz")] if self.root.is_dir() else []

    def save(self, model: Model, meta: dict[str, Any] | None = None, name: str | None = None) -> ModelRecord:
        """Save under ``name``, or under a fresh readable one (``classic-mnist-3``);
        never overwrites another model, even when another process saves at once."""
        meta = meta or model_metadata(model)
        if name is not None:
            try:
                path = save_model(model, self.path(name), meta, exclusive=True)
            except FileExistsError:
                raise MnistError(f"A model named {name!r} already exists: choose another name.") from None
            return ModelRecord(name, path, meta)
        base = f"{model.kind}-{meta.get('dataset', 'data')}"
        number = 1 + sum(1 for name in self.names() if name.startswith(f"{base}-"))
        while True:
            name = f"{base}-{number}"
            try:
                return ModelRecord(name, save_model(model, self.path(name), meta, exclusive=True), meta)
            except FileExistsError:
                number += 1

    def load(self, name: str) -> tuple[Model, dict[str, Any]]:
        return load_model(self.path(name))

    def rename(self, old: str, new: str) -> None:
        """Rename the file: a hard link under the new name (which fails if that name is
        taken), then the old name removed -- the model is never missing or doubled."""
        src, dst = self.path(old), self.path(new)
        try:
            os.link(src, dst)
        except FileNotFoundError:
            raise MnistError(f"There is no model named {old!r}.") from None
        except FileExistsError:
            raise MnistError(f"A model named {new!r} already exists: choose another name.") from None
        src.unlink()

    def delete(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            raise MnistError(f"There is no model named {name!r}.")
        path.unlink()


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise MnistError(
            f"{name!r} is not a usable model name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
