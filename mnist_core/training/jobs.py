"""Training jobs of many people at once, run on Dask workers, owned by workspaces.

One :class:`JobManager` per app process (:func:`manager`) submits each run to the
cluster (:mod:`.cluster`) as :func:`.worker.run_job`, reads its progress from the
job's Dask Variable, asks it to stop through the job's Dask Event, and -- when the
run ends, whether or not anybody is looking -- saves the model it returns into its
workspace's store, marked with how it ended.

It keeps the run bounded: at most :data:`PER_WORKSPACE` queued or running jobs per
workspace (the cluster runs as many at once as it has workers; the rest queue, each
knowing its position; an experiment, :meth:`JobManager.submit_many`, queues up to
:data:`PER_EXPERIMENT` together into an otherwise idle workspace), a time limit per job (``MNIST_STUDIO_JOB_SECONDS``, default
30 minutes), and a job whose workspace has had no page open for
``MNIST_STUDIO_IDLE_SECONDS`` (default 10 minutes) is stopped and saved as stopped.
Nothing here knows about any user interface.
"""
from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any

import numpy as np

from ..config import TrainConfig
from ..data.datasets import Dataset
from ..errors import MnistError, sentence
from ..i18n import N_, Text
from ..models import model_class, recommended_training
from ..storage import ModelStore
from ..storage.store import check_name
from ..storage.modelfile import thin
from . import cluster
from .job_state import Job, JobSnapshot, JobStatus, seconds_setting
from .worker import CURVE_POINTS, progress_name, reason_name, run_job, stop_name

#: Most queued or running jobs one workspace may have.
PER_WORKSPACE = 2
#: Most runs one experiment queues at once (into a workspace with nothing else queued or running).
PER_EXPERIMENT = 3


#: The workspace that trains the studio's own default model, once, into the gallery.
STUDIO = "studio"


