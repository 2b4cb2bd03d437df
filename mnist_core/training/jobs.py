"""A training run in a background thread, observable and stoppable from a UI.

:class:`TrainingJob` wraps :func:`mnist_core.training.train_model`: ``start()`` runs it
in a daemon thread, ``stop()`` asks it to stop between two batches, and
``snapshot()`` returns a consistent, thread-safe copy of its progress (samples seen,
speed, time left, the running loss/accuracy curve, the per-epoch logs, the status and,
when finished, the result).  The app polls ``snapshot()``; nothing here knows about
any user interface.

With a :class:`~mnist_core.storage.ModelStore` the job saves its model there itself as
soon as training ends (also when stopped), so a result is never lost because nobody
was looking.  Any exception becomes status ``failed`` with a one-sentence message.
"""
from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..config import TrainConfig
from ..data.datasets import Dataset
from ..errors import sentence
from ..models import recommended_training
from .pipeline import train_model


class JobStatus(str, enum.Enum):
    """Where a job is; a str, so it prints and compares as its value ("done")."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.STOPPED, JobStatus.FAILED)


@dataclass
class JobSnapshot:
    """Progress of a job at one moment (a copy: safe to read from any thread)."""

    status: JobStatus
    samples_seen: int = 0
    total: int = 0
    samples_per_second: float = 0.0
    eta_seconds: float | None = None
    elapsed: float = 0.0
    curve: list[dict[str, float]] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    error: str | None = None
    result: Any = None
    saved_name: str | None = None

    @property
    def fraction(self) -> float:
        return min(1.0, self.samples_seen / self.total) if self.total else 0.0

    @property
    def finished(self) -> bool:
        return self.status.finished


class TrainingJob:
    """Train ``kind`` on ``dataset`` in the background; see the module docstring."""

    def __init__(self, kind: str, dataset: Dataset, hyper: dict[str, Any] | None = None,
                 train_config: TrainConfig | None = None, store: Any = None,
                 name: str | None = None) -> None:
        self.kind = kind
        self.dataset = dataset
        self.hyper = dict(hyper or {})
        self.train_config = train_config or recommended_training(kind, len(dataset.x_train))
        self.store = store
        self.name = name
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = JobStatus.PENDING
        self._samples_seen = 0
        self._total = len(dataset.x_train) * self.train_config.epochs
        self._curve: list[dict[str, float]] = []
        self._epochs: list[dict[str, float]] = []
        self._error: str | None = None
        self._result: Any = None
        self._saved_name: str | None = None
        self._started = 0.0
        self._ended: float | None = None

    # -- callbacks from the training loop (worker thread) -------------------
    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None:
        with self._lock:
            self._samples_seen = samples_seen
            self._total = int(logs.get("total_samples", self._total))
            self._curve.append(dict(logs))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        with self._lock:
            self._epochs.append(dict(logs))

    # -- control ---------------------------------------------------------------
    def _claim(self) -> bool:
        """Move from pending to running; False if the job was started already."""
        with self._lock:
            if self._status != JobStatus.PENDING:
                return False
            self._status = JobStatus.RUNNING
            self._started = time.perf_counter()
            return True

    def start(self) -> "TrainingJob":
        """Start the run in a daemon thread (once)."""
        if not self._claim():
            return self
        self._thread = threading.Thread(target=self._run, name=f"train-{self.kind}", daemon=True)
        self._thread.start()
        return self

    def run(self) -> "TrainingJob":
        """Run synchronously in the calling thread (tests, scripts)."""
        if self._claim():
            self._run()
        return self

    def stop(self) -> None:
        """Ask the run to stop after the current batch; it keeps what it learned."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run is over (or ``timeout``); True when it is over."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.snapshot().finished

    def _run(self) -> None:
        status, error, result, saved = JobStatus.FAILED, None, None, None
        try:
            result = train_model(self.kind, self.dataset, self.hyper, self.train_config,
                                 callbacks=[self], should_stop=self._stop.is_set)
            status = JobStatus.STOPPED if result.history.stopped else JobStatus.DONE
            if self.store is not None:
                saved = self.store.save(result.model, result.meta, self.name).name
        except BaseException as err:  # noqa: BLE001 -- reported, never lost
            error = sentence(err)
            if result is not None:
                error = f"The model was trained but could not be saved: {error}"
        with self._lock:
            self._status = JobStatus.FAILED if error else status
            self._error, self._result, self._saved_name = error, result, saved
            self._ended = time.perf_counter()

    # -- observation -------------------------------------------------------------
    def snapshot(self) -> JobSnapshot:
        with self._lock:
            now = self._ended if self._ended is not None else time.perf_counter()
            elapsed = now - self._started if self._started else 0.0
            seconds = self._curve[-1]["seconds"] if self._curve else elapsed
            speed = self._samples_seen / seconds if seconds > 0 else 0.0
            left = max(0, self._total - self._samples_seen)
            eta = left / speed if speed > 0 and self._status == JobStatus.RUNNING else None
            if self._status.finished:
                eta = 0.0
            return JobSnapshot(
                status=self._status, samples_seen=self._samples_seen, total=self._total,
                samples_per_second=speed, eta_seconds=eta, elapsed=elapsed,
                curve=list(self._curve), epochs=list(self._epochs), error=self._error,
                result=self._result, saved_name=self._saved_name,
            )

