"""What a Dask worker runs for one training job, and how it talks to the app.

:func:`run_job` trains in the worker's process and returns the model file's bytes
with its metadata; nothing is written on the worker's disk, so a worker of a lab
cluster needs no shared folder and no MNIST files (the dataset arrives as an argument).

While it trains it publishes its progress -- a small dict, with the learning curve
cut down to at most :data:`CURVE_POINTS` points -- to a Dask ``Variable`` named after
the job, a few times a second, so reading it costs a page the same at the end of a
run as at its start.  Between batches it checks (at most a few times a second) a Dask
``Event`` that asks it to stop, and its own time limit; either way it stops
cleanly and returns what it learned, marked ``stopped``.
"""
from __future__ import annotations

import os
import time
from typing import Any

from ..config import TrainConfig
from ..data.datasets import Dataset
from ..errors import sentence
from ..storage.modelfile import model_to_bytes, thin
from .pipeline import train_model

#: Most points of the learning curve sent with each progress update.
CURVE_POINTS = 120
#: Seconds between two progress updates, and between two looks at the stop flag.
INTERVAL = 0.25


def progress_name(job_id: str) -> str:
    return f"mnist-studio-progress-{job_id}"


def stop_name(job_id: str) -> str:
    return f"mnist-studio-stop-{job_id}"


def reason_name(job_id: str) -> str:
    return f"mnist-studio-stop-reason-{job_id}"


class Reporter:
    """Training callback that publishes progress to the job's Variable, throttled."""

    def __init__(self, job_id: str, total: int) -> None:
        from distributed import Variable

        self.variable = Variable(progress_name(job_id))
        self.state: dict[str, Any] = {"status": "running", "pid": os.getpid(), "samples_seen": 0,
                                      "total": total, "seconds": 0.0, "curve": [], "epochs": [],
                                      "started": time.time()}
        self.curve: list[dict[str, float]] = []
        self.sent = 0.0
        self.publish(force=True)

    def publish(self, force: bool = False, **changes: Any) -> None:
        self.state.update(changes)
        if force or time.monotonic() - self.sent >= INTERVAL:
            self.state["curve"] = thin(self.curve, CURVE_POINTS)
            self.variable.set(dict(self.state))
            self.sent = time.monotonic()

    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None:
        self.curve.append({k: logs[k] for k in ("samples_seen", "loss", "accuracy", "epoch")})
        self.publish(samples_seen=samples_seen, total=int(logs["total_samples"]), seconds=logs["seconds"])

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.state["epochs"] = [*self.state["epochs"], dict(logs)]
        self.publish(force=True)


class StopCheck:
    """``should_stop`` for the loop: the job's stop Event or its time limit, looked at
    no more than every :data:`INTERVAL` seconds (each look asks the scheduler)."""

    def __init__(self, job_id: str, time_limit: float) -> None:
        from distributed import Event, Variable

        self.event = Event(stop_name(job_id))
        self.why = Variable(reason_name(job_id))
        self.deadline = time.monotonic() + time_limit
        self.looked = 0.0
        self.reason: str | None = None

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.looked < INTERVAL:
            return False
        self.looked = now
        if now > self.deadline:
            self.reason = "time limit"
        elif self.event.is_set():
            try:  # "asked" by a person, or "idle": the app says which before it sets the event
                self.reason = str(self.why.get(timeout=1))
            except Exception:  # noqa: BLE001
                self.reason = "asked"
        return self.reason is not None


def run_job(job_id: str, kind: str, dataset: Dataset, hyper: dict[str, Any], config: TrainConfig,
            time_limit: float, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train on this worker; return ``{status, pid, meta, model}`` (``model``: the
    .npz bytes, whose metadata has ``extra`` added) or ``{status: "failed", pid, error}``
    with a sentence."""
    reporter = Reporter(job_id, len(dataset.x_train) * config.epochs)
    try:
        check = StopCheck(job_id, time_limit)
        result = train_model(kind, dataset, hyper, config, callbacks=[reporter], should_stop=check)
    except Exception as err:  # noqa: BLE001 -- reported as a sentence, never lost
        reporter.publish(force=True, status="failed", error=sentence(err))
        return {"status": "failed", "pid": os.getpid(), "error": sentence(err)}
    meta = {**result.meta, "stop_reason": check.reason if result.history.stopped else None, **(extra or {})}
    reporter.publish(force=True, status=meta["status"])
    return {"status": meta["status"], "pid": os.getpid(), "meta": meta, "model": model_to_bytes(result.model, meta)}
