"""Pieces of page the pages share: the page start (sidebar), the download panel, the
form built from a Config's field descriptions, the per-label/confusion block, the
"no model yet" trainer and the error display."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from mnist_core.analysis import Evaluation
from mnist_core.config import Spec, specs
from mnist_core.data import default_cache_dir, mnist_folder
from mnist_core.errors import sentence
from mnist_core.storage import ModelRecord
from mnist_core.training import ensure_default_model

from . import cache, session


def start_page() -> None:
    """Call first on every page: hands a legacy run to the navigation, shows the
    sidebar and any message left for this run."""
    # Streamlit runs the files in pages/ by themselves (its older multipage mode) when
    # the very first request after the server starts asks for one of them by URL,
    # before st.navigation has ever run: hand such a run to streamlit_app.py's
    # navigation, once per session (a rerun drops the clicks of the run it replaces).
    if PagesManager.uses_pages_directory and not st.session_state.get(session.HANDED_OVER):
        st.session_state[session.HANDED_OVER] = True
        PagesManager.uses_pages_directory = False
        st.rerun()
    if session.TOAST in st.session_state:
        st.toast(st.session_state.pop(session.TOAST))
    with st.sidebar:
        st.markdown("### Active")
        name = session.active_name()
        st.markdown(f"**Dataset:** {session.LABELS[name]}")
        st.markdown(f"**Model:** {describe(session.active_record(name))}")
        if name == "digits" and not mnist_folder():
            st.caption("MNIST is not on this machine: see the Dataset page to download it.")


def describe(rec: ModelRecord | None) -> str:
    if rec is None:
        return "none yet (one is trained when needed)"
    acc = rec.meta.get("test_accuracy")
    acc_text = f"{acc:.1%}" if isinstance(acc, (int, float)) else "?"
    return f"**{rec.name}** ({rec.meta.get('model', '?')}, {acc_text}, {rec.created})"


@contextmanager
def errors_shown() -> Iterator[None]:
    """Any failure inside becomes an st.error sentence instead of a traceback."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 -- the user sees a sentence, not a traceback
        st.error(sentence(err))


@st.cache_resource
def _train_lock() -> threading.Lock:
    """Two sessions asking for the default model at once train it once."""
    return threading.Lock()


def ensure_model() -> ModelRecord:
    """The active model; with none saved for the active dataset, train the default
    (the tutorial's network) right here with a progress bar, save it and go on."""
    rec = session.active_record()
    if rec is not None:
        return rec
    name = session.active_name()
    st.info(f"No model for {session.LABELS[name]} yet: training the default network, this takes a few seconds.")
    bar = st.progress(0.0, text="Training the default model...")

    class Progress:
        shown = 0.0

        def on_batch_end(self, seen: int, logs: dict) -> None:
            if time.monotonic() - self.shown < 0.1:  # a few updates a second: each is a message to the browser
                return
            self.shown = time.monotonic()
            bar.progress(min(1.0, seen / logs["total_samples"]),
                         text=f"Training the default model: epoch {logs['epoch']}, {logs['accuracy']:.1%} right so far")

        def on_epoch_end(self, epoch: int, logs: dict) -> None:
            pass

    with _train_lock():  # another session may be training it: wait, then find it saved
        rec, trained = ensure_default_model(session.store(), session.dataset(name), [Progress()])
    bar.empty()
    session.set_active(rec.name, name)
    if trained:
        st.session_state[session.TOAST] = (f"Trained and saved {rec.name}: "
                                           f"{rec.meta['test_accuracy']:.1%} on the test set.")
    st.rerun()  # draw the page (and the sidebar) afresh with the new model


def config_inputs(fields: list[Spec], defaults: dict[str, Any], key: str, columns: int = 3) -> dict[str, Any]:
    """One widget per described field (inside a form), with its label, help, range and
    choices from the field's description; returns the values entered.  A tuple of
    layer sizes is typed as "512,256" and checked by the Config on Start."""
    values, cols = {}, st.columns(columns)
    for i, f in enumerate(fields):
        col, value, k = cols[i % columns], defaults.get(f.name, f.default), f"{key}_{f.name}"
        if f.type == "choice":
            values[f.name] = col.selectbox(f.label, f.choices, f.choices.index(value), help=f.help, key=k)
        elif f.type == "bool":
            values[f.name] = col.checkbox(f.label, value, help=f.help, key=k)
        elif f.type == "int":
            values[f.name] = int(col.number_input(f.label, int(f.low), int(f.high), int(value), help=f.help, key=k))
        elif f.type == "float":
            values[f.name] = col.number_input(f.label, float(f.low), float(f.high), float(value), format="%g",
                                              step=max(float(value) / 10, float(f.low), 1e-6), help=f.help, key=k)
        else:  # "ints" and free text
            text = col.text_input(f.label, ",".join(map(str, value)) if f.type == "ints" else value, help=f.help, key=k)
            values[f.name] = text
    return values


def hyperparameter_inputs(kind: str) -> dict[str, Any]:
    from mnist_core.models import model_class

    return config_inputs(list(specs(model_class(kind).Config)), {}, f"hp_{kind}")


def per_label_and_confusion(record: ModelRecord, ev: Evaluation, titles: bool = False) -> None:
    """The tutorial's per-label table beside the confusion-matrix heatmap."""
    left, right = st.columns([2, 3])
    if titles:
        left.subheader("Per label")
        right.subheader("Confusion matrix")
    left.dataframe(ev.per_label().style.format({"accuracy": "{:.2%}"}))
    right.image(cache.confusion_png(record), width="stretch")


def download_panel() -> None:
    """Offer to download MNIST when it is missing; a failure says why and changes nothing."""
    if mnist_folder():
        return
    st.info("The real MNIST files were not found, so the studio runs on the embedded 8x8 digits. "
            f"Download MNIST (about 11 MB) into {default_cache_dir()}?")
    if not st.button("Download MNIST", key="download_mnist"):
        return
    from mnist_core.data.download import fetch_mnist

    bar = st.progress(0.0, text="Starting the download...")

    def progress(filename: str, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        bar.progress(min(1.0, frac), text=f"{filename}: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    try:
        fetch_mnist(default_cache_dir(), on_progress=progress)
    except Exception as err:  # noqa: BLE001 -- network stacks raise anything
        bar.empty()
        st.error(f"The download failed: {sentence(err)}")
        return
    st.session_state[session.DATASET] = "mnist"
    st.success("MNIST is downloaded and now the active dataset.")
    time.sleep(0.5)
    st.rerun()
