"""How the job manager's runs look from outside: the runs of a workspace or of the whole
class, one run's progress (from its Dask Variable while it runs, from the manager once it
ended), and the runs a stopped server left behind (see :mod:`.jobs`)."""
from __future__ import annotations

from typing import Any

from ..storage.modelfile import thin
from . import cluster, run_records
from .job_state import Job, JobSnapshot, JobStatus
from .worker import CURVE_POINTS, progress_name

#: The workspace that trains the studio's own default model, once, into the gallery.
STUDIO = "studio"


class JobViews:
    """Mixin of :class:`.jobs.JobManager`: reading, never changing, but a run's status
    as its progress shows it."""

    def jobs(self, workspace: str) -> list[Job]:
        """The workspace's jobs, newest first."""
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.workspace == workspace), key=lambda j: -j.number)

    def all_jobs(self) -> list[Job]:
        """Every workspace's jobs (and the studio's), newest first: a teacher's view of
        the class; any of them can be stopped with :meth:`stop` (``reason="teacher"``)."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.number)

    def interrupted(self, workspace: str) -> list[run_records.RunRecord]:
        """The workspace's runs that were queued or running when a server stopped (each says
        :data:`.run_records.INTERRUPTED`; ``settings()`` gives what :meth:`submit` needs to
        start it again, then :meth:`dismiss` forgets it)."""
        return run_records.interrupted(workspace)

    def dismiss(self, workspace: str, run_id: str) -> None:
        """Forget an interrupted run (started again, or not wanted)."""
        if any(r.id == run_id for r in run_records.interrupted(workspace)):
            run_records.remove(workspace, run_id)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _finished_snapshot(self, job: Job) -> JobSnapshot:
        meta = job.meta or {}
        epochs, curve = meta.get("history") or [], meta.get("curve") or []
        return JobSnapshot(job.status, epochs[-1]["samples_seen"] if epochs else 0,
                           len(curve) and int(curve[-1]["total_samples"]), meta.get("train_seconds") or 0.0,
                           thin(curve, CURVE_POINTS), epochs, None, job.error, job.saved_name, job.pid, job.meta)

    def _read_progress(self, job: Job) -> dict[str, Any]:
        """The job's last published progress (and its status brought up to date)."""
        from distributed import Variable

        client = cluster.current()
        try:
            state = Variable(progress_name(job.id), client=client).get(timeout=2) if client else {}
        except Exception:  # noqa: BLE001 -- not published yet, or just deleted
            state = {}
        with self._lock:
            started = state.get("status") == JobStatus.RUNNING and job.status == JobStatus.QUEUED
            if started:
                job.status, job.pid, job.running_since = JobStatus.RUNNING, state.get("pid"), self.clock()
        if started and job.workspace != STUDIO:
            run_records.set_status(job.workspace, job.id, JobStatus.RUNNING.value)
        return state

    @staticmethod
    def wait_end(job: Job, seconds: float) -> bool:
        """Wait at most ``seconds`` for a run to end with its model saved (True if it did):
        a page that polls every second and sees a run about to end shows "Saved as" at once
        instead of at its next tick."""
        return job.ended.wait(seconds)

    def snapshot(self, job: Job) -> JobSnapshot:
        """The job's state now: from the manager once it ended, else from its Variable."""
        if job.status.finished:
            return self._finished_snapshot(job)
        state = self._read_progress(job) if job.pending is None else {}  # not sent yet: no Variable to wait on
        with self._lock:
            if job.status.finished:  # it ended while we read
                return self._finished_snapshot(job)
            queued = sorted((j for j in self._jobs.values() if j.status == JobStatus.QUEUED),
                            key=lambda j: (-j.priority, j.number))
            status = job.status
        position = next((i + 1 for i, j in enumerate(queued) if j.id == job.id), None)
        return JobSnapshot(status, int(state.get("samples_seen", 0)), int(state.get("total", 0)),
                           float(state.get("seconds", 0.0)), list(state.get("curve", [])),
                           list(state.get("epochs", [])), position if status == JobStatus.QUEUED else None,
                           pid=state.get("pid"), frames=int(state.get("frames", 0)))
