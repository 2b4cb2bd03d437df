"""A running job's training snapshots, every one, for a page to play while the run goes.

The worker (:class:`.worker.Link`) sets each new frame -- a one-frame
:class:`~mnist_core.storage.snapshots.Snapshots`, :func:`pack`\\ ed to bytes, about 50 kB
on MNIST -- into a Dask Variable of its own (:func:`frame_name`: the job and the frame's
number) before it counts it in the job's progress (``"frames"``), so none is lost
however fast they come (the 8x8 digits take several a second) and any number of pages
can read them.  The manager (:class:`JobFrames`) reads each frame once, when a page
asks, and keeps them in memory, at most :data:`~mnist_core.storage.snapshots.MAX_FRAMES`
per run, dropping frames as the recorder does (:func:`~mnist_core.explain.snapshots.frame_to_drop`),
so its copy is the file's.  When the run ends the worker deletes the Variables and the
manager forgets its copy: the saved model holds every frame.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..explain.snapshots import frame_to_drop
from ..storage.snapshots import ARRAYS, MAX_FRAMES, Snapshots
from . import cluster
from .worker import frame_name, progress_name


def pack(snapshot: Snapshots) -> dict[str, Any]:
    """A one-frame snapshot as plain data any scheduler carries: ``{name: [bytes, shape]}``."""
    return {name: [a.tobytes(), list(a.shape)] for name, a in snapshot.arrays().items()}


def unpack(sent: dict[str, Any]) -> Snapshots:
    """:func:`pack`'s inverse (ValueError for anything else)."""
    return Snapshots.from_arrays({name: np.frombuffer(data, ARRAYS[name][0]).reshape(shape)
                                  for name, (data, shape) in sent.items() if name in ARRAYS})


def joined(frames: list[Snapshots]) -> Snapshots:
    """One-frame snapshots of one run, in order, as one :class:`Snapshots` (T, n, h, w)."""
    first = frames[0]
    probes = (first.probe_index, first.probe_labels, np.concatenate([f.probe_proba for f in frames])) \
        if all(f.has_predictions for f in frames) else (None, None, None)
    return Snapshots(first.units, np.concatenate([f.frames for f in frames]),
                     np.concatenate([f.scales for f in frames]), np.concatenate([f.samples_seen for f in frames]),
                     np.concatenate([f.epoch for f in frames]), *probes)


class Kept:
    """One running job's frames as the manager keeps them: ``read`` of the worker's frames
    read so far, ``frames`` the one-frame snapshots kept (at most MAX_FRAMES)."""

    def __init__(self) -> None:
        self.read = 0
        self.frames: list[Snapshots] = []

    def add(self, frame: Snapshots) -> None:
        self.frames.append(frame)
        if len(self.frames) > MAX_FRAMES:
            del self.frames[frame_to_drop(np.array([float(f.epoch[0]) for f in self.frames]))]


class JobFrames:
    """Mixin of :class:`.jobs.JobManager`: a running job's snapshots so far."""

    _frames_lock = threading.Lock()  # one reader at a time (the class's: every manager's): each frame is read once
    _copies: dict[str, Kept]  # job id -> its frames (:class:`.jobs.JobManager` makes it)

    def frames(self, job: Any, sent: int | None = None) -> Snapshots | None:
        """The frames the running ``job`` has recorded so far, oldest first (None: none yet,
        a model with no snapshots, or the run ended -- its saved file has them).  ``sent``:
        how many it has sent (``JobSnapshot.frames``, read just now), else read here."""
        from distributed import Variable

        client = cluster.current()
        if client is None or job.status.finished or job.future is None:
            return None
        try:
            sent = int(Variable(progress_name(job.id), client=client).get(timeout=2).get("frames", 0)) \
                if sent is None else sent
        except Exception:  # noqa: BLE001 -- not published yet, or just deleted
            sent = 0
        with self._frames_lock:
            kept = self._copies.setdefault(job.id, Kept())
            for number in range(kept.read, sent):
                try:
                    frame = unpack(Variable(frame_name(job.id, number), client=client).get(timeout=1))
                except Exception:  # noqa: BLE001 -- the run just ended (deleted): the file has it
                    break
                kept.add(frame)
                kept.read = number + 1
            return joined(kept.frames) if kept.frames else None

    def _forget_frames(self, job: Any, client: Any) -> None:
        """The run ended: its saved model has the frames.  A run ended for real (its worker
        restarted) could not delete its Variables: they go here."""
        from distributed import Variable

        with self._frames_lock:
            kept = self._copies.pop(job.id, None)
        if job.hard_stop is None or client is None:
            return
        try:
            sent = int(Variable(progress_name(job.id), client=client).get(timeout=0.5).get("frames", 0))
        except Exception:  # noqa: BLE001
            sent = kept.read if kept is not None else 0
        for number in range(sent):
            try:
                Variable(frame_name(job.id, number), client=client).delete()
            except Exception:  # noqa: BLE001 -- never set, or the cluster is gone
                pass
