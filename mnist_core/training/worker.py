"""What a Dask worker runs for one training job, and how it talks to the app.

:func:`run_job` trains in the worker's process and returns the model file's bytes
with its metadata; nothing is written on the worker's disk, so a worker of a lab
cluster needs no shared folder and no MNIST files (the dataset arrives as an argument;
an embedded worker is given its files instead, :mod:`mnist_core.data.mapped`).

While it trains, a thread beside the training (:class:`Link`) publishes its progress --
a small dict, with the learning curve cut down to at most :data:`CURVE_POINTS` points --
to a Dask ``Variable`` named after the job, twice a second, so reading it costs a page
the same at the end of a run as at its start; and it watches a Dask ``Event`` that asks
the run to stop.  The training thread never waits on the scheduler: between batches it
reads what the link last heard, and its own time limit; either way it stops cleanly
and returns what it learned, marked ``stopped``.

Beside its progress the link publishes every snapshot of the first layer the run takes
(a one-frame :class:`~mnist_core.storage.snapshots.Snapshots`, at most 64 units, see
:mod:`mnist_core.explain.snapshots`), each into a Variable of its own, and counts them
in the progress (``"frames"``): about ten a run, where progress goes twice a second, so
playing a run while it goes costs the scheduler little, and none is lost however fast
they come; :mod:`.job_frames` reads them.  The worker deletes them when the run ends
(the saved model holds every frame).
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from ..config import TrainConfig
from ..data.datasets import Dataset
from ..data.mapped import DatasetFiles, as_dataset
from ..errors import sentence
from ..storage.modelfile import model_to_bytes, thin
from ..storage.predictions import from_proba
from .pipeline import add_handwriting, train_model
from .runtime import lower_priority

#: Most points of the learning curve sent with each progress update.
CURVE_POINTS = 120
#: Seconds between two progress updates, and between two looks at the stop flag: each
#: is a message through the scheduler, and a page shows at most two updates a second.
INTERVAL = 0.5
#: The nice value the studio's own run trains at (Linux: a thread has its own): on two
#: cores, a pupil's run on the other worker and the pages keep their CPU while it trains.
BACKGROUND_NICE = 10
#: The Dask Event the app sets while a person's run is on the cluster: the studio's own
#: run then pauses between batches, for at most :data:`GIVE_WAY_SECONDS` in all (two
#: trainings at once on two cores slow each by ~1.3x; its model is late by that much at most).
GIVE_WAY = "mnist-studio-give-way"
GIVE_WAY_SECONDS = 30.0


def progress_name(job_id: str) -> str:
    return f"mnist-studio-progress-{job_id}"


def stop_name(job_id: str) -> str:
    return f"mnist-studio-stop-{job_id}"


def reason_name(job_id: str) -> str:
    return f"mnist-studio-stop-reason-{job_id}"


def frame_name(job_id: str, number: int) -> str:
    """The Variable holding the job's ``number``-th snapshot (0: the start)."""
    return f"mnist-studio-frame-{job_id}-{number}"


