"""Training jobs on Dask workers: another process, progress, stop, queue, limits,
idle workspaces, divergence, saving into the owner's store."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from mnist_core.errors import MnistError, sentence
from mnist_core.storage import ModelStore
from mnist_core.training import JobManager, JobStatus, TrainConfig, cluster, run_records
from conftest import lab_client, wait_job

LONG = TrainConfig(epochs=1000, batch_size=1)  # runs until stopped


class Clock:
    """The manager's clock, turned forward by tests (idle workspaces, overdue runs)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@pytest.fixture(scope="module")
def clock():
    return Clock()


@pytest.fixture(scope="module")
def jobs(clock):
    """A fresh manager on a local cluster of two single-threaded worker processes."""
    os.environ["MNIST_STUDIO_WORKERS"] = "2"
    manager = JobManager(clock)
    yield manager
    cluster.shutdown()
    os.environ.pop("MNIST_STUDIO_WORKERS", None)


def test_warm_gives_every_worker_the_datasets_files_and_the_training_code_before_any_run(jobs, digits):
    """The embedded cluster's workers open the dataset's files, written once into the
    cluster's scratch folder (memory-mapped: one copy in the page cache); nothing is
    sent through the cluster.  (In a whole test run the cluster may hold others.)"""
    import sys

    from mnist_core.data import mapped

    client = cluster.client()

    def on_both() -> set:  # the dataset folders both workers have open
        opened = client.run(lambda: set(mapped._opened))
        return set.intersection(*opened.values()) if len(opened) == 2 else set()

    before, keys = on_both(), set().union(*map(set, client.has_what().values()))
    jobs.warm(digits)
    (folder,) = on_both() - before
    assert folder.startswith(cluster.shared_folder())
    files = mapped.open_files(mapped.DatasetFiles(folder, "digits", digits.pixel_max, digits.source))
    assert np.array_equal(files.x_train, digits.x_train) and np.array_equal(files.y_test, digits.y_test)
    # nothing scattered: the only new keys are warm's own small results, which the
    # scheduler forgets a moment after they are gathered (asynchronously)
    held = set().union(*map(set, client.has_what().values())) - keys
    assert all(key.startswith("worker_ready-") for key in held), held
    assert all(client.run(lambda: "mnist_core.training.worker" in sys.modules).values())
    jobs.warm(digits)  # again: nothing written twice
    assert on_both() - before == {folder}


def test_warm_on_a_fresh_gallery_readies_both_workers_before_the_studios_run(jobs, digits, tmp_path):
    """A fresh server: warm readies every worker first (a pupil's first run no longer pays
    a worker's imports and files) and sends the studio's default run behind, which then
    saves the studio's model into the gallery."""
    from distributed import get_task_stream

    from mnist_core.training.job_views import STUDIO

    gallery, client = ModelStore(tmp_path / "gallery"), cluster.client()
    with get_task_stream(client=client) as stream:
        job = jobs.warm(digits, gallery)
        assert job is not None and job.workspace == STUDIO
        snap = wait_job(jobs, job)
    assert snap.status == JobStatus.DONE and [r.name for r in gallery.list()] == [snap.saved_name]
    computed = {t["key"]: (t["worker"], *[(s["start"], s["stop"]) for s in t["startstops"]
                                         if s["action"] == "compute"][0]) for t in stream.data}
    ready = {worker: stop for key, (worker, start, stop) in computed.items() if key.startswith("worker_ready-")}
    assert set(ready) == set(client.scheduler_info()["workers"])  # every worker, once
    worker, start, _ = computed[f"train-{job.id}"]
    assert ready[worker] <= start  # its worker was ready before the studio's run began on it


def test_a_job_trains_in_another_process_and_saves_into_its_store(jobs, digits, tmp_path):
    store = ModelStore(tmp_path)
    job = jobs.submit("ws-a", "classic", digits, {"hidden": 32}, TrainConfig(epochs=3), store)
    snap = wait_job(jobs, job)
    assert snap.status == JobStatus.DONE and snap.error is None
    assert snap.pid and snap.pid != os.getpid()
    assert snap.samples_seen == snap.total == 3 * len(digits.x_train) and snap.fraction == 1.0
    assert len(snap.epochs) == 3 and snap.curve and "loss" in snap.curve[-1]
    model, meta = store.load(snap.saved_name)
    assert meta["status"] == "done" and meta["test_accuracy"] > 0.5 and meta["hyperparameters"]["hidden"] == 32
    assert [j.id for j in jobs.jobs("ws-a")][0] == job.id and not jobs.jobs("ws-other")


