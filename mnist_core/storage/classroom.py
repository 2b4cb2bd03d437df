"""What the teacher's Class page reads: every workspace with its models (and, through a
seam, its runs), the class's handwriting pooled as one test set, a leaderboard of the
gallery, and resetting the class.

Runs belong to the job manager (:mod:`mnist_core.training.jobs`, a higher layer): the
caller passes ``runs_of`` -- ``manager().jobs`` -- and gets each workspace's runs beside
its models.  The pooled handwriting holds only drawings whose owner ticked "share with
the class" when saving (:attr:`~mnist_core.data.handwriting.Drawing.shared`).
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..data.handwriting import Drawing, HandwritingStore, model_inputs
from ..errors import MnistError, sentence
from ..files import remove_stale_parts
from ..settings import studio_home
from .publishing import _class_path, is_studio, labels
from .modelfile import load_model
from .store import ModelRecord, ModelStore, gallery
from .teacher import Teacher
from .firstwrite import mark_removed, was_removed
from .workspaces import Workspace, list_workspaces, workspaces_root


@dataclass
class WorkspaceView:
    """One workspace as the teacher sees it: its display name (``workspace.name``), its
    models (newest first), its runs (whatever ``runs_of`` gave: the job manager's ``Job``\\ s,
    newest first) and how many of its drawings it shares with the class."""

    workspace: Workspace
    models: list[ModelRecord]
    runs: list[Any] = field(default_factory=list)
    shared_drawings: int = 0


def _check(by: Teacher) -> None:
    if not isinstance(by, Teacher):
        raise MnistError("Only the teacher can see the whole class.")


def class_overview(by: Teacher, runs_of: Callable[[str], list[Any]] | None = None) -> list[WorkspaceView]:
    """Every workspace by display name, with its models and (``runs_of(key)``) its runs."""
    _check(by)
    views = []
    for ws in list_workspaces():
        models = [r for r in ModelStore(ws.models_root).list()]
        shared = sum(d.shared for d in HandwritingStore(ws.handwriting_root).list())
        views.append(WorkspaceView(ws, models, list(runs_of(ws.key)) if runs_of else [], shared))
    return views


@dataclass
class ClassHandwriting:
    """The class's shared drawings as one test set: ``drawings``, and beside each the
    display name of the workspace it came from (``owners``)."""

    drawings: list[Drawing]
    owners: list[str]
    _inputs: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    def inputs(self, shape: tuple[int, int]) -> np.ndarray:
        """(n, h, w) float32: what a model of ``shape`` reads; made once per shape (the 8x8
        digits' inputs are prepared from each raw picture, which costs milliseconds each)."""
        if tuple(shape) not in self._inputs:
            self._inputs[tuple(shape)] = model_inputs(self.drawings, tuple(shape))
        return self._inputs[tuple(shape)]

    def __len__(self) -> int:
        return len(self.drawings)

    @property
    def labels(self) -> np.ndarray:
        """(n,) uint8 digits."""
        return np.array([d.label for d in self.drawings], np.uint8)

    def contributors(self) -> dict[str, int]:
        """Drawings per workspace display name, most first."""
        return dict(Counter(self.owners).most_common())


def class_handwriting() -> ClassHandwriting:
    """Every workspace's drawings that are shared with the class, pooled (oldest first in each)."""
    drawings, owners = [], []
    for ws in list_workspaces():
        for drawing in HandwritingStore(ws.handwriting_root).list():
            if drawing.shared:
                drawings.append(drawing)
                owners.append(ws.name)
    return ClassHandwriting(drawings, owners)


def handwriting_accuracy(record: ModelRecord, pool: ClassHandwriting) -> float | None:
    """The share of the pooled drawings ``record`` reads right (None: no drawings)."""
    if not pool.drawings:
        return None
    model, _ = load_model(record.path)
    predicted = model.predict(pool.inputs(model.image_shape))
    return float(np.mean(predicted == pool.labels))


@dataclass(frozen=True)
class Entry:
    """One gallery model on the leaderboard; ``error``: why it could not be scored."""

    record: ModelRecord
    label: str
    test_accuracy: float | None
    handwriting_accuracy: float | None
    train_seconds: float | None
    n_parameters: int | None
    error: str | None = None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def leaderboard(records: list[ModelRecord] | None = None, pool: ClassHandwriting | None = None,
                dataset: str | None = None) -> list[Entry]:
    """Every readable gallery model (of ``dataset``, if given): test accuracy (from its
    metadata), accuracy on the class's handwriting, training time, parameters; best test
    accuracy first.  ``records``/``pool``: already read, to read them once."""
    records = [r for r in (records if records is not None else gallery().list(dataset)) if r.error is None]
    pool = pool if pool is not None else class_handwriting()
    entries = []
    for record, label in zip(records, labels(records)):
        meta, error, score = record.meta, None, None
        try:
            score = handwriting_accuracy(record, pool)
        except MnistError as err:
            error = sentence(err)
        entries.append(Entry(record, label, _number(meta.get("test_accuracy")), score,
                             _number(meta.get("train_seconds")),
                             int(meta["n_parameters"]) if isinstance(meta.get("n_parameters"), int) else None, error))
    return sorted(entries, key=lambda e: (e.test_accuracy is None, -(e.test_accuracy or 0.0)))


_TRASH = ".workspaces-removed-"  # a reset's workspaces on their way out (in the studio home)


def reset_class(by: Teacher) -> dict[str, int]:
    """Remove every workspace (models, drawings), every model published to the gallery and
    the class default; the studio's own models stay (every class starts from them).  The
    app asks twice first, and stops the class's runs.  The removed keys are remembered
    (:func:`.firstwrite.mark_removed`) before the folders go, so neither a session still
    open nor a stopped run saving late makes one again; the folders move aside at once (no
    session sees half a class) and are deleted, with what an earlier reset could not delete.
    Returns what went: ``{"workspaces": n, "models": n}``."""
    _check(by)
    root = workspaces_root()
    found = list_workspaces()
    mark_removed([w.key for w in found] + ([p.name for p in root.iterdir()] if root.is_dir() else []))
    if root.is_dir():
        root.rename(studio_home() / f"{_TRASH}{time.time_ns()}")
    for trash in studio_home().glob(f"{_TRASH}*"):
        _remove_tree(trash)
    for folder in root.iterdir() if root.is_dir() else []:  # a save that was under way as the folders moved
        if was_removed(folder.name):
            _remove_tree(folder)
    removed = 0
    for record in gallery().list():
        if not is_studio(record):
            record.path.unlink(missing_ok=True)
            removed += 1
    remove_stale_parts(gallery().root)
    _class_path().unlink(missing_ok=True)
    return {"workspaces": len(found), "models": removed}


def _remove_tree(path: Path) -> None:
    """Delete a folder; what cannot be deleted now (a file still open elsewhere, a
    permission) stays in the trash folder, out of every list, for the next reset."""
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():  # a writer put a file in while it went: once more
        shutil.rmtree(path, ignore_errors=True)