class Link(threading.Thread):
    """The job's line to the app, in a thread of its own so that training never waits
    on the scheduler: every :data:`INTERVAL` seconds it publishes the newest progress to
    the job's Variable and looks at the job's stop Event (and the reason beside it); for
    the studio's own run, also at :data:`GIVE_WAY` (``yielding``)."""

    def __init__(self, job_id: str, background: bool = False) -> None:
        from distributed import Event, Variable, get_client

        super().__init__(name=f"mnist-studio-link-{job_id}", daemon=True)
        client = get_client()  # the worker's: made here, in the task's own thread
        self.progress = Variable(progress_name(job_id), client=client)
        self.event, self.why = Event(stop_name(job_id), client=client), Variable(reason_name(job_id), client=client)
        self.job_id, self.client = job_id, client
        self.give_way, self.yielding = (Event(GIVE_WAY, client=client) if background else None), False
        self.lock, self.done = threading.Lock(), threading.Event()
        self.state: dict[str, Any] | None = None
        self.last: dict[str, Any] = {}  # the state last published (published again when frames were sent)
        self.frames: list[dict[str, Any]] = []  # snapshots not sent yet, packed
        self.sent = 0  # snapshots sent
        self.stop_reason: str | None = None

    def send(self, state: dict[str, Any]) -> None:
        """Hand over the newest progress (the thread publishes it; nothing waits here)."""
        with self.lock:
            self.state = state

    def send_frame(self, snapshot: Any) -> None:
        """Hand over a new one-frame snapshot (sent with the next progress; nothing waits here)."""
        from .job_frames import pack

        with self.lock:
            self.frames.append(pack(snapshot))

    def run(self) -> None:
        while not self.done.wait(INTERVAL):
            self._publish()
            try:
                if self.give_way is not None:
                    self.yielding = self.give_way.is_set()
                if self.stop_reason is None and self.event.is_set():
                    try:  # "asked" by a person, or "idle": the app says which before it sets the event
                        self.stop_reason = str(self.why.get(timeout=1))
                    except Exception:  # noqa: BLE001
                        self.stop_reason = "asked"
            except Exception:  # noqa: BLE001 -- the scheduler is busy or gone: try again next time
                pass

    def _publish(self) -> None:
        """The frames first, then the progress that counts them: a reader never looks for a frame not set."""
        from distributed import Variable

        with self.lock:
            state, self.state, frames, self.frames = self.state, None, self.frames, []
        for i, frame in enumerate(frames):
            try:
                Variable(frame_name(self.job_id, self.sent), client=self.client).set(frame)
            except Exception:  # noqa: BLE001 -- the scheduler is busy: the rest next time, in order
                with self.lock:
                    self.frames[:0] = frames[i:]
                break
            self.sent += 1
        if state is None and frames and self.last:
            state = self.last  # no new progress, but new frames: say so
        if state is not None:
            self.last = state = {**state, "frames": self.sent}
            try:
                self.progress.set(state)
            except Exception:  # noqa: BLE001
                pass

    def close(self, final: dict[str, Any]) -> None:
        """Stop the thread and publish the final state, waiting for it this time; the
        snapshots' Variables go, in a thread of their own so that the result does not wait
        (the page shows the saved model's frames from now on)."""
        self.done.set()
        self.join(5)
        with self.lock:
            self.frames = []
        self.send(final)
        self._publish()
        threading.Thread(target=self._delete_frames, name=f"mnist-studio-unlink-{self.job_id}", daemon=True).start()

    def _delete_frames(self) -> None:
        from distributed import Variable

        for number in range(self.sent):
            try:
                Variable(frame_name(self.job_id, number), client=self.client).delete()
            except Exception:  # noqa: BLE001 -- the scheduler is gone
                pass


class Reporter:
    """Training callback: the progress state, with the curve thinned, handed to the Link."""

    def __init__(self, link: Link, total: int) -> None:
        self.link = link
        self.state: dict[str, Any] = {"status": "running", "pid": os.getpid(), "samples_seen": 0,
                                      "total": total, "seconds": 0.0, "curve": [], "epochs": [],
                                      "started": time.time()}
        self.curve: list[dict[str, float]] = []
        self.sent = 0.0
        self.update(force=True)

    def update(self, force: bool = False, **changes: Any) -> dict[str, Any]:
        self.state.update(changes)
        if force or time.monotonic() - self.sent >= INTERVAL:  # thinning is the only work: do it seldom
            self.state["curve"] = thin(self.curve, CURVE_POINTS)
            self.link.send(dict(self.state))
            self.sent = time.monotonic()
        return dict(self.state)

    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None:
        self.curve.append({k: logs[k] for k in ("samples_seen", "loss", "accuracy", "epoch")})
        self.update(samples_seen=samples_seen, total=int(logs["total_samples"]), seconds=logs["seconds"])

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.state["epochs"] = [*self.state["epochs"], dict(logs)]
        self.update(force=True)

    def on_snapshot(self, snapshot: Any) -> None:
        """A new picture of the first layer, with the fixed test images' predictions
        (a one-frame Snapshots, see :func:`train_model`'s ``on_snapshot``)."""
        self.link.send_frame(snapshot)


