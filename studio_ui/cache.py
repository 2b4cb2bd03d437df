"""What every session shares, computed once per process: datasets, loaded models,
evaluations, figures as PNG bytes, and the store listing.

Everything here is keyed by what it depends on -- a dataset by its name and folder,
a model by its file's path and modification time -- so a changed file is read afresh
and nothing goes stale.  Arrays handed out are read-only: sessions share them.
"""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, ContextManager

import streamlit as st

from mnist_core.analysis import Entry, Evaluation, plots
from mnist_core.analysis.kept import evaluate_on_worker, kept_evaluation
from mnist_core.data import Dataset, load_dataset, mnist_folder
from mnist_core.errors import MnistError
from mnist_core.i18n import N_
from mnist_core.models import Model
from mnist_core.storage import ModelRecord, ModelStore, load_model
from mnist_core.training.runtime import lower_priority

from .lang import t

if TYPE_CHECKING:
    import numpy as np

    from mnist_core.explain import DigitSpace, Judge, Snapshots  # noqa: F401 -- in annotations


def slow(message: str) -> ContextManager[None]:
    """A spinner with ``message`` in the session's language around a cached call: it
    shows only when the call takes a while (half a second: a computation, not a cache
    hit).  The cached functions themselves show none (``show_spinner=False``)."""
    return st.spinner(t(message))


def source(name: str) -> tuple[str, str | None]:
    """A dataset's cache key: its name, and for MNIST the folder it is read from."""
    return name, mnist_folder() if name == "mnist" else None


@st.cache_resource(show_spinner=False)
def _dataset(name: str, folder: str | None) -> Dataset:
    ds = load_dataset(name, data_dir=folder)
    for arr in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        arr.flags.writeable = False
    return ds


def dataset(name: str) -> Dataset:
    """One copy of each dataset per process."""
    with slow(N_("Loading the dataset...")):
        return _dataset(*source(name))


def mtime(record: ModelRecord) -> float:
    """The model file's modification time: part of every cache key of a model (0 if it is gone)."""
    try:
        return record.path.stat().st_mtime
    except OSError:
        return 0.0


@st.cache_resource(max_entries=16, show_spinner=False)
def _model(path: str, mtime: float) -> tuple[Model, dict]:
    return load_model(path)


def model(record: ModelRecord) -> Model:
    return _model(str(record.path), mtime(record))[0]


@st.cache_resource(max_entries=64, show_spinner=False)
def _load_error(path: str, mtime: float) -> MnistError | None:
    try:
        _model(path, mtime)
    except MnistError as err:
        return err
    return None


def load_error(record: ModelRecord) -> MnistError | None:
    """Why the model cannot be loaded (weights that are not finite numbers...), or None;
    asked once per file, not on every rerun."""
    return _load_error(str(record.path), mtime(record))


@st.cache_resource(max_entries=16, show_spinner=False)
def _evaluation(path: str, mtime: float, name: str, folder: str | None) -> Evaluation:
    ds = _dataset(name, folder)
    kept = kept_evaluation(path, ds)  # the worker that trained it kept its answers
    return kept if kept is not None else evaluate_on_worker(_model(path, mtime)[0], ds)


def evaluation(record: ModelRecord) -> Evaluation:
    """The model's predictions on its dataset's test set: kept in its file, or computed
    once by a worker (never in the web server: see mnist_core.analysis.kept)."""
    with slow(N_("Evaluating the model on the test set (on a worker)...")):
        return _evaluation(str(record.path), mtime(record), *source(record.meta.get("dataset", "digits")))


def evaluation_error(record: ModelRecord) -> MnistError | None:
    """Why the model's evaluation cannot be had (a file that cannot be loaded), or None."""
    try:
        evaluation(record)
    except MnistError as err:
        return err
    return None


# Matplotlib figures take ~0.2 s to draw: each is drawn once and kept as PNG bytes.
@st.cache_data(max_entries=4, show_spinner=False)
def _mean_images_png(name: str, folder: str | None) -> bytes:
    return plots.to_png(plots.mean_images(_dataset(name, folder)))


def mean_images_png(name: str) -> bytes:
    return _mean_images_png(*source(name))


@st.cache_data(max_entries=64, show_spinner=False)
def _listing(root: str, shared: bool, stamp: tuple) -> list[ModelRecord]:
    return ModelStore(root, shared).list()


