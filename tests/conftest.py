"""Shared fixtures: the real MNIST (through MNIST_DATA_DIR), the embedded digits, and a
quickly trained classic model on each."""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from mnist_core.data.datasets import load_digits, load_mnist, mnist_files_in

ROOT = Path(__file__).resolve().parents[1]


def mnist_dir() -> Path | None:
    env = os.environ.get("MNIST_DATA_DIR")
    return Path(env) if env and mnist_files_in(env) else None


def require_mnist() -> Path:
    """The MNIST folder; skipped locally when absent, a failure in CI (CI must test it)."""
    folder = mnist_dir()
    if folder is None:
        if os.environ.get("CI"):
            pytest.fail("MNIST_DATA_DIR must point at the MNIST files in CI.")
        pytest.skip("MNIST_DATA_DIR is not set to a folder with the MNIST files")
    return folder


# -- the end of the test process ---------------------------------------------------------
# One full run (2f491ca) had every test pass and then aborted in the interpreter's
# finalization: "FATAL: exception not rethrown", exit 134.  That is a thread told to exit
# (CPython ends a daemon thread that wakes during finalization) while inside native code
# that catches every C++ exception.  Which extension it was is not known; it was once in
# the project's CI runs.  So the process ends as a normal exit does, without that phase: the
# atexit handlers (the job manager's and the cluster's closing, multiprocessing's end of its
# children) run, the output is flushed, and it exits with pytest's own status.
_EXIT_STATUS: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if not _EXIT_STATUS or config.option.collectonly:
        return
    import atexit
    import sys

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT_STATUS[-1])


@pytest.fixture(scope="session")
def mnist():
    require_mnist()
    return load_mnist()


@pytest.fixture(scope="session")
def digits():
    return load_digits()


@pytest.fixture(scope="session")
def mnist_classic(mnist):
    """A classic network trained one epoch on MNIST (about a second)."""
    from mnist_core.training.pipeline import train_model
    from mnist_core.training import TrainConfig

    return train_model("classic", mnist, {}, TrainConfig(epochs=1, batch_size=16))


@pytest.fixture
def app_state(tmp_path, monkeypatch):
    """For AppTest: Streamlit's caches are process-wide, so none leaks from one test into
    the next; an empty model store; the app's folder as the working directory."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(ROOT)
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def held_workers():
    """Every worker thread of the process's cluster kept busy until the test calls ``.release()``:
    a run queued meanwhile stays queued, however warm the cluster is, so a test can look at
    what a busy workspace refuses without racing its own runs.  The app's job manager is the
    process's one (``manager()``): the runs earlier tests left unfinished are stopped first,
    so none counts in the class's queue or stands before the test's runs."""
    from distributed import Event, Variable

    from mnist_core.training import cluster, manager

    jobs = manager()
    for job in [j for j in jobs.all_jobs() if not j.status.finished]:
        jobs.stop(job.id)
        wait_job(jobs, job)
    client, name = cluster.client(), f"held-{uuid.uuid4().hex}"

    def hold(flag: str, release: str) -> None:  # on a worker (a closure: sent by value)
        Variable(flag).set(True)
        Event(release).wait(600)

    threads = [(address, f"{name}-{address}-{i}") for address, n in client.nthreads().items() for i in range(n)]
    futures = [client.submit(hold, flag, name, workers=[address], allow_other_workers=False, pure=False,
                             priority=100) for address, flag in threads]
    release = Event(name, client=client)
    try:
        for _, flag in threads:  # each has started: nothing else runs until the release
            Variable(flag, client=client).get(timeout=120)
        yield SimpleNamespace(release=release.set)
    finally:
        release.set()
        client.gather(futures)
        for _, flag in threads:
            Variable(flag, client=client).delete()


def wait_job(jobs, job, until=lambda snap: snap.finished, timeout: float = 90):
    """The snapshot of ``job`` (a run of the job manager ``jobs``) once ``until(snapshot)``
    holds -- by default, once it has finished; an AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = jobs.snapshot(job)
        if until(snap):
            return snap
        time.sleep(0.1)
    raise AssertionError(f"job {job.id} still {jobs.snapshot(job).status} after {timeout} s")


def lab_client(timeout: float = 60):
    """The client of the scheduler ``MNIST_STUDIO_SCHEDULER`` names (a test's own), once it
    answers with a worker: the scheduler and worker processes take a while to start."""
    from mnist_core.errors import MnistError
    from mnist_core.training import cluster

    deadline = time.monotonic() + timeout
    while True:
        try:
            client = cluster.client()
            client.wait_for_workers(1, timeout=30)
            return client
        except MnistError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture
def digits_only(tmp_path, monkeypatch):
    """The embedded 8x8 digits only: no MNIST folder, an empty download cache."""
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "empty-cache"))


# -- the AppTest helpers the app's tests share --------------------------------------------
APP = str(ROOT / "streamlit_app.py")


def ok(at):
    """The AppTest run went through: no exception, no error shown; returns it."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def inside(record_key: str, **state):
    """An AppTest of the Inside page on the model ``record_key`` (``"gallery/NAME"``,
    ``"mine/NAME"``), with ``state`` set in the session before the page runs, once the
    model's verdict has calibrated (the page shows a line meanwhile, and reruns)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["active_models"] = {"digits": record_key}  # before the first run: no default model is trained meanwhile
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page("pages/Inside.py")
    return calibrated(at.run())


def calibrated(at, seconds: float = 180):
    """``at`` run again until its page no longer says the verdict is calibrating (Draw and
    Inside show a line meanwhile, and rerun); returns it."""
    deadline = time.monotonic() + seconds
    while any("Still calibrating the verdict" in c.value for c in at.caption):
        assert time.monotonic() < deadline, f"the verdict still calibrating after {seconds} s"
        time.sleep(0.1)
        at.run()
    return at


def ws(name: str) -> str:
    """The key of the workspace shown as ``name`` in this test's studio home, made on first
    use: the app opens a workspace by its key (``?workspace=KEY``), never by a name."""
    from mnist_core.storage.workspaces import create_workspace, list_workspaces

    found = [w.key for w in list_workspaces() if w.name == name]
    return found[0] if found else create_workspace(name).key
