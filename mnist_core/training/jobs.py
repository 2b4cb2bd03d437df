"""Training jobs of many people at once, run on Dask workers, owned by workspaces.

One :class:`JobManager` per app process (:func:`manager`) submits each run to the
cluster (:mod:`.cluster`) as :func:`.worker.run_job`, reads its progress from the
job's Dask Variable, asks it to stop through the job's Dask Event, and -- when the
run ends, whether or not anybody is looking -- saves the model it returns into its
workspace's store, marked with how it ended.

It keeps runs bounded (limits in :mod:`mnist_core.settings`): a budget of memory and
arithmetic checked before a run is queued (:mod:`.limits`); at most
``RUNS_PER_WORKSPACE`` queued or running runs per workspace and ``RUNS_PER_WORKER`` per
worker in the whole class (the rest of the runs queue, each knowing its position; the
studio's own default model goes first); a time limit per run (``MNIST_STUDIO_JOB_SECONDS``);
the runs of a workspace with no page open for ``MNIST_STUDIO_IDLE_SECONDS`` are stopped
and saved as stopped; and a run that does not stop in time is ended for real
(:mod:`.hard_stop`).  Every queued and running run is recorded in its workspace
(:mod:`.run_records`): closing saves running runs as stopped, and after a restart
:meth:`JobManager.interrupted` tells of the others.  Nothing here knows of any interface.
"""
from __future__ import annotations

import atexit
import errno
import itertools
import threading
import time
import uuid
from typing import Any, Callable

import numpy as np

from .. import settings
from ..config import TrainConfig
from ..data.datasets import Dataset
from ..data.mapped import DatasetFiles, write_files
from ..errors import MnistError, sentence
from ..i18n import N_, Text
from ..models import model_class, recommended_training
from ..storage import ModelStore
from ..storage.store import check_name
from . import cluster, limits, run_records
from .job_frames import JobFrames
from .job_state import Job, JobStatus
from .job_views import STUDIO, JobViews
from .job_watch import JobWatch
from .worker import progress_name, run_job, worker_ready

PER_WORKSPACE, PER_EXPERIMENT = settings.RUNS_PER_WORKSPACE, settings.RUNS_PER_EXPERIMENT


#: Seconds :meth:`JobManager.warm` waits for the workers to be ready.
WARM_WAIT = 60.0


