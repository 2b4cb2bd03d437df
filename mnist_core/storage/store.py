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
from typing import TYPE_CHECKING, Any, Callable

from ..errors import MnistError, ModelFileError
from ..i18n import N_, Text
from ..models import MODELS, Model
from ..files import atomic_write_bytes, link_exclusive, remove_stale_parts
from .modelfile import load_model, model_metadata, model_to_bytes, read_metadata

if TYPE_CHECKING:
    from .snapshots import Snapshots

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
    def title(self) -> str:
        """The name people read (:func:`display_name`): short for an automatic name; a
        gallery copy without its publisher's prefix (its label names the publisher)."""
        name, by = self.name, self.meta.get("published_by")
        if self.shared and isinstance(by, str) and name.startswith(f"{by}.") and len(name) > len(by) + 1:
            name = name[len(by) + 1:]  # published before keys: the workspace's name, then the model's
        elif self.shared and "publisher" in self.meta and "." in name.rstrip("."):
            name = name.split(".", 1)[1]  # the display name made ASCII (publishing.file_prefix), then the model's
        return display_name(name, self.meta)

    @property
    def label(self) -> str:
        """The title, with its publisher for a gallery model."""
        if not self.shared:
            return self.title
        if "published_by" not in self.meta:
            return Text(N_("{title} (by the class)"), title=self.title)
        return Text(N_("{title} (by {publisher})"), title=self.title, publisher=self.meta["published_by"])

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

    def __init__(self, root: str | Path | None = None, shared: bool = False,
                 before_write: Callable[[], object] | None = None) -> None:
        self.root = Path(root) if root else default_home() / "models"
        self.shared = shared
        #: Called before a model is saved: a workspace's store makes its workspace then
        #: (:func:`.firstwrite.ensure`), or refuses with a sentence if a reset removed it.
        self.before_write = before_write

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
             snapshots: Snapshots | None = None, predictions: dict[str, Any] | None = None) -> ModelRecord:
        """Save under ``name``, or under a fresh readable one (``classic-mnist-3``), with the
        training ``snapshots`` and the kept test ``predictions`` if given; never overwrites
        another model, even when another process saves at once."""
        meta = {**model_metadata(model), **(meta or {})}
        return self.save_bytes(model_to_bytes(model, meta, snapshots, predictions), meta, name)

    def save_bytes(self, payload: bytes, meta: dict[str, Any], name: str | None = None,
                   unique: bool = False) -> ModelRecord:
        """Save a model file's bytes (made by :func:`model_to_bytes`), as :meth:`save` does;
        ``unique``: if ``name`` is taken, save as ``name-2``, ``name-3``... instead of refusing."""
        if self.before_write is not None:
            self.before_write()
        if name is not None:
            check_name(name)
            for candidate in (name, *(f"{name[:58]}-{i}" for i in range(2, 10**6))) if unique else (name,):
                try:
                    path = atomic_write_bytes(self.path(candidate), payload, exclusive=True)
                    return ModelRecord(candidate, path, meta, shared=self.shared)
                except FileExistsError:
                    continue
            raise MnistError("A model named {name!r} already exists: choose another name.", name=name)
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
            raise MnistError("There is no model named {name!r}.", name=old) from None
        except FileExistsError:
            raise MnistError("A model named {name!r} already exists: choose another name.", name=new) from None
        src.unlink(missing_ok=True)  # already gone if the link fell back to a move

    def delete(self, name: str) -> None:
        """Delete a model; also an unreadable file whose name this version would refuse."""
        path = self.root / f"{name}.npz" if name in self.names() else self.path(name)
        if not path.exists():
            raise MnistError("There is no model named {name!r}.", name=name)
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
        raise MnistError("{name!r} is not a usable workspace name: use 1-40 lower-case letters, digits or '-'.",
                         name=name)
    return name


def workspace_store(workspace: str) -> ModelStore:
    """The private models of one workspace; its first save makes the workspace (see :mod:`.firstwrite`)."""
    from .firstwrite import ensure

    return ModelStore(default_home() / "workspaces" / check_workspace(workspace) / "models",
                      before_write=lambda: ensure(workspace))


def gallery() -> ModelStore:
    """The class gallery: published models, read-only to all.  It is the folder the
    studio kept every model in before workspaces, so those models appear in it."""
    return ModelStore(default_home() / "models", shared=True)


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = f"{name!r}" if len(repr(name)) <= 40 else f"{repr(name)[:37]}..."
        raise MnistError(
            "{shown} is not a usable model name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.", shown=shown
        )


# -- the names people read ------------------------------------------------------------
# A model's file name is its name (metadata holds none, so a rename moves the file and
# nothing else).  An automatic name, ``classic-mnist-3`` (or an older
# ``classic-mnist-20261125-175819``, or a gallery copy ``bright-otter-42.classic-mnist-3``),
# says little and wraps chart axes into towers; it is *shown* as what the model is:
# ``classic h200 lr0.1 e5 · 3``.  A name somebody chose is shown as they wrote it.
_AUTO = re.compile(r"(?:[a-z0-9][a-z0-9-]*\.)?(?P<kind>[a-z]+)-(?P<data>[a-z0-9_]+)-"
                   r"(?:(?P<day>\d{8})-(?P<time>\d{6})|(?P<number>\d+))(?P<again>-\d+)?")
#: The hyperparameters an automatic title shows, in this order, each with its prefix.
_SHORT = {"channels": "c", "hidden": "h", "lr": "lr", "C": "C"}


def recipe(meta: dict[str, Any]) -> str:
    """What a model is, in a few characters: ``classic h200 lr0.1 e5``, ``mlp h384x128
    lr0.004 e5 aug``, ``cnn c16x32 h128 lr0.003 e3``, ``logreg C1``."""
    kind = str(meta.get("model", "model"))
    hyper = meta.get("hyperparameters") if isinstance(meta.get("hyperparameters"), dict) else {}
    parts = [kind]
    for key, prefix in _SHORT.items():
        value = hyper.get(key)
        if isinstance(value, (list, tuple)):
            parts.append(prefix + "x".join(map(str, value)))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(f"{prefix}{value:g}")
    training = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    cls = MODELS.get(kind)
    if training.get("epochs") and (cls is None or cls.iterative):
        parts.append(f"e{training['epochs']}")
    if training.get("augment"):
        parts.append("aug")
    return " ".join(parts)


def display_name(name: str, meta: dict[str, Any]) -> str:
    """The name to show for the model file ``name``: for an automatic name of a model
    of that kind and dataset, its :func:`recipe` and number (``classic h200 lr0.1 e5 · 3``;
    a dated one: ``... · 11-25 17:58``; ``classic-mnist-3-2``, saved when ``-3`` was taken:
    ``... · 3-2``); any other name as it is."""
    match = _AUTO.fullmatch(name)
    if not match or match["kind"] != meta.get("model") or match["data"] != meta.get("dataset"):
        return name
    number = match["number"] or f"{match['day'][4:6]}-{match['day'][6:]} {match['time'][:2]}:{match['time'][2:4]}"
    return f"{recipe(meta)} · {number}{match['again'] or ''}"  # name-2: saved when name was taken


def distinct_titles(records: list[ModelRecord]) -> list[str]:
    """One short, different name per record (for charts and tables that show several):
    the titles; where two are the same, their labels (with the publisher); then a number."""
    titles = [r.title for r in records]
    names = [r.label if titles.count(r.title) > 1 else r.title for r in records]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if names.count(n) == 1 else f"{n} ({seen[n]})")
    return out