class JobManager:
    """See the module docstring.  Thread-safe: every session of the app shares one.
    Its lock guards its own records only; no call to the cluster is made while it is held."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._default_lock = threading.Lock()  # one default run per dataset, however many ask
        self._data_lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._numbers = itertools.count(1)
        self._data: dict[tuple, Any] = {}  # (client, dataset) -> its future on the cluster
        self._seen: dict[str, float] = {}  # workspace -> when a page of it last ran (monotonic)
        self._watcher: threading.Thread | None = None

    # -- submitting -----------------------------------------------------------------
    def submit(self, workspace: str, kind: str, dataset: Dataset, hyper: dict[str, Any] | None = None,
               config: TrainConfig | None = None, store: ModelStore | None = None,
               name: str | None = None, publish: bool = False,
               handwriting: tuple[np.ndarray, np.ndarray, int] | None = None) -> Job:
        """Queue a run of ``kind`` on ``dataset`` for ``workspace``; it will be saved in
        ``store`` (``name``: under that name, which must be free, else under an automatic
        one; ``publish``: marked as published by the workspace; ``handwriting``:
        ``(images, labels, repeat)`` added to the training set, see ``add_handwriting``).
        Bad settings, a taken name, a model too large to save and a full workspace are
        refused here, with a sentence."""
        run = self._prepare(kind, dataset, hyper, config, handwriting)
        return self._queue(workspace, dataset, [(kind, *run, name)], store, publish, PER_WORKSPACE)[0]

    def submit_many(self, workspace: str, dataset: Dataset,
                    runs: list[tuple[str, dict[str, Any], TrainConfig | None]],
                    store: ModelStore | None = None) -> list[Job]:
        """Queue an experiment's runs ``(kind, hyperparameters, config)`` together: all
        of them or, with a sentence, none.  Up to :data:`PER_EXPERIMENT` at once, when the
        workspace has no other run queued or running (:data:`PER_WORKSPACE` bounds single runs)."""
        if not 1 <= len(runs) <= PER_EXPERIMENT:
            raise MnistError("An experiment has 1 to {most} runs (got {count}).", most=PER_EXPERIMENT, count=len(runs))
        prepared = [(kind, *self._prepare(kind, dataset, hyper, config, None), None) for kind, hyper, config in runs]
        return self._queue(workspace, dataset, prepared, store, False, max(PER_WORKSPACE, len(runs)))

    def _prepare(self, kind: str, dataset: Dataset, hyper: dict[str, Any] | None, config: TrainConfig | None,
                 handwriting: tuple[np.ndarray, np.ndarray, int] | None) -> tuple:
        """``(hyper, config, handwriting)`` for one run, checked: refused now, with a sentence,
        rather than on a worker."""
        hyper = dict(hyper or {})
        if handwriting is not None:
            from .pipeline import check_handwriting

            images, labels, repeat = handwriting
            check_handwriting(dataset, images, labels, repeat)
            handwriting = {"images": np.asarray(images), "labels": np.asarray(labels), "repeat": int(repeat)}
        config = config or recommended_training(kind, len(dataset.x_train))
        from ..storage.modelfile import MAX_WEIGHT_BYTES
        from .pipeline import dataset_hyperparameters

        cls = model_class(kind)
        settings = cls.Config(**{**dataset_hyperparameters(kind, dataset), **hyper})  # refuse bad settings now
        weights = sum(int(np.prod([d if isinstance(d, int) else d[1] for d in shape]))
                      for shape in cls.shapes(settings).values()) * 8
        if weights > MAX_WEIGHT_BYTES:
            raise MnistError("A model this large ({mib:,.0f} MiB of weights) could not be saved here "
                             "(the limit is {most} MiB): choose smaller layers.", mib=weights / 2**20,
                             most=MAX_WEIGHT_BYTES // 2**20)
        return hyper, config, handwriting

    def _queue(self, workspace: str, dataset: Dataset, runs: list[tuple], store: ModelStore | None,
               publish: bool, limit: int) -> list[Job]:
        """Take the workspace's slots for ``runs`` ``(kind, hyper, config, handwriting, name)``
        (all or none), then send each to the cluster."""
        store = store or ModelStore()
        for *_, name in runs:
            if name is not None:
                check_name(name)
                if name in store.names():
                    raise MnistError("You already have a model named {name!r}: choose another name.", name=name)
        with self._lock:
            active = [j for j in self._jobs.values() if j.workspace == workspace and not j.status.finished]
            if len(active) + len(runs) > limit:
                if len(runs) == 1:
                    raise MnistError("This workspace already has {active} runs queued or running: "
                                     "wait for one to finish, or stop one, before starting another.", active=len(active))
                raise MnistError("This experiment queues {count} runs, and this workspace already has {active} "
                                 "queued or running: wait for them to finish, or stop them, first.",
                                 count=len(runs), active=len(active))
            for *_, name in runs:
                if name is not None and any(j.name == name and j.store.root == store.root for j in active):
                    raise MnistError("A run of yours will already be saved as {name!r}: choose another name.",
                                     name=name)
            jobs = []
            for kind, _, config, _, name in runs:
                job = Job(uuid.uuid4().hex[:12], next(self._numbers), workspace, kind, dataset.name, config,
                          store, name, publish=publish)
                self._jobs[job.id] = job  # the workspace's slot is taken from here on
                jobs.append(job)
            self._seen[workspace] = time.monotonic()
        sent = []
        for job, (kind, hyper, config, handwriting, _) in zip(jobs, runs):
            try:
                self._send(job, kind, dataset, hyper, config, handwriting, publish)
            except Exception:
                with self._lock:  # the slots of the runs not sent are given back
                    for other in jobs[len(sent):]:
                        self._jobs.pop(other.id, None)
                raise
            sent.append(job)
        self._watch()
        return jobs

    def _send(self, job: Job, kind: str, dataset: Dataset, hyper: dict[str, Any], config: TrainConfig,
              handwriting: dict[str, Any] | None, publish: bool) -> None:
        try:
            from distributed import Variable

            client = cluster.client()
            data = self._scattered(client, dataset)
            Variable(progress_name(job.id), client=client).set({"status": JobStatus.QUEUED.value})
            extra = ({"published_by": job.workspace, "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
                     if publish else {})
            job.future = client.submit(run_job, job.id, kind, data, hyper, config,
                                       seconds_setting("MNIST_STUDIO_JOB_SECONDS", 1800.0), extra, handwriting,
                                       key=f"train-{job.id}", pure=False)
        except Exception as err:  # noqa: BLE001 -- the slot is given back, the reason told
            raise MnistError("The run could not be sent to the workers: {reason}", reason=sentence(err)) from err
        job.future.add_done_callback(lambda future, job=job: self._finish(job, future))

    def _scattered(self, client: Any, dataset: Dataset) -> Any:
        """The dataset on every worker, sent once per client (workers need no files of
        their own); sent again if a worker that held it was lost."""
        key = (id(client), dataset.name, dataset.source, len(dataset.x_train))
        with self._data_lock:
            future = self._data.get(key)
            if future is None or future.status != "finished":
                future = self._data[key] = client.scatter(dataset, hash=False, broadcast=True)
            return future

    def _finish(self, job: Job, future: Any) -> None:
        """When the run ends (in Dask's callback thread): save what it learned."""
        try:
            outcome = future.result()
        except BaseException as err:  # noqa: BLE001 -- a lost worker, a cancelled run
            outcome = {"status": "failed",
                       "error": sentence(err) if isinstance(err, Exception) else N_("The run was cancelled.")}
        saved, error, meta = None, outcome.get("error"), outcome.get("meta")
        if "model" in outcome:
            try:
                saved = job.store.save_bytes(outcome["model"], meta, job.name, unique=True).name  # taken meanwhile: name-2
            except Exception as err:  # noqa: BLE001
                error = Text(N_("The model was trained but could not be saved: {reason}"), reason=sentence(err))
        with self._lock:
            job.status = JobStatus.FAILED if error else JobStatus(outcome["status"])
            job.saved_name, job.error, job.pid, job.meta = saved, error, outcome.get("pid"), meta
            job.future = None  # the result (the model's bytes) can leave the worker's memory
            self._prune()
        self._forget(job)

    def _prune(self, keep: int = 5) -> None:
        """Forget all but the newest ``keep`` finished runs of each workspace (under the lock)."""
        by_workspace: dict[str, list[Job]] = {}
        for job in sorted(self._jobs.values(), key=lambda j: -j.number):
            if job.status.finished:
                by_workspace.setdefault(job.workspace, []).append(job)
        for jobs in by_workspace.values():
            for old in jobs[keep:]:
                self._jobs.pop(old.id, None)
        live = {j.workspace for j in self._jobs.values()}
        for workspace in [w for w in self._seen if w not in live]:
            del self._seen[workspace]

    def _forget(self, job: Job) -> None:
        from distributed import Event, Variable

        client = cluster.current()
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

    def default_job(self, dataset: Dataset, store: ModelStore) -> Job:
        """The run that trains the studio's default model (the tutorial's network) for
        ``dataset`` into the shared ``store``: the one under way, or a new one.  A class
        of thirty opening Draw at once trains it once."""
        with self._default_lock:
            with self._lock:
                for job in self._jobs.values():
                    if job.workspace == STUDIO and job.dataset == dataset.name and not job.status.finished:
                        return job
            return self.submit(STUDIO, "classic", dataset, store=store, publish=True)

    # -- observing and stopping ---------------------------------------------------------
    def jobs(self, workspace: str) -> list[Job]:
        """The workspace's jobs, newest first."""
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.workspace == workspace), key=lambda j: -j.number)

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
            if state.get("status") == JobStatus.RUNNING and job.status == JobStatus.QUEUED:
                job.status, job.pid = JobStatus.RUNNING, state.get("pid")
        return state

    def snapshot(self, job: Job) -> JobSnapshot:
        """The job's state now: from the manager once it ended, else from its Variable."""
        if job.status.finished:
            return self._finished_snapshot(job)
        state = self._read_progress(job)
        with self._lock:
            if job.status.finished:  # it ended while we read
                return self._finished_snapshot(job)
            queued = sorted((j for j in self._jobs.values() if j.status == JobStatus.QUEUED), key=lambda j: j.number)
            status = job.status
        position = next((i + 1 for i, j in enumerate(queued) if j.id == job.id), None)
        return JobSnapshot(status, int(state.get("samples_seen", 0)), int(state.get("total", 0)),
                           float(state.get("seconds", 0.0)), list(state.get("curve", [])),
                           list(state.get("epochs", [])), position if status == JobStatus.QUEUED else None,
                           pid=state.get("pid"))

    def stop(self, job_id: str, reason: str = "asked") -> None:
        """Ask a run to stop after its current batch, saying why (a queued run stops
        after its first batch and is saved as stopped).  Asking twice changes nothing."""
        from distributed import Event, Variable

        job, client = self.get(job_id), cluster.current()
        with self._lock:
            if job is None or job.status.finished or job.stop_reason is not None or client is None:
                return
            job.stop_reason = reason
        Variable(reason_name(job_id), client=client).set(reason)
        Event(stop_name(job_id), client=client).set()

    # -- idle workspaces and the queue ----------------------------------------------------
    def touch(self, workspace: str) -> None:
        """A page of ``workspace`` is open now."""
        with self._lock:
            self._seen[workspace] = time.monotonic()

    def stop_idle(self) -> list[str]:
        """Stop the runs of workspaces with no page open for ``MNIST_STUDIO_IDLE_SECONDS``."""
        limit = seconds_setting("MNIST_STUDIO_IDLE_SECONDS", 600.0)
        now = time.monotonic()
        with self._lock:
            idle = [j.id for j in self._jobs.values() if not j.status.finished and j.stop_reason is None
                    and now - self._seen.get(j.workspace, now) > limit]
        for job_id in idle:
            self.stop(job_id, reason="idle")
        return idle

    def _watch(self) -> None:
        """Start the thread that stops idle workspaces' runs and keeps queue positions
        current when nobody is looking (once)."""
        with self._lock:
            if self._watcher is not None and self._watcher.is_alive():
                return
            self._watcher = threading.Thread(target=self._watch_loop, name="mnist-studio-jobs", daemon=True)
            self._watcher.start()

    def _watch_loop(self) -> None:
        while True:
            try:
                time.sleep(max(0.2, min(1.0, seconds_setting("MNIST_STUDIO_IDLE_SECONDS", 600.0) / 10)))
                self.stop_idle()
                with self._lock:
                    queued = [j for j in self._jobs.values() if j.status == JobStatus.QUEUED]
                for job in queued:
                    self._read_progress(job)
            except Exception:  # noqa: BLE001 -- the next round tries again
                time.sleep(1.0)


_manager: JobManager | None = None
_manager_lock = threading.Lock()


def manager() -> JobManager:
    """The process's job manager (one for every session of the app)."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = JobManager()
        return _manager