class JobManager(JobViews, JobWatch, JobFrames):
    """See the module docstring.  Thread-safe: every session of the app shares one.
    Its lock guards its own records only; no call to the cluster is made while it is held."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock  # for idle workspaces and overdue runs; a test may turn it forward
        self.token = uuid.uuid4().hex  # names this manager in its runs' records
        run_records.LIVE.add(self.token)
        self._closing = False
        self._disk_full: dict[str, Job] = {}  # dataset -> the default run whose save found the disk full
        self._lock = threading.RLock()
        self._default_lock = threading.Lock()  # one default run per dataset, however many ask
        self._data_lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._copies = {}  # job id -> a running job's frames read so far (:mod:`.job_frames`)
        self._numbers = itertools.count(1)
        self._data: dict[tuple, Any] = {}  # (client, dataset) -> its files or its future on the cluster
        self._seen: dict[str, float] = {}  # workspace -> when a page of it last ran (monotonic)
        self._watcher: threading.Thread | None = None
        self._wake = threading.Event()  # a run ended: the watcher sends the next one
        self._restarting = 0  # workers being restarted to end runs (no run is sent to them meanwhile)

    # -- submitting -----------------------------------------------------------------
    def submit(self, workspace: str, kind: str, dataset: Dataset, hyper: dict[str, Any] | None = None,
               config: TrainConfig | None = None, store: ModelStore | None = None,
               name: str | None = None, publish: bool = False,
               handwriting: tuple[np.ndarray, np.ndarray, int] | None = None, priority: int = 0) -> Job:
        """Queue a run of ``kind`` on ``dataset`` for ``workspace``; it will be saved in
        ``store`` (``name``: under that name, which must be free, else under an automatic
        one; ``publish``: marked as published by the workspace; ``handwriting``:
        ``(images, labels, repeat)`` added to the training set, see ``add_handwriting``).
        Bad settings, a taken name, a model too large to save and a full workspace are
        refused here, with a sentence, as are a run over its budget and a full class
        (``priority``: Dask's; :meth:`default_job` gives the studio's model a higher one)."""
        run = self._prepare(kind, dataset, hyper, config, handwriting)
        return self._queue(workspace, dataset, [(kind, *run, name)], store, publish, PER_WORKSPACE, priority)[0]

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
        from .pipeline import dataset_hyperparameters

        cls = model_class(kind)
        chosen = cls.Config(**{**dataset_hyperparameters(kind, dataset), **hyper})  # refuse bad settings now
        limits.check_weights(cls, chosen)
        extra = len(handwriting["images"]) * handwriting["repeat"] if handwriting else 0
        limits.check_budget(cls, chosen, config, len(dataset.x_train) + extra)
        return hyper, config, handwriting

    def _queue(self, workspace: str, dataset: Dataset, runs: list[tuple], store: ModelStore | None,
               publish: bool, limit: int, priority: int = 0) -> list[Job]:
        """Take the workspace's slots for ``runs`` ``(kind, hyper, config, handwriting, name)``
        (all or none), then send each to the cluster."""
        store = store or ModelStore()
        slots = 0 if workspace == STUDIO else self._slots()
        for *_, name in runs:
            if name is not None:
                check_name(name)
                if name in store.names():
                    raise MnistError("You already have a model named {name!r}: choose another name.", name=name)
        with self._lock:
            everyone = [j for j in self._jobs.values() if j.workspace != STUDIO and not j.status.finished]
            active = [j for j in everyone if j.workspace == workspace]
            if len(active) + len(runs) > limit:
                if len(runs) == 1:
                    raise MnistError("This workspace already has {active} runs queued or running: "
                                     "wait for one to finish, or stop one, before starting another.", active=len(active))
                raise MnistError("This experiment queues {count} runs, and this workspace already has {active} "
                                 "queued or running: wait for them to finish, or stop them, first.",
                                 count=len(runs), active=len(active))
            if slots:  # then the class's queue (one person may have many workspaces)
                limits.class_full(len(everyone) + len(runs) - 1, slots)
            for *_, name in runs:
                if name is not None and any(j.name == name and j.store.root == store.root for j in active):
                    raise MnistError("A run of yours will already be saved as {name!r}: choose another name.",
                                     name=name)
            jobs = []
            for kind, _, config, _, name in runs:
                job = Job(uuid.uuid4().hex[:12], next(self._numbers), workspace, kind, dataset.name, config,
                          store, name, publish=publish, priority=priority, time_limit=settings.job_seconds())
                self._jobs[job.id] = job  # the workspace's slot is taken from here on
                jobs.append(job)
            self._seen[workspace] = self.clock()
        for job, (kind, hyper, config, handwriting, _) in zip(jobs, runs):
            job.pending = (kind, dataset, hyper, config, handwriting)
            if workspace != STUDIO:  # the studio's run is started again by the next page that needs it
                run_records.write(job, hyper, handwriting, self.token)
        self._dispatch(jobs, slots or self._slots())
        self._watch()
        return jobs

    def _send(self, job: Job, kind: str, dataset: Dataset, hyper: dict[str, Any], config: TrainConfig,
              handwriting: dict[str, Any] | None, publish: bool) -> None:
        try:
            from distributed import Variable

            client = cluster.client()
            data = self._on_workers(client, dataset)
            Variable(progress_name(job.id), client=client).set({"status": JobStatus.QUEUED.value})
            extra = {"published_by": job.workspace, "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")} if publish else {}
            job.future = client.submit(run_job, job.id, kind, data, hyper, config, job.time_limit, extra, handwriting,
                                       job.workspace == STUDIO, key=f"train-{job.id}", pure=False, priority=job.priority)
        except Exception as err:  # noqa: BLE001 -- the slot is given back, the reason told
            raise MnistError("The run could not be sent to the workers: {reason}", reason=sentence(err)) from err
        job.future.add_done_callback(lambda future, job=job: self._finish(job, future))
        self._give_way()  # the studio's own run pauses while a person's run is on the cluster

    def _slots(self) -> int:
        """Runs the cluster runs at once (its worker threads); 0 if it cannot say."""
        try:
            return sum(cluster.client().nthreads().values())
        except Exception:  # noqa: BLE001 -- sending the run will say what is wrong
            return 0

    def warm(self, dataset: Dataset, studio: ModelStore | None = None) -> Job | None:
        """Start the workers and give them ``dataset`` now (a server's start), so that the
        first run a pupil watches waits for neither, nor for the workers' imports and clients.
        With ``studio`` (a gallery without the studio's model), its :meth:`default_job` is
        sent right behind and returned: it starts on a worker as soon as that worker is
        ready, and the other worker is ready for a pupil's first run all the same (unready,
        that run paid the worker's imports, client and files: ~0.3 CPU-seconds, measured on
        a fresh server).  Waits :data:`WARM_WAIT` seconds at most for the workers (a worker busy
        with a run sent before, as a lab's may be, gets ready after that run)."""
        client = cluster.client()
        data = self._on_workers(client, dataset)
        ready = [client.submit(worker_ready, data, workers=[address], allow_other_workers=False, pure=False,
                               priority=settings.DEFAULT_MODEL_PRIORITY + 1)  # before the studio's run
                 for address in client.scheduler_info()["workers"]]
        try:
            return self.default_job(dataset, studio) if studio is not None else None
        finally:
            deadline = time.monotonic() + WARM_WAIT
            try:
                for future in ready:  # a worker that failed to get ready raises why
                    future.result(timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                pass  # ready when that run ends: the warm-up is a head start, not a condition

    def _on_workers(self, client: Any, dataset: Dataset) -> Any:
        """What a run is given for ``dataset``, made once per client: on the embedded
        cluster, the dataset's files in its scratch folder (:mod:`mnist_core.data.mapped`);
        on a lab's, the dataset sent to every worker (again if a worker holding it was lost)."""
        key = (id(client), dataset.name, dataset.source, len(dataset.x_train))
        with self._data_lock:
            data, folder = self._data.get(key), cluster.shared_folder()
            if folder is not None:  # files of the running cluster's own
                if not (isinstance(data, DatasetFiles) and data.folder.startswith(folder)):
                    data = self._data[key] = write_files(dataset, f"{folder}/datasets/{uuid.uuid4().hex[:12]}")
            elif data is None or isinstance(data, DatasetFiles) or data.status != "finished":
                data = self._data[key] = client.scatter(dataset, hash=False, broadcast=True)
            return data

    def _finish(self, job: Job, future: Any) -> None:
        """When the run ends (in Dask's callback thread, or :meth:`close`'s): save what it learned, once."""
        with self._lock:
            if job.settled:
                return
            job.settled = True
        try:
            outcome = future.result()
        except BaseException as err:  # noqa: BLE001 -- a lost worker, a cancelled run
            outcome = {"status": "failed",
                       "error": sentence(err) if isinstance(err, Exception) else N_("The run was cancelled.")}
        saved, error, meta, full = None, outcome.get("error"), outcome.get("meta"), False
        if "model" in outcome:
            try:
                saved = job.store.save_bytes(outcome["model"], meta, job.name, unique=True).name  # taken meanwhile: name-2
            except OSError as err:
                full = err.errno in (errno.ENOSPC, errno.EDQUOT)
                error = (Text(N_("The disk is full: the model was trained but could not be saved. Free some space, "
                                 "then train again.")) if full else
                         Text(N_("The model was trained but could not be saved: {reason}"), reason=sentence(err)))
            except Exception as err:  # noqa: BLE001
                error = Text(N_("The model was trained but could not be saved: {reason}"), reason=sentence(err))
        elif job.hard_stop is not None:
            error = job.hard_stop
        with self._lock:
            job.status = (JobStatus.STOPPED if job.hard_stop is not None and saved is None and not full
                          else JobStatus.FAILED if error else JobStatus(outcome["status"]))
            job.saved_name, job.error, job.pid, job.meta = saved, error, outcome.get("pid"), meta
            job.future = None  # the result (the model's bytes) can leave the worker's memory
            if full and job.workspace == STUDIO:
                self._disk_full[job.dataset] = job
            self._prune()
        if not (self._closing and saved is None):  # closing: an unsaved run stays recorded, as interrupted
            run_records.remove(job.workspace, job.id)
        self._wake.set()
        job.ended.set()
        self._give_way()  # the studio's own run goes on if no person's run is left
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

    def default_job(self, dataset: Dataset, store: ModelStore) -> Job:
        """The run that trains the studio's default model (the tutorial's network) for
        ``dataset`` into the shared ``store``: the one under way, or a new one.  A class
        of thirty opening Draw at once trains it once.
        If its save found the disk full, that run is returned (with its sentence) until the
        disk has room again: it is not trained again on every visit.  It goes before every
        queued run (a higher Dask priority), and does not count in the class's queue."""
        with self._default_lock:
            with self._lock:
                for job in self._jobs.values():
                    if job.workspace == STUDIO and job.dataset == dataset.name and not job.status.finished:
                        return job
                full = self._disk_full.get(dataset.name)
            if full is not None and limits.free_bytes(store.root) < settings.MIN_FREE_BYTES:
                return full
            return self.submit(STUDIO, "classic", dataset, store=store, publish=True,
                               priority=settings.DEFAULT_MODEL_PRIORITY)

    def _watch(self) -> None:
        """Start the thread that stops idle workspaces' runs and keeps queue positions
        current when nobody is looking (once)."""
        with self._lock:
            if self._watcher is not None and self._watcher.is_alive():
                return
            self._watcher = threading.Thread(target=self._watch_loop, name="mnist-studio-jobs", daemon=True)
            self._watcher.start()
            if self is _manager and not _closing_registered:
                _register_close()  # after distributed's own exit hooks, so it runs before them


_manager: JobManager | None = None
_manager_lock = threading.Lock()
_closing_registered = False


def _register_close() -> None:
    """Close the process's manager when the interpreter exits (SIGTERM to the server ends in
    a normal exit): running runs are saved as stopped, the rest stay recorded."""
    global _closing_registered
    _closing_registered = True
    atexit.register(lambda: _manager.close() if _manager is not None else None)


def manager() -> JobManager:
    """The process's job manager (one for every session of the app)."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = JobManager()
        return _manager
