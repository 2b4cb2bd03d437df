"""What a training job is, and how it looks from outside: its status, its record in
the manager, and a snapshot of its progress (see :mod:`.jobs`)."""
from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..config import TrainConfig
from ..storage import ModelStore


class JobStatus(enum.StrEnum):
    """Where a job is; a str, so it prints, compares and serialises as its value ("done")."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass
class JobSnapshot:
    """Progress of a job at one moment (a copy: safe to keep)."""

    status: JobStatus
    samples_seen: int = 0
    total: int = 0
    seconds: float = 0.0
    curve: list[dict[str, float]] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    queue_position: int | None = None
    error: str | None = None
    saved_name: str | None = None
    pid: int | None = None
    meta: dict[str, Any] | None = None
    #: Training snapshots the running job has sent so far (:mod:`.job_frames`).
    frames: int = 0

    @property
    def fraction(self) -> float:
        return min(1.0, self.samples_seen / self.total) if self.total else 0.0

    @property
    def samples_per_second(self) -> float:
        return self.samples_seen / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if self.status.finished:
            return 0.0
        speed = self.samples_per_second
        return (self.total - self.samples_seen) / speed if speed > 0 else None

    @property
    def finished(self) -> bool:
        return self.status.finished


@dataclass
class Job:
    """One submitted run; its live state is read through :meth:`JobManager.snapshot`."""

    id: str
    number: int
    workspace: str
    kind: str
    dataset: str
    config: TrainConfig
    store: ModelStore
    name: str | None = None
    submitted: float = field(default_factory=time.time)
    future: Any = None
    status: JobStatus = JobStatus.QUEUED
    saved_name: str | None = None
    error: str | None = None
    pid: int | None = None
    meta: dict[str, Any] | None = None
    stop_reason: str | None = None
    #: Saved as published by the workspace (into a shared store: the gallery).
    publish: bool = False
    #: Dask priority: the studio's default model goes before every queued run.
    priority: int = 0
    #: Seconds it may train (``MNIST_STUDIO_JOB_SECONDS`` when it was queued).
    time_limit: float = 1800.0
    #: When (the manager's clock) it was first seen running, and when it was asked to stop.
    running_since: float | None = None
    stop_asked: float | None = None
    #: What sending it to the cluster needs, until it is sent (the manager keeps the queue:
    #: a run is sent when a worker is free, the studio's own first).
    pending: Any = None
    #: Its end is being saved (by Dask's callback, or by closing: whichever comes first).
    settled: bool = False
    #: Why it was ended for real (its worker restarted), when it did not stop in time.
    hard_stop: str | None = None
    #: Set once its end is recorded (saved, or why not): a page about to see it end waits on it.
    ended: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
