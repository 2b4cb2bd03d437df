"""What the job manager does on its own and on request once runs are queued: stopping a
run, stopping the runs of idle workspaces, ending for real a run that does not stop
(:mod:`.hard_stop`), and closing when the server stops (see :mod:`.jobs`)."""
from __future__ import annotations

import time

from .. import settings
from ..errors import sentence
from . import cluster, run_records
from .hard_stop import end_for_real, overdue
from .job_state import Job, JobStatus
from .job_views import STUDIO
from .worker import GIVE_WAY, progress_name, reason_name, stop_name


class JobWatch:
    """Mixin of :class:`.jobs.JobManager` (its lock, clock, jobs and last-seen times)."""

    def stop(self, job_id: str, reason: str = "asked") -> None:
        """Ask a run to stop after its current batch, saying why ("asked", "idle", "teacher",
        "server stopped"; a queued run stops after its first batch and is saved as stopped).
        Asking twice changes nothing; a run still going after the grace period is ended for real."""
        from distributed import Event, Variable

        job, client = self.get(job_id), cluster.current()
        with self._lock:
            if job is not None and job.pending is not None:  # never sent: it ends here, nothing to save
                job.pending, job.status, job.stop_reason = None, JobStatus.STOPPED, reason
                run_records.remove(job.workspace, job.id)
                return
            if job is None or job.status.finished or job.stop_reason is not None or client is None:
                return
            job.stop_reason, job.stop_asked = reason, self.clock()
        Variable(reason_name(job_id), client=client).set(reason)
        Event(stop_name(job_id), client=client).set()

    def _dispatch(self, mine: list[Job] = (), slots: int = 0) -> None:
        """Send queued runs to the cluster while it has a free slot: the highest priority
        (the studio's model) first, then the oldest.  A run of ``mine`` that cannot be sent
        gives back the slots of ``mine`` not sent and raises; any other is failed with the sentence."""
        while True:
            with self._lock:
                busy = sum(1 for j in self._jobs.values() if j.future is not None)
                waiting = sorted((j for j in self._jobs.values() if j.pending is not None),
                                 key=lambda j: (-j.priority, j.number))
                # none while a worker is restarted: the scheduler would give it the run (the
                # restart then kills it), and the datasets it held are sent again after; none
                # once the server closes (a slot freed by a stopping run must not start a queued one)
                if not waiting or self._restarting or self._closing or busy >= max(slots, 1):
                    return
                job = waiting[0]
                pending, job.pending = job.pending, None
            try:
                self._send(job, *pending, job.publish)
            except Exception as err:
                with self._lock:
                    lost = [j for j in mine if j.future is None] if job in mine else [job]
                    for other in lost:
                        other.pending = None
                        if job in mine:
                            self._jobs.pop(other.id, None)
                        else:
                            other.status, other.error = JobStatus.FAILED, sentence(err)
                for other in lost:
                    run_records.remove(other.workspace, other.id)
                if job in mine:
                    raise
                continue

    # -- idle workspaces and the queue ----------------------------------------------------
    def touch(self, workspace: str) -> None:
        """A page of ``workspace`` is open now."""
        with self._lock:
            self._seen[workspace] = self.clock()

    def stop_idle(self) -> list[str]:
        """Stop the runs of workspaces with no page open for ``MNIST_STUDIO_IDLE_SECONDS``."""
        limit, now = settings.idle_seconds(), self.clock()
        with self._lock:
            idle = [j.id for j in self._jobs.values() if not j.status.finished and j.stop_reason is None
                    and now - self._seen.get(j.workspace, now) > limit]
        for job_id in idle:
            self.stop(job_id, reason="idle")
        return idle

    def _watch_loop(self) -> None:
        while True:
            try:
                self._wake.wait(max(0.2, min(1.0, settings.idle_seconds() / 10)))  # a run ended: sooner
                self._wake.clear()
                self.stop_idle()
                with self._lock:
                    queued = [j for j in self._jobs.values() if j.status == JobStatus.QUEUED]
                for job in queued:
                    if job.future is not None:
                        self._read_progress(job)
                if any(job.pending is not None for job in queued):
                    self._dispatch(slots=self._slots())
                self.end_overdue()
            except Exception:  # noqa: BLE001 -- the next round tries again
                time.sleep(1.0)

    def end_overdue(self) -> list[str]:
        """End for real (restart their workers) the runs still going ``MNIST_STUDIO_STOP_GRACE_SECONDS``
        after being asked to stop or after their time limit (see :mod:`.hard_stop`)."""
        now, grace, client = self.clock(), settings.stop_grace_seconds(), cluster.current()
        with self._lock:
            late = [(job, why) for job in self._jobs.values() if (why := overdue(job, now, grace)) is not None]
            for job, why in late:
                job.hard_stop = why
            if client is not None:
                self._restarting += len(late)  # no run is sent until their workers are back
        for job, _ in late:
            if client is not None:
                end_for_real(client, job, self._restarted)
        return [job.id for job, _ in late]

    def _restarted(self) -> None:
        with self._data_lock:  # the restarted worker lost its copy of the datasets, and the
            self._data.clear()  # scheduler may not have said so yet: the next run sends them again
        with self._lock:
            self._restarting -= 1
        self._wake.set()

    def close(self, wait: float | None = None) -> None:
        """The server stops: ask every running run to stop and wait up to ``wait`` seconds
        (``CLOSE_WAIT_SECONDS``) for them to be saved as stopped.  Runs not saved by then, and
        queued runs, stay recorded: the next server reports them as interrupted."""
        with self._lock:
            self._closing = True
            running = [j.id for j in self._jobs.values() if j.status == JobStatus.RUNNING]
        for job_id in running:
            self.stop(job_id, reason="server stopped")
        deadline = time.monotonic() + (settings.CLOSE_WAIT_SECONDS if wait is None else wait)
        for job_id in running:  # waited for here: at interpreter exit Dask's callbacks no longer run
            job = self._jobs.get(job_id)
            future = job.future if job is not None else None
            if future is None:
                continue
            try:
                future.result(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 -- not done in time (it stays recorded), or failed: _finish says
                pass
            if future.done():
                self._finish(job, future)  # or Dask's callback is saving it: waited for below
        while time.monotonic() < deadline:
            with self._lock:
                if all(self._jobs[i].status.finished for i in running if i in self._jobs):
                    break
            time.sleep(0.1)
        run_records.LIVE.discard(self.token)

    def _give_way(self) -> None:
        """Set :data:`.worker.GIVE_WAY` while a person's run is on the cluster (the
        studio's own run pauses meanwhile), clear it when none is."""
        from distributed import Event

        client = cluster.current()
        with self._lock:
            people = any(j.workspace != STUDIO and j.future is not None and not j.status.finished
                         for j in self._jobs.values())
        try:
            if client is not None:
                event = Event(GIVE_WAY, client=client)
                event.set() if people else event.clear()
        except Exception:  # noqa: BLE001 -- the cluster is busy or gone: the studio's run just goes on
            pass

    def _forget(self, job: Job) -> None:
        from distributed import Event, Variable

        client = cluster.current()
        self._forget_frames(job, client)
        if client is None:
            return
        for thing in (Variable(progress_name(job.id), client=client), Variable(reason_name(job.id), client=client)):
            try:
                thing.delete()
            except Exception:  # noqa: BLE001 -- never set, or the cluster is gone
                pass
        try:
            Event(stop_name(job.id), client=client).clear()
        except Exception:  # noqa: BLE001
            pass