def test_wait_end_returns_as_soon_as_the_run_is_saved(jobs, digits, tmp_path):
    """A page about to see a run end waits on it (instead of its next one-second tick)."""
    job = jobs.submit("ws-end", "classic", digits, {"hidden": 16}, TrainConfig(epochs=2), ModelStore(tmp_path))
    assert not jobs.wait_end(job, 0.01) or job.status.finished
    assert jobs.wait_end(job, 120)
    assert job.status == JobStatus.DONE and job.saved_name  # recorded before the wait returns
    assert jobs.snapshot(job).saved_name == job.saved_name


def test_progress_streams_while_running_and_stop_stops(jobs, digits, tmp_path):
    job = jobs.submit("ws-b", "classic", digits, {}, LONG, ModelStore(tmp_path))
    snap = wait_job(jobs, job, lambda s: s.status == JobStatus.RUNNING and s.samples_seen > 0)
    later = wait_job(jobs, job, lambda s: s.samples_seen > snap.samples_seen)
    assert later.samples_per_second > 0 and len(later.curve) <= 120
    jobs.stop(job.id)
    snap = wait_job(jobs, job)
    assert snap.status == JobStatus.STOPPED and snap.samples_seen < snap.total
    meta = ModelStore(tmp_path).load(snap.saved_name)[1]
    assert meta["status"] == "stopped" and meta["stop_reason"] == "asked"


def test_queue_order_and_the_per_workspace_limit(jobs, digits, tmp_path):
    store = ModelStore(tmp_path)
    first = [jobs.submit("ws-c", "classic", digits, {}, LONG, store) for _ in range(2)]  # both workers busy
    with pytest.raises(MnistError, match="already has 2 runs"):
        jobs.submit("ws-c", "classic", digits, {}, LONG, store)
    for job in first:
        wait_job(jobs, job, lambda s: s.status == JobStatus.RUNNING)
    waiting = [jobs.submit(ws, "classic", digits, {}, LONG, store) for ws in ("ws-d", "ws-e")]
    assert [jobs.snapshot(j).queue_position for j in waiting] == [1, 2]
    jobs.stop(first[0].id)
    assert wait_job(jobs, waiting[0], lambda s: s.status != JobStatus.QUEUED).queue_position is None
    assert jobs.snapshot(waiting[1]).queue_position == 1
    for job in [*first, *waiting]:
        jobs.stop(job.id)
        wait_job(jobs, job)


def test_an_idle_workspace_is_stopped_and_saved_as_stopped(jobs, clock, digits, tmp_path, monkeypatch):
    """The manager's clock is turned forward, so the machine's speed does not matter:
    ws-f was last seen 61 s ago (over the 60 s limit), ws-g 31 s ago."""
    monkeypatch.setenv("MNIST_STUDIO_IDLE_SECONDS", "60")
    job = jobs.submit("ws-f", "classic", digits, {}, LONG, ModelStore(tmp_path))
    other = jobs.submit("ws-g", "classic", digits, {}, LONG, ModelStore(tmp_path))
    clock.offset += 30
    jobs.touch("ws-g")  # ws-g keeps a page open, ws-f does not
    clock.offset += 31
    assert set(jobs.stop_idle()) <= {job.id}  # the watcher may have stopped it first
    snap = wait_job(jobs, job, timeout=60)
    assert snap.status == JobStatus.STOPPED and snap.meta["stop_reason"] == "idle"
    assert not jobs.snapshot(other).finished
    jobs.stop(other.id)
    wait_job(jobs, other)


def test_divergence_is_caught_and_saved_as_such(jobs, mnist, tmp_path):
    job = jobs.submit("ws-h", "classic", mnist, {"lr": 10.0}, TrainConfig(epochs=5), ModelStore(tmp_path))
    snap = wait_job(jobs, job, timeout=120)
    assert snap.status == JobStatus.DIVERGED and len(snap.epochs) == 1
    assert "chance accuracy" in ModelStore(tmp_path).load(snap.saved_name)[1]["diverged"]


def test_bad_settings_are_refused_before_anything_runs(jobs, digits, tmp_path):
    with pytest.raises(MnistError, match="Learning rate"):
        jobs.submit("ws-i", "classic", digits, {"lr": -1.0}, TrainConfig(epochs=1), ModelStore(tmp_path))
    assert jobs.jobs("ws-i") == []


