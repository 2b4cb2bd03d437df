"""Training jobs on Dask workers: another process, progress, stop, queue, limits,
idle workspaces, divergence, saving into the owner's store."""
from __future__ import annotations

import os
import time

import pytest

from mnist_core.errors import MnistError, sentence
from mnist_core.storage import ModelStore
from mnist_core.training import JobManager, JobStatus, TrainConfig, cluster

LONG = TrainConfig(epochs=1000, batch_size=1)  # runs until stopped


@pytest.fixture(scope="module")
def jobs():
    """A fresh manager on a local cluster of two single-threaded worker processes."""
    os.environ["MNIST_STUDIO_WORKERS"] = "2"
    manager = JobManager()
    yield manager
    cluster.shutdown()
    os.environ.pop("MNIST_STUDIO_WORKERS", None)


def wait(manager, job, until=lambda snap: snap.finished, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        snap = manager.snapshot(job)
        if until(snap):
            return snap
        time.sleep(0.1)
    raise AssertionError(f"job {job.id} still {manager.snapshot(job).status} after {timeout} s")


def test_a_job_trains_in_another_process_and_saves_into_its_store(jobs, digits, tmp_path):
    store = ModelStore(tmp_path)
    job = jobs.submit("ws-a", "classic", digits, {"hidden": 32}, TrainConfig(epochs=3), store)
    snap = wait(jobs, job)
    assert snap.status == JobStatus.DONE and snap.error is None
    assert snap.pid and snap.pid != os.getpid()
    assert snap.samples_seen == snap.total == 3 * len(digits.x_train) and snap.fraction == 1.0
    assert len(snap.epochs) == 3 and snap.curve and "loss" in snap.curve[-1]
    model, meta = store.load(snap.saved_name)
    assert meta["status"] == "done" and meta["test_accuracy"] > 0.5 and meta["hyperparameters"]["hidden"] == 32
    assert [j.id for j in jobs.jobs("ws-a")][0] == job.id and not jobs.jobs("ws-other")


def test_progress_streams_while_running_and_stop_stops(jobs, digits, tmp_path):
    job = jobs.submit("ws-b", "classic", digits, {}, LONG, ModelStore(tmp_path))
    snap = wait(jobs, job, lambda s: s.status == JobStatus.RUNNING and s.samples_seen > 0)
    later = wait(jobs, job, lambda s: s.samples_seen > snap.samples_seen)
    assert later.samples_per_second > 0 and len(later.curve) <= 120
    jobs.stop(job.id)
    snap = wait(jobs, job)
    assert snap.status == JobStatus.STOPPED and snap.samples_seen < snap.total
    meta = ModelStore(tmp_path).load(snap.saved_name)[1]
    assert meta["status"] == "stopped" and meta["stop_reason"] == "asked"


def test_queue_order_and_the_per_workspace_limit(jobs, digits, tmp_path):
    store = ModelStore(tmp_path)
    first = [jobs.submit("ws-c", "classic", digits, {}, LONG, store) for _ in range(2)]  # both workers busy
    with pytest.raises(MnistError, match="already has 2 runs"):
        jobs.submit("ws-c", "classic", digits, {}, LONG, store)
    for job in first:
        wait(jobs, job, lambda s: s.status == JobStatus.RUNNING)
    waiting = [jobs.submit(ws, "classic", digits, {}, LONG, store) for ws in ("ws-d", "ws-e")]
    assert [jobs.snapshot(j).queue_position for j in waiting] == [1, 2]
    jobs.stop(first[0].id)
    assert wait(jobs, waiting[0], lambda s: s.status != JobStatus.QUEUED).queue_position is None
    assert jobs.snapshot(waiting[1]).queue_position == 1
    for job in [*first, *waiting]:
        jobs.stop(job.id)
        wait(jobs, job)


def test_an_idle_workspace_is_stopped_and_saved_as_stopped(jobs, digits, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_IDLE_SECONDS", "1")
    job = jobs.submit("ws-f", "classic", digits, {}, LONG, ModelStore(tmp_path))
    other = jobs.submit("ws-g", "classic", digits, {}, LONG, ModelStore(tmp_path))
    deadline = time.time() + 4
    while time.time() < deadline:  # ws-g keeps a page open, ws-f does not
        jobs.touch("ws-g")
        time.sleep(0.1)
    snap = wait(jobs, job, timeout=30)
    assert snap.status == JobStatus.STOPPED and snap.meta["stop_reason"] == "idle"
    assert not jobs.snapshot(other).finished
    jobs.stop(other.id)
    wait(jobs, other)


def test_divergence_is_caught_and_saved_as_such(jobs, mnist, tmp_path):
    job = jobs.submit("ws-h", "classic", mnist, {"lr": 10.0}, TrainConfig(epochs=5), ModelStore(tmp_path))
    snap = wait(jobs, job, timeout=120)
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
        deadline = time.time() + 60
        while True:
            try:
                client = cluster.client()
                client.wait_for_workers(1, timeout=30)
                break
            except MnistError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        assert set(client.run(lambda: os.environ.get("MNIST_DATA_DIR")).values()) == {None}
        manager = JobManager()
        job = manager.submit("ws-lab", "classic", mnist, {"hidden": 20}, TrainConfig(epochs=1), ModelStore(tmp_path))
        snap = wait(manager, job, timeout=120)
        assert snap.status == JobStatus.DONE and snap.pid != os.getpid(), snap.error
        assert ModelStore(tmp_path).load(snap.saved_name)[1]["test_accuracy"] > 0.9
    finally:
        cluster.shutdown()
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(20)