def _all(store: ModelStore) -> list[ModelRecord]:
    """Every file of the store, readable or not.  Each rerun asks (the Draw page on
    each stroke): the files' metadata is read again only when a file of the store was
    added, changed or removed."""
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in store.root.glob("*.npz")))
    except OSError:  # a file vanished while we looked: read everything afresh
        stamp = (time.time(),)
    return _listing(str(store.root), store.shared, stamp)


def records(store: ModelStore, name: str) -> list[ModelRecord]:
    """The readable saved models of a dataset, newest first."""
    return [r for r in _all(store) if r.error is None and r.meta.get("dataset") == name]


def unreadable(store: ModelStore) -> list[ModelRecord]:
    """The files of the store that cannot be used, each with its reason."""
    return [r for r in _all(store) if r.error is not None]


def comparison_entries(recs: list[ModelRecord]) -> list[Entry]:
    """Saved models as :class:`mnist_core.analysis.Entry` (with cached evaluations)."""
    return [Entry(r.name, evaluation(r), r.meta, r.size_kib) for r in recs]


# -- explanations: what depends on a dataset, or on a model file, computed once --------
# The verdict's calibration (a dataset's DigitSpace, then each model's Judge) is built in
# one background thread of the server, never in a page's run: Draw answers with the digit
# meanwhile (see judge_ready).  A thread, not a worker: the space is searched in this
# process on every stroke, so it must end up here anyway (a worker would send ~30 MB
# back), and its time goes to numpy products that release the GIL; one thread, so that
# on two cores it takes one core at most, beside a training worker.
@st.cache_resource(show_spinner=False)
def _calibrator() -> ThreadPoolExecutor:
    # at nice 15: it gives way to a pupil's training run (the workers) and to page runs
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-calibration", initializer=lower_priority,
                              initargs=(15,))


@st.cache_resource(max_entries=2, show_spinner=False)
def _space_future(name: str, folder: str | None) -> "Future[DigitSpace]":
    from mnist_core.explain import digit_space

    return _calibrator().submit(digit_space, _dataset(name, folder))  # the dataset is loaded here, in the page's run


@st.cache_resource(max_entries=8, show_spinner=False)
def _judge_future(path: str, mtime: float, name: str, folder: str | None) -> "Future[Judge]":
    from mnist_core.explain import build_judge

    space = _space_future(name, folder)  # queued first: the one thread builds it before the judge that waits on it
    model, data = _model(path, mtime)[0], _dataset(name, folder)
    return _calibrator().submit(lambda: build_judge(model, data, space.result()))


def _settled(future: Future, forget) -> Future:
    """``future``; one that failed is forgotten (``forget()``: its cache cleared), so the next asker tries again."""
    if future.done() and future.exception() is not None:
        forget()
    return future


def prepare_verdicts(name: str) -> None:
    """Start calibrating the dataset's DigitSpace in the background (server start: see startup)."""
    _space_future(*source(name))


def _judge_of(record: ModelRecord) -> Future:
    data = source(record.meta.get("dataset", "digits"))
    return _settled(_judge_future(str(record.path), mtime(record), *data),
                   lambda: (_judge_future.clear(), _space_future.clear()))


def judge_ready(record: ModelRecord) -> "Judge | None":
    """The model's verdict-giver if it is calibrated, else ``None`` (its calibration is
    started in the background, or goes on): never waits."""
    future = _judge_of(record)
    return future.result() if future.done() else None


@st.cache_resource(max_entries=16, show_spinner=False)
def _imagined(path: str, mtime: float) -> "np.ndarray":
    from mnist_core.explain import imagine

    return imagine(_model(path, mtime)[0])


def imagined(record: ModelRecord) -> "np.ndarray":
    """(10, h, w): what the model imagines each digit to be (see mnist_core.explain.imagine)."""
    with slow(N_("Asking the network what it imagines...")):
        return _imagined(str(record.path), mtime(record))


@st.cache_resource(max_entries=16, show_spinner=False)
def _snapshots(path: str, mtime: float) -> "Snapshots | None":
    from mnist_core.storage.modelfile import load_snapshots

    return load_snapshots(path)


def snapshots(record: ModelRecord) -> "Snapshots | None":
    """The first layer's pictures taken while the model trained, if its file has them."""
    return _snapshots(str(record.path), mtime(record))
