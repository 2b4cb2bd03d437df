"""The model store: a folder of saved models the app and the CLI share.

``MNIST_STUDIO_HOME`` (default ``~/.mnist-studio``) holds ``models/NAME.npz``.  Names
are short slugs a person can read and rename; every write is atomic (see
:mod:`mnist_core.persistence`), and a file that cannot be read is listed with its
error rather than hiding the others.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MnistError, ModelFileError
from .models import Model
from .persistence import load_model, model_metadata, read_metadata, save_model

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


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
        return [p.stem for p in self.root.glob("*.npz")] if self.root.is_dir() else []

    def unique_name(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")[:56] or "model"
        taken, name, i = set(self.names()), base, 2
        while name in taken:
            name, i = f"{base}-{i}", i + 1
        return name

    def save(self, model: Model, meta: dict[str, Any], name: str | None = None) -> ModelRecord:
        """Save under ``name`` (or a fresh readable one); never overwrites another model."""
        if name is None:
            name = self.unique_name(f"{model.kind}-{meta.get('dataset', 'data')}-{time.strftime('%Y%m%d-%H%M%S')}")
        elif self.path(name).exists():
            raise MnistError(f"A model named {name!r} already exists: choose another name.")
        meta = {**model_metadata(model), **meta, "name": name}
        path = save_model(model, self.path(name), meta)
        return ModelRecord(name, path, meta)

    def load(self, name: str) -> tuple[Model, dict[str, Any]]:
        return load_model(self.path(name))

    def rename(self, old: str, new: str) -> None:
        src, dst = self.path(old), self.path(new)
        if not src.exists():
            raise MnistError(f"There is no model named {old!r}.")
        if dst.exists():
            raise MnistError(f"A model named {new!r} already exists: choose another name.")
        model, meta = load_model(src)
        save_model(model, dst, {**meta, "name": new})
        src.unlink()

    def delete(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            raise MnistError(f"There is no model named {name!r}.")
        path.unlink()


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise MnistError(
            f"{name!r} is not a usable model name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