class StopCheck:
    """``should_stop`` for the loop: what the Link last heard, or the time limit.  Reads
    a local value only, so it costs nothing per batch.  With ``give_way`` seconds (the
    studio's own run), it first pauses while the Link says a person's run is on the
    cluster, for that long at most in all; a pause does not count toward the time limit."""

    def __init__(self, link: Link, time_limit: float, give_way: float = 0.0) -> None:
        self.link = link
        self.deadline = time.monotonic() + time_limit
        self.reason: str | None = None
        self.give_way, self.paused = give_way, 0.0

    def __call__(self) -> bool:
        if self.reason is None and self.link.yielding and self.paused < self.give_way:
            start, most = time.monotonic(), self.give_way - self.paused
            while self.link.yielding and self.link.stop_reason is None and time.monotonic() - start < most:
                time.sleep(0.05)
            waited = time.monotonic() - start
            self.paused, self.deadline = self.paused + waited, self.deadline + waited
        if self.reason is None:
            self.reason = "time limit" if time.monotonic() > self.deadline else self.link.stop_reason
        return self.reason is not None


def worker_ready(data: Dataset | DatasetFiles | None = None) -> int:
    """Run on every worker at a server's start (``JobManager.warm``): this module
    imported, the dataset's files opened, and the worker's own client, which a run's
    :class:`Link` talks through, made now (~0.2 s) rather than in the first run a pupil watches."""
    from distributed import get_client

    if data is not None:
        as_dataset(data)
    get_client()
    return os.getpid()


def in_background(work: Callable[[], Any]) -> Any:
    """``work()`` in a thread of its own at :data:`BACKGROUND_NICE` (its value or its
    error): the niceness ends with that thread, so the worker's own thread trains the
    next run at full priority (raising it back would need privileges)."""
    with ThreadPoolExecutor(1, "mnist-studio-background-run", lower_priority, (BACKGROUND_NICE,)) as pool:
        return pool.submit(work).result()


def run_job(job_id: str, kind: str, dataset: Dataset | DatasetFiles, hyper: dict[str, Any], config: TrainConfig,
            time_limit: float, extra: dict[str, Any] | None = None,
            handwriting: dict[str, Any] | None = None, background: bool = False) -> dict[str, Any]:
    """Train on this worker; return ``{status, pid, meta, model}`` (``model``: the
    .npz bytes, whose metadata has ``extra`` added) or ``{status: "failed", pid, error}``
    with a sentence.  ``handwriting`` (``{images, labels, repeat}``): the user's drawings,
    appended ``repeat`` times to the training set and recorded in the metadata.
    ``background``: the studio's own run, trained at a lower priority (:func:`in_background`;
    the training thread talks to nobody but the Link, which stays in this task's thread).
    ``dataset``: the dataset, or on the embedded cluster its files (opened once per worker)."""
    dataset = as_dataset(dataset)
    if handwriting is not None:
        dataset = add_handwriting(dataset, handwriting["images"], handwriting["labels"], handwriting["repeat"])
        extra = {**(extra or {}), "handwriting": {"images": len(handwriting["images"]),
                                                  "repeat": int(handwriting["repeat"])}}
    link = Link(job_id, background)
    link.start()
    reporter = Reporter(link, len(dataset.x_train) * config.epochs)
    try:
        check = StopCheck(link, time_limit, GIVE_WAY_SECONDS if background else 0.0)
        work = lambda: train_model(kind, dataset, hyper, config, callbacks=[reporter], should_stop=check,  # noqa: E731
                                   on_snapshot=reporter.on_snapshot)
        result = in_background(work) if background else work()
    except Exception as err:  # noqa: BLE001 -- reported as a sentence, never lost
        link.close(reporter.update(status="failed", error=sentence(err)))
        return {"status": "failed", "pid": os.getpid(), "error": sentence(err)}
    meta = {**result.meta, "stop_reason": check.reason if result.history.stopped else None, **(extra or {})}
    if check.paused:  # its training time without the pauses, which are recorded apart
        meta.update(train_seconds=round(max(meta["train_seconds"] - check.paused, 0.0), 2),
                    gave_way_seconds=round(check.paused, 2))
    link.close(reporter.update(status=meta["status"]))
    # the last epoch's answers on the test set (the loop computed them anyway), kept in the file:
    # no page evaluates the model in the web server, and a stopped run saves within its grace period
    kept = from_proba(result.history.test_proba)
    payload = model_to_bytes(result.model, meta, result.snapshots, kept)
    return {"status": meta["status"], "pid": os.getpid(), "meta": meta, "model": payload}
