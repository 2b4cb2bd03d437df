"""What the server prepares once, at its start, in the background: the default model
training (or trained), the workers with MNIST, and the verdict's calibration under way,
instead of starting each when a pupil first needs it.  ``serve.py`` starts it when the
server starts (:func:`at_launch`); ``streamlit_app.py`` calls :func:`warm_up` on every
run too (it works once), so a server started on ``streamlit_app.py`` warms up at its
first page.

Nothing here blocks a page but the dataset's loading (every page needs it); the rest
goes on in threads.  On a fresh server with MNIST this is what makes Draw
answer within seconds of the launch (see ``tools/bench_app.py --only first_use``).
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import Future

import streamlit as st

from mnist_core.data import Dataset, available_datasets
from mnist_core.storage import ModelStore, gallery
from mnist_core.storage.publishing import default_model
from mnist_core.training import cluster, manager

from . import cache

log = logging.getLogger(__name__)


def _prepare(loaded: "Future[Dataset]", shared: ModelStore) -> None:
    """In a thread, for MNIST: the workers start at once, while the page loads the dataset;
    then MNIST sent to the workers, and the studio's default model if a new session would
    find no model to open (the run a page would then ask for: ``default_job`` trains it
    once): the first run a pupil starts then waits for neither."""
    try:
        cluster.client()
        data = loaded.result()
        ready = default_model(data.name, shared.list(data.name))  # what a new session opens, as a page finds it
        manager().warm(data, None if ready else shared)
    except Exception:  # noqa: BLE001 -- a page that needs it tries again and tells its user why
        log.exception("preparing the studio at its start failed")


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread | None:
    """Once per server: MNIST (or the digits) loaded, its verdict space calibrating in the
    background, and the default model prepared in another thread.  Nothing in a child
    process: a worker started by spawning imports this script again as its main module."""
    if multiprocessing.parent_process() is not None:
        return None
    name, loaded = available_datasets()[0], Future()  # the one a new session starts with (MNIST when it is here)
    thread = None
    if name == "mnist":  # the 8x8 digits' model trains in about a second when a page asks: not worth a cluster
        thread = threading.Thread(target=_prepare, args=(loaded, gallery()), name="studio-warm-up", daemon=True)
        thread.start()
    try:
        loaded.set_result(cache.dataset(name))  # loaded here, in this page's run: every page needs it anyway
    except BaseException as err:
        loaded.set_exception(err)
        raise
    cache.prepare_verdicts(name)
    return thread


class _NoScriptRun(logging.Filter):
    """Streamlit warns of a "missing ScriptRunContext" for every ``st`` call made outside
    a page's run ("can be ignored when running in bare mode"); the launch thread's calls
    (a spinner and a language nobody sees) are outside one by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != LAUNCH_THREAD


LAUNCH_THREAD = "studio-launch"
SCRIPT_RUN_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"
_QUIET = _NoScriptRun()


def at_launch() -> None:
    """At the server's start (``serve.py``'s lifespan), before any page: :func:`warm_up` in
    a thread.  The first page then finds it done or under way, and waits for the dataset
    it needs rather than loading it a second time (the cache's lock)."""
    logging.getLogger(SCRIPT_RUN_LOGGER).addFilter(_QUIET)  # once: a filter added twice is kept once
    threading.Thread(target=_warm_up_logged, name=LAUNCH_THREAD, daemon=True).start()


def _warm_up_logged() -> None:
    try:
        warm_up()
    except Exception:  # noqa: BLE001 -- the first page runs warm_up again and says why it fails
        log.exception("warming up at the server's start failed")
