"""Ending a run for real when it does not stop by itself.

A run is asked to stop (Stop, an idle workspace, the server closing) or reaches its
time limit, and stops after its current batch.  A solver that fits in one call
(scikit-learn's logistic regression) has no batches: it ran 271 s on a 20 s limit.  So
a run still going :func:`~mnist_core.settings.stop_grace_seconds` after either is
ended by restarting its worker -- the process, so nothing of it stays -- and the
person is told so in one sentence.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from ..i18n import N_, Text
from .job_state import Job, JobStatus


def overdue(job: Job, now: float, grace: float) -> Text | None:
    """Why ``job`` must be ended now (a sentence), or None.  ``now``: the manager's clock."""
    if job.status != JobStatus.RUNNING or job.running_since is None or job.hard_stop is not None:
        return None
    if job.stop_asked is not None and now - max(job.stop_asked, job.running_since) > grace:
        return Text(N_("The run did not stop within {grace:.0f} s of being asked to, so its worker was restarted to "
                       "end it; nothing was saved."), grace=grace)
    if now - job.running_since > job.time_limit + grace:
        return Text(N_("The run went {grace:.0f} s past its time limit of {limit:.0f} s without stopping, so its "
                       "worker was restarted to end it; nothing was saved. Choose smaller settings (fewer "
                       "iterations or epochs)."), grace=grace, limit=job.time_limit)
    return None


def end_for_real(client: Any, job: Job, done: Callable[[], None], timeout: float = 60.0) -> None:
    """Cancel the run and restart the worker that runs it, in a thread of its own
    (a restart takes seconds; the manager's watcher goes on meanwhile); then ``done()``
    once the scheduler no longer knows the old worker (or after ``timeout`` s).
    The manager sends no run meanwhile: the scheduler sees the cancelled run's worker as
    free and would give it the run, which the restart then kills."""
    future = job.future
    if future is None:
        done()
        return

    def restart() -> None:
        try:
            key = future.key
            worker = next((addr for addr, keys in client.processing().items() if key in keys), None)
            client.cancel([future], force=True)  # cancelled first: no cluster gives it to another worker
            if worker is not None:
                client.restart_workers([worker], timeout=timeout, raise_for_error=False)
                _wait_until_gone(client, worker, time.monotonic() + timeout)
        except Exception:  # noqa: BLE001 -- the cluster is gone: nothing is left to end
            pass
        finally:
            done()

    threading.Thread(target=restart, name=f"mnist-studio-hard-stop-{job.id}", daemon=True).start()


def _wait_until_gone(client: Any, worker: str, deadline: float) -> None:
    """Until the scheduler has removed ``worker``: Dask's restart returns as soon as it
    counts as many workers as before, which may still include the killed one."""
    while time.monotonic() < deadline and worker in client.scheduler_info(n_workers=-1)["workers"]:
        time.sleep(0.2)