def test_sentence_for_every_exception():
    assert sentence(MnistError("Plain words.")) == "Plain words."
    assert "No space left on device" in sentence(OSError(28, "No space left on device", "/x/m.npz"))
    assert sentence(ValueError("")).startswith("Something unexpected went wrong (ValueError)")


def test_a_lab_cluster_whose_worker_has_no_mnist_files(mnist, tmp_path, monkeypatch):
    """A real ``dask scheduler`` and ``dask worker`` started as commands on 127.0.0.1;
    the worker has no MNIST_DATA_DIR and no cache: the data is sent to it."""
    import socket
    import subprocess
    import sys

    from conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MNIST_", "DASK_"))}
    env.update(PYTHONPATH=str(ROOT), MNIST_CACHE_DIR=str(tmp_path / "empty-cache"))
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                       "--no-dashboard"], cwd=tmp_path, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        cluster.shutdown()
        monkeypatch.setenv("MNIST_STUDIO_SCHEDULER", address)
        client = lab_client()
        assert set(client.run(lambda: os.environ.get("MNIST_DATA_DIR")).values()) == {None}
        manager = JobManager()
        job = manager.submit("ws-lab", "classic", mnist, {"hidden": 20}, TrainConfig(epochs=1), ModelStore(tmp_path))
        snap = wait_job(manager, job, timeout=120)
        assert snap.status == JobStatus.DONE and snap.pid != os.getpid(), snap.error
        assert ModelStore(tmp_path).load(snap.saved_name)[1]["test_accuracy"] > 0.9
    finally:
        cluster.shutdown()
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(20)


def test_a_cnn_run_splits_its_batches_with_a_helper_process_that_ends_with_it(jobs, digits, tmp_path):
    """In a worker (a process with threads of its own) the CNN's second halves run in a
    forked helper (Linux, two cores); when the run ends, so does the helper."""
    from mnist_core.models.part_helpers import can_fork, peak_helper_mib
    from mnist_core.models.threads import usable_cores

    job = jobs.submit("ws-cnn", "cnn", digits, {"channels": [4, 8], "hidden": 16}, TrainConfig(epochs=2),
                      ModelStore(tmp_path))
    snap = wait_job(jobs, job)
    assert snap.status == JobStatus.DONE and snap.error is None

    def facts() -> tuple:
        import psutil
        return os.getpid(), can_fork() and usable_cores() > 1, peak_helper_mib(), psutil.Process().children()

    pid, forks, helper_mib, children = next(f for f in cluster.client().run(facts).values() if f[0] == snap.pid)
    assert (helper_mib > 0) == forks and children == []


# -- issue 21: bounded runs, the class's queue, the studio's model first, records ----------

def test_a_run_that_does_not_stop_is_ended_by_restarting_its_worker(jobs, mnist, tmp_path, monkeypatch):
    """Logistic regression fits in one call: it cannot stop between batches.  Past its
    time limit and the grace period its worker is restarted, and the person told so."""
    monkeypatch.setenv("MNIST_STUDIO_JOB_SECONDS", "1")
    monkeypatch.setenv("MNIST_STUDIO_STOP_GRACE_SECONDS", "1")
    hyper = {"solver": "liblinear", "C": 1e6, "max_iter": 50_000}
    job = jobs.submit("ws-hard", "logreg", mnist, hyper, TrainConfig(epochs=1, batch_size=256, augment=True),
                      ModelStore(tmp_path))
    snap = wait_job(jobs, job, timeout=120)
    assert snap.status == JobStatus.STOPPED and snap.saved_name is None
    assert "worker was restarted" in snap.error and "time limit of 1 s" in snap.error
    assert ModelStore(tmp_path).names() == []
    assert not run_records.interrupted("ws-hard")


