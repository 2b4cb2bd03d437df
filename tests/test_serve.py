"""serve.py: the studio's server, which warms up at launch (the browser tests run it)."""
from __future__ import annotations

import asyncio
import logging
import threading

import streamlit as st

from studio_ui import startup


def test_serve_is_the_app_with_a_lifespan_that_warms_up_at_launch(monkeypatch):
    import serve

    assert isinstance(serve.app, st.App)
    calls = []
    monkeypatch.setattr(startup, "at_launch", lambda: calls.append("launched"))

    async def run_lifespan():
        async with serve.lifespan(serve.app):
            assert calls == ["launched"]  # before the server serves anything

    asyncio.run(run_lifespan())
    assert calls == ["launched"]


def test_at_launch_warms_up_in_a_thread_that_logs_its_failure(monkeypatch, caplog):
    seen, done = [], threading.Event()
    script_run = logging.getLogger(startup.SCRIPT_RUN_LOGGER)

    def failing_warm_up():
        seen.append(threading.current_thread().name)
        script_run.warning("Thread %r: missing ScriptRunContext!", threading.current_thread().name)
        done.set()
        raise RuntimeError("no dataset")

    class Kept(logging.Handler):  # Streamlit's loggers do not propagate to caplog's
        def emit(self, record):
            warned.append(record.getMessage())

    warned, kept = [], Kept()
    script_run.addHandler(kept)
    monkeypatch.setattr(startup, "warm_up", failing_warm_up)
    with caplog.at_level(logging.WARNING):
        startup.at_launch()
        assert done.wait(10)
        for _ in range(100):  # the thread logs its failure just after
            if any("failed" in r.getMessage() for r in caplog.records):
                break
            threading.Event().wait(0.05)
        script_run.warning("Thread 'page': missing ScriptRunContext!")  # a page's run outside one: still said
    script_run.removeHandler(kept)
    assert seen == [startup.LAUNCH_THREAD]
    assert "warming up at the server's start failed" in [r.getMessage() for r in caplog.records]
    assert warned == ["Thread 'page': missing ScriptRunContext!"]  # the launch thread's was dropped


def test_the_launch_readies_the_workers_and_sends_the_studios_run_only_to_a_gallery_without_its_model(
        monkeypatch, tmp_path, digits):
    """``_prepare``: the workers are always readied; the studio's run is sent with them only
    while a new session would find no model to open (a broken file and a pupil's published
    model do not count: a page would train the studio's all the same)."""
    from concurrent.futures import Future

    from mnist_core.storage import ModelStore
    from mnist_core.training import TrainConfig, train_model

    warmed = []

    class Manager:
        def warm(self, dataset, studio=None):
            warmed.append((dataset.name, studio))

    monkeypatch.setattr(startup.cluster, "client", lambda: None)
    monkeypatch.setattr(startup, "manager", lambda: Manager())
    loaded, shared = Future(), ModelStore(tmp_path / "gallery", shared=True)
    loaded.set_result(digits)
    startup._prepare(loaded, shared)
    shared.root.mkdir(parents=True, exist_ok=True)
    (shared.root / "broken.npz").write_bytes(b"not a model")
    startup._prepare(loaded, shared)
    trained = train_model("classic", digits, {"hidden": 8}, TrainConfig(epochs=1))
    shared.save(trained.model, {**trained.meta, "published_by": "ñandú-42"}, name="pupil")
    startup._prepare(loaded, shared)
    shared.save(trained.model, {**trained.meta, "published_by": "studio"}, name="studio")
    startup._prepare(loaded, shared)
    assert warmed == [("digits", shared), ("digits", shared), ("digits", shared), ("digits", None)]
