"""The app's side of bounded runs and lost runs (issue 21), through AppTest: interrupted
runs on Train (Start again, Dismiss), a refused run that keeps the form, a run stopped
while queued, a broken gallery model that breaks no page, and pages that read the
evaluation a model file keeps instead of evaluating in the web server."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, ok, ws

from mnist_core.storage import ModelStore, gallery
from mnist_core.training import TrainConfig, manager, run_records

pytestmark = pytest.mark.usefixtures("app_state")


def page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{name.capitalize()}.py")
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def wait_finished(job, timeout: float = 90):
    deadline = time.time() + timeout
    while not manager().snapshot(job).finished and time.time() < deadline:
        time.sleep(0.1)
    return manager().snapshot(job)


def lost(workspace: str, run_id: str, **fields) -> None:
    """A run record whose server is gone (a pid that is no process)."""
    owner = {"host": run_records._host(), "pid": 2**22 + 7, "token": "gone"}
    run_records.save(run_records.RunRecord(run_id, workspace, "classic", "digits", {"hidden": 16},
                                           {"epochs": 2}, submitted=time.time(), owner=owner, **fields))


def test_train_lists_interrupted_runs_to_start_again_or_dismiss(digits_only):
    lost(ws("ws-lost"), "aaa111", name="my-net")
    lost(ws("ws-lost"), "bbb222")
    at = ok(page("train", workspace=ws("ws-lost")))
    shown = "\n".join(w.value.replace("\\", "") for w in at.warning)
    assert shown.count("Interrupted when the server stopped.") == 2 and "my-net" in shown
    at = ok(next(b for b in at.button if b.key == "lost_dismiss_bbb222").click().run())
    assert [r.id for r in manager().interrupted(ws("ws-lost"))] == ["aaa111"]
    at = ok(next(b for b in at.button if b.key == "lost_again_aaa111").click().run())
    assert manager().interrupted(ws("ws-lost")) == []
    job = manager().jobs(ws("ws-lost"))[0]
    assert job.kind == "classic" and job.name == "my-net" and job.config.epochs == 2
    snap = wait_finished(job)
    assert snap.status == "done" and snap.saved_name == "my-net", snap.error
    assert ModelStore(os.environ["MNIST_STUDIO_HOME"] + "/workspaces/" + ws("ws-lost") + "/models").load("my-net")[1][
        "hyperparameters"]["hidden"] == 16
    assert not ok(at.run()).subheader or "Interrupted runs" not in [s.value for s in at.subheader]


def test_a_run_over_budget_is_refused_and_the_form_keeps_its_values(digits_only):
    at = ok(page("train", model="mlp", hidden="3000,3000,3000", epochs="1000"))
    at = click(at, "Start training")
    assert any("lower hidden layers" in e.value for e in at.error), [e.value for e in at.error]
    assert manager().jobs(at.session_state["workspace"]) == []
    assert at.text_input(key="hp_mlp_hidden").value == "3000,3000,3000"
    assert at.number_input(key="train_mlp_digits_epochs").value == 1000


def test_a_run_stopped_while_queued_says_nothing_was_saved(digits_only, digits):
    jobs, store = manager(), ModelStore(os.environ["MNIST_STUDIO_HOME"] + "/models-q")
    long = TrainConfig(epochs=1000, batch_size=1)
    busy = [jobs.submit(f"ws-busy{i}", "classic", digits, {"hidden": 8}, long, store) for i in range(jobs._slots())]
    try:
        at = ok(page("train", workspace=ws("ws-queued")))
        job = jobs.submit(ws("ws-queued"), "classic", digits, {"hidden": 8}, TrainConfig(epochs=1), ModelStore(
            os.environ["MNIST_STUDIO_HOME"] + "/workspaces/" + ws("ws-queued") + "/models"))
        assert job.status == "queued" and job.pending is not None  # every worker is busy: not sent
        jobs.stop(job.id, reason="teacher")
        at = ok(at.run())
        shown = "\n".join(w.value.replace("\\", "") for w in at.warning)
        assert "Stopped before it started: nothing was saved. The teacher stopped it." in shown
    finally:
        for job in busy:
            jobs.stop(job.id)
        for job in busy:
            wait_finished(job)


def broken_gallery(digits, monkeypatch):
    """A good gallery model, and a newer one whose weights are NaN (written past the check)."""
    from mnist_core.storage import modelwrite
    from mnist_core.training.pipeline import train_model

    good = train_model("classic", digits, {"hidden": 16}, TrainConfig(epochs=2))
    gallery().save(good.model, {**good.meta, "published_by": "studio"}, "good-one")
    time.sleep(0.05)
    params = {k: np.full_like(v, np.nan) for k, v in good.model.get_params().items()}
    good.model.set_params(params)
    with monkeypatch.context() as m:
        m.setattr(modelwrite, "check_finite", lambda *a: None)
        gallery().save(good.model, {**good.meta, "published_by": "studio"}, "nan-one")
    assert [r.name for r in ModelStore().list("digits")][:2] == ["nan-one", "good-one"]


@pytest.mark.parametrize("name", ["draw", "inside", "mistakes", "compare"])
def test_a_broken_gallery_model_breaks_no_page(digits_only, digits, monkeypatch, name):
    broken_gallery(digits, monkeypatch)
    at = AppTest.from_file(APP, default_timeout=120)
    ok(at.run())  # a new session: the newest gallery model is the broken one
    toasts = [str(t.value).replace("\\", "") for t in at.toast]
    assert len(toasts) == 1 and "nan-one" in toasts[0] and "not all finite" in toasts[0]
    at.switch_page(f"pages/{name.capitalize()}.py")
    at = ok(at.run())
    assert at.session_state["active_models"]["digits"] == "gallery/good-one"
    assert not at.toast  # said once, not on every page


def test_pages_read_the_evaluation_the_model_file_keeps(digits_only, monkeypatch):
    import studio_ui.cache

    def never(*args, **kwargs):
        raise AssertionError("evaluated although the file keeps its evaluation")

    at = ok(page("draw"))  # the studio trains its default model on a worker: it keeps its evaluation
    monkeypatch.setattr(studio_ui.cache, "evaluate_on_worker", never)
    import streamlit as st

    st.cache_resource.clear()
    at = ok(page("mistakes"))
    assert any("images misread match" in c.value for c in at.caption)
    ok(page("compare"))
    at = ok(page("train"))
    at = click(at, "Start training")
    job = manager().jobs(at.session_state["workspace"])[0]
    assert wait_finished(job).status == "done"
    at = ok(at.run())
    assert any(m.label == "Test accuracy" for m in at.metric)


def test_a_full_disk_trains_the_default_model_once_and_draw_says_so(digits_only, monkeypatch):
    import errno

    from mnist_core.training import limits

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", os.environ["MNIST_STUDIO_HOME"])

    monkeypatch.setattr(ModelStore, "save_bytes", no_space)
    monkeypatch.setattr(limits, "free_bytes", lambda folder: 0)
    studio = lambda: {j.id for j in manager().all_jobs() if j.workspace == "studio" and j.dataset == "digits"}  # noqa: E731
    before = studio()
    for _ in range(2):  # two visits (two people): one run, the same sentence
        at = page("draw")
        assert not at.exception and [e.value.replace("\\", "") for e in at.error][0].startswith("The disk is full")
    assert len(studio() - before) == 1


def test_a_hard_stopped_run_shows_its_one_sentence(digits_only):
    """A run ended for real (its worker restarted) arrives as stopped with its sentence."""
    from mnist_core.training.hard_stop import overdue
    from mnist_core.training.job_state import Job, JobStatus

    jobs = manager()
    job = Job("hard0stopped", 10**6, ws("ws-hard-app"), "logreg", "digits", TrainConfig(), ModelStore(),
              status=JobStatus.RUNNING, running_since=0.0, stop_asked=0.0)
    job.error, job.status = overdue(job, 100.0, 20.0), JobStatus.STOPPED
    with jobs._lock:
        jobs._jobs[job.id] = job
    at = page("train", workspace=ws("ws-hard-app"))
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert errors == ["The run did not stop within 20 s of being asked to, so its worker was restarted to end it; "
                      "nothing was saved."]
    with jobs._lock:
        jobs._jobs.pop(job.id)