def test_stop_ends_a_run_that_does_not_listen(jobs, mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_STOP_GRACE_SECONDS", "1")
    job = jobs.submit("ws-hard2", "logreg", mnist, {"max_iter": 20_000, "C": 1e6}, None, ModelStore(tmp_path))
    wait_job(jobs, job, lambda s: s.status == JobStatus.RUNNING)
    jobs.stop(job.id)
    snap = wait_job(jobs, job, timeout=120)
    assert snap.status == JobStatus.STOPPED and "within 1 s of being asked" in snap.error


def test_a_run_over_its_budget_is_refused_naming_the_setting(jobs, mnist, tmp_path):
    """The issue's /Train?model=cnn&channels=256,256,256,256&kernel_size=9&padding=same&hidden=4096
    &epochs=1000&batch_size=65536; the defaults of every kind pass."""
    from mnist_core.models import MODELS, recommended_training
    from mnist_core.training import limits

    hyper = {"channels": "256,256,256,256", "kernel_size": 9, "padding": "same", "hidden": 4096}
    with pytest.raises(MnistError, match=r"GiB of memory, more than the 1.5 GiB a run may use here: lower batch size"):
        jobs.submit("ws-big", "cnn", mnist, hyper, TrainConfig(epochs=1000, batch_size=65536), ModelStore(tmp_path))
    with pytest.raises(MnistError, match="lower maximum iterations"):
        jobs.submit("ws-big", "logreg", mnist, {"max_iter": 100_000}, None, ModelStore(tmp_path))
    assert jobs.jobs("ws-big") == []
    for kind, cls in MODELS.items():
        config = recommended_training(kind, len(mnist.x_train))
        memory, flops = limits.check_budget(cls, cls.Config(), config, len(mnist.x_train))
        assert memory < 0.5 * limits.MAX_RUN_BYTES and flops < 0.05 * limits.MAX_RUN_FLOPS, kind


def test_the_class_queue_is_capped_and_the_studio_model_goes_first(jobs, digits, tmp_path):
    """Two workers: four runs in all (from four workspaces: one person may have many);
    a fifth is refused with a sentence; the studio's default model still goes first;
    a teacher sees and stops any run."""
    store, gallery = ModelStore(tmp_path / "ws"), ModelStore(tmp_path / "gallery")
    runs = [jobs.submit(f"ws-class-{i}", "classic", digits, {}, LONG, store) for i in range(2)]
    for job in runs:
        wait_job(jobs, job, lambda s: s.status == JobStatus.RUNNING)
    runs += [jobs.submit(f"ws-class-{i}", "classic", digits, {}, LONG, store) for i in range(2, 4)]
    with pytest.raises(MnistError, match=r"class's queue is full \(4 runs queued or running, at most 4\)"):
        jobs.submit("ws-class-5", "classic", digits, {}, LONG, store)
    default = jobs.default_job(digits, gallery)
    assert jobs.snapshot(default).queue_position == 1 and jobs.snapshot(runs[2]).queue_position == 2
    assert {j.id for j in runs + [default]} <= {j.id for j in jobs.all_jobs()}
    jobs.stop(runs[0].id, reason="teacher")
    snap = wait_job(jobs, default)
    assert snap.status == JobStatus.DONE and snap.saved_name in gallery.names()
    assert jobs.snapshot(runs[3]).status == JobStatus.QUEUED  # the pupils' runs waited
    for job in runs:
        jobs.stop(job.id, reason="teacher")
    assert wait_job(jobs, runs[0]).meta["stop_reason"] == "teacher"
    for job in runs:
        wait_job(jobs, job)


def test_closing_saves_running_runs_and_records_the_rest_as_interrupted(digits, tmp_path, monkeypatch, jobs):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    store = ModelStore(tmp_path / "models")
    server = JobManager()
    running = [server.submit(f"ws-r{i}", "classic", digits, {"hidden": 16}, LONG, store) for i in range(2)]
    for job in running:
        wait_job(server, job, lambda s: s.status == JobStatus.RUNNING)
    queued = server.submit("ws-r0", "mlp", digits, {"hidden": "32"}, TrainConfig(epochs=2, batch_size=32),
                           store, name="my-mlp")
    assert server.interrupted("ws-r0") == []  # its server is alive
    server.close(wait=60)
    for job in running:
        snap = server.snapshot(job)
        assert snap.status == JobStatus.STOPPED and snap.meta["stop_reason"] == "server stopped"
    later = JobManager()  # the next server
    [record] = later.interrupted("ws-r0")
    assert record.id == queued.id and record.message == "Interrupted when the server stopped."
    settings = record.settings()
    assert settings["kind"] == "mlp" and settings["config"].epochs == 2 and settings["name"] == "my-mlp"
    assert later.interrupted("ws-r1") == []
    later.dismiss("ws-r0", record.id)
    assert later.interrupted("ws-r0") == []
    if queued.future is not None:
        queued.future.cancel()


def test_a_run_of_a_killed_server_is_interrupted(tmp_path, monkeypatch):
    """A record whose process is gone (``kill -9``) is an interrupted run."""
    import subprocess
    import sys

    from mnist_core.training.run_records import RunRecord, save

    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    owner = {"host": run_records._host(), "pid": int(dead.stdout), "token": "gone"}
    save(RunRecord("abc123", "ws-k", "classic", "digits", {"hidden": 20}, {"epochs": 3}, None, "running", 1.0, owner))
    save(RunRecord("def456", "ws-k", "classic", "digits", {}, {}, None, "queued", 2.0,
                   {"host": run_records._host(), "pid": os.getpid(), "token": "alive"}))
    run_records.LIVE.add("alive")
    try:
        assert [r.id for r in JobManager().interrupted("ws-k")] == ["abc123"]
    finally:
        run_records.LIVE.discard("alive")


def test_a_full_disk_trains_the_default_model_once(jobs, digits, tmp_path, monkeypatch):
    import errno

    from mnist_core.training import limits

    gallery = ModelStore(tmp_path / "full")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path))

    monkeypatch.setattr(gallery, "save_bytes", no_space)
    monkeypatch.setattr(limits, "free_bytes", lambda folder: 0)
    job = jobs.default_job(digits, gallery)
    snap = wait_job(jobs, job)
    assert snap.status == JobStatus.FAILED and snap.error.startswith("The disk is full")
    assert jobs.default_job(digits, gallery) is job  # not trained again
    monkeypatch.setattr(limits, "free_bytes", lambda folder: 2**40)
    again = jobs.default_job(digits, gallery)
    assert again is not job
    wait_job(jobs, again)


