"""A record of every queued and running run, in its workspace's folder, so a run is
never lost without a word when the server stops (``kill -9``, a crash, a power cut).

Each run has a small JSON file, ``workspaces/NAME/runs/ID.json``, written atomically
(:mod:`mnist_core.files`) when the run is queued and removed once it ended and its
model was saved (or its failure is known).  It names the process that owns it; a record
whose process is gone -- another server before a restart, or a closed job manager of
this one -- is an interrupted run: :func:`interrupted` lists them, with their settings,
so the app can say "interrupted when the server stopped" and offer to start them again.
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import TrainConfig
from ..files import atomic_write_bytes
from ..i18n import N_, Text
from ..errors import MnistError
from ..settings import studio_home
from ..storage.firstwrite import ensure

#: Job managers alive in this process (their tokens): their records are not interrupted.
LIVE: set[str] = set()
#: What an interrupted run says.
INTERRUPTED = N_("Interrupted when the server stopped.")


def folder(workspace: str) -> Path:
    return studio_home() / "workspaces" / workspace / "runs"


@dataclass
class RunRecord:
    """A run as recorded when it was queued: enough to tell about it and start it again."""

    id: str
    workspace: str
    kind: str
    dataset: str
    hyper: dict[str, Any]
    training: dict[str, Any]
    name: str | None = None
    status: str = "queued"
    submitted: float = 0.0
    owner: dict[str, Any] = field(default_factory=dict)
    #: ``{images, repeat}`` when the user's handwriting was added (the app adds it again).
    handwriting: dict[str, int] | None = None

    @property
    def message(self) -> Text:
        return Text(INTERRUPTED)

    def settings(self) -> dict[str, Any]:
        """What :meth:`JobManager.submit` needs to start it again (with the dataset named
        ``dataset``; ``handwriting``: the workspace's drawings, repeated as before)."""
        return {"kind": self.kind, "hyper": dict(self.hyper), "config": TrainConfig(**self.training),
                "name": self.name}


def _host() -> str:
    return socket.gethostname()


def write(job: Any, hyper: dict[str, Any], handwriting: dict[str, Any] | None, token: str) -> None:
    """Record a queued run (``job``: a :class:`.job_state.Job`)."""
    record = RunRecord(job.id, job.workspace, job.kind, job.dataset, dict(hyper), dataclasses.asdict(job.config),
                       job.name, job.status.value, job.submitted, {"host": _host(), "pid": os.getpid(), "token": token},
                       None if handwriting is None else {"images": len(handwriting["images"]),
                                                         "repeat": int(handwriting["repeat"])})
    save(record)


def save(record: RunRecord) -> None:
    """Write the record; a full or read-only disk does not stop the run (a record is a courtesy).
    The first run queued makes its workspace; a workspace a reset removed gets no record
    (nothing makes it again: :mod:`mnist_core.storage.firstwrite`)."""
    try:
        ensure(record.workspace)
    except MnistError:
        return
    payload = json.dumps(dataclasses.asdict(record), default=_plain).encode("utf-8")
    try:
        atomic_write_bytes(folder(record.workspace) / f"{record.id}.json", payload)
    except OSError:
        pass


def set_status(workspace: str, run_id: str, status: str) -> None:
    """Note that a recorded run is now ``status`` (running), if it is still recorded."""
    record = read(folder(workspace) / f"{run_id}.json")
    if record is not None and record.status != status:
        record.status = status
        save(record)


def remove(workspace: str, run_id: str) -> None:
    (folder(workspace) / f"{run_id}.json").unlink(missing_ok=True)


def read(path: Path) -> RunRecord | None:
    """The record in ``path``; None if it is gone or unreadable (a record is a courtesy, never an error)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return RunRecord(**{f.name: data[f.name] for f in dataclasses.fields(RunRecord) if f.name in data})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _owner_gone(owner: dict[str, Any]) -> bool:
    """The process (or this process's job manager) that queued the run is gone."""
    if owner.get("host") != _host():
        return False  # another machine's server: it cannot be asked
    pid = owner.get("pid")
    if pid == os.getpid():
        return owner.get("token") not in LIVE
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, TypeError, ValueError):
        return True
    except PermissionError:
        return False
    return False


def interrupted(workspace: str) -> list[RunRecord]:
    """The workspace's runs that were queued or running when their server stopped, oldest first."""
    records = [read(path) for path in sorted(folder(workspace).glob("*.json"))] if folder(workspace).is_dir() else []
    return sorted((r for r in records if r is not None and _owner_gone(r.owner)), key=lambda r: r.submitted)


def _plain(obj: Any) -> Any:
    if isinstance(obj, tuple):
        return list(obj)
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)