def test_the_studios_run_trains_in_a_thread_of_lower_priority_and_the_worker_keeps_its_own():
    """``in_background``: the value or the error comes back; the lowered priority ends with
    its thread (Linux), so the next run on that worker trains at full priority."""
    import threading

    from mnist_core.training.worker import BACKGROUND_NICE, in_background

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = nice()
    allowed = mine <= BACKGROUND_NICE or os.geteuid() == 0  # lowering one's nice value takes privileges
    assert in_background(nice) == (BACKGROUND_NICE if allowed else mine)
    assert nice() == mine
    with pytest.raises(MnistError, match="stays"):
        in_background(lambda: (_ for _ in ()).throw(MnistError("an error stays an error")))


def test_a_give_way_pause_ends_with_the_persons_run_or_its_allowance():
    """StopCheck of the studio's own run: it pauses while the Link says a person's run is
    on the cluster, for ``give_way`` seconds at most in all, and the pause moves the time limit."""
    import threading

    from mnist_core.training.worker import StopCheck

    class Link:
        yielding, stop_reason = True, None

    link = Link()
    check = StopCheck(link, time_limit=100, give_way=0.3)
    deadline, start = check.deadline, time.monotonic()
    assert check() is False
    assert 0.3 <= time.monotonic() - start < 2 and check.paused >= 0.3 and check.deadline >= deadline + 0.3
    start = time.monotonic()
    assert check() is False and time.monotonic() - start < 0.05  # its allowance is used up: it goes on
    other = Link()
    threading.Timer(0.2, lambda: setattr(other, "yielding", False)).start()
    start, check = time.monotonic(), StopCheck(other, time_limit=100, give_way=30)
    assert check() is False and 0.15 < time.monotonic() - start < 5  # the person's run ended: on it goes
    assert StopCheck(Link(), time_limit=100)() is False  # a person's run never pauses


def test_the_studios_run_pauses_while_a_persons_run_trains_and_goes_on_after(jobs, digits, tmp_path):
    from mnist_core.training.job_views import STUDIO

    studio = jobs.submit(STUDIO, "classic", digits, {}, LONG, ModelStore(tmp_path / "gallery"))
    wait_job(jobs, studio, lambda s: s.status == JobStatus.RUNNING and s.samples_seen > 0)
    pupil = jobs.submit("ws-pupil", "classic", digits, {}, LONG, ModelStore(tmp_path / "pupil"))
    wait_job(jobs, pupil, lambda s: s.status == JobStatus.RUNNING and s.samples_seen > 0)
    time.sleep(2)  # the studio's Link hears it within half a second, its progress within another
    paused = jobs.snapshot(studio).samples_seen
    time.sleep(1.5)
    assert jobs.snapshot(studio).samples_seen == paused
    assert jobs.snapshot(pupil).samples_seen > 0
    jobs.stop(pupil.id)
    wait_job(jobs, pupil)
    wait_job(jobs, studio, lambda s: s.samples_seen > paused, timeout=30)  # on it goes
    jobs.stop(studio.id)
    snap = wait_job(jobs, studio)
    meta = ModelStore(tmp_path / "gallery").load(snap.saved_name)[1]
    assert meta["gave_way_seconds"] >= 1.5 and meta["train_seconds"] >= 0
