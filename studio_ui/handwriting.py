"""The user's own handwriting in the app: the Draw page's "Save as my ..." buttons, the
Train form's "Add my handwriting", and the My handwriting page's panels (the grid of
drawings, the models' accuracy on them, export and import).  The drawings live in the
workspace (:mod:`mnist_core.data.handwriting`); this module only shows them."""
from __future__ import annotations

from typing import Collection

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis import charts, plots
from mnist_core.data import Dataset
from mnist_core.data.exchange import TEST_EVERY, export_csv, export_zip, read_upload
from mnist_core.data.handwriting import Drawing, HandwritingStore, arrays, model_inputs, training_arrays
from mnist_core.errors import EmptyImage, MnistError, sentence
from mnist_core.storage import ModelRecord
from mnist_core.storage.handwriting import workspace_handwriting
from mnist_core.training.pipeline import MAX_REPEAT

from . import cache, session
from .lang import lang, num, pct, t
from .widgets import plain

PER_PAGE = 24
COLUMNS = 8


def store() -> HandwritingStore:
    """This workspace's drawings."""
    return workspace_handwriting(session.workspace())


@st.cache_resource(max_entries=16, show_spinner=False)
def _listing(root: str, stamp: tuple) -> list[Drawing]:
    return HandwritingStore(root).list()


def drawings() -> list[Drawing]:
    """The workspace's drawings, oldest first: read again only when a file changed."""
    hw = store()
    return _listing(str(hw.root), hw.stamp())


# Keyed by the drawings' ids (unique across workspaces; a relabel keeps the image), so the
# numbers always belong to the very list the page shows.
@st.cache_resource(max_entries=16, show_spinner=False)  # proba() shows the spinner, in the page's language
def _inputs(ids: tuple, shape: tuple[int, int], _found: list[Drawing]) -> np.ndarray:
    seen = model_inputs(_found, shape)
    seen.flags.writeable = False
    return seen


@st.cache_data(max_entries=64, show_spinner=False)
def _proba(path: str, mtime: float, ids: tuple, _record: ModelRecord, _found: list[Drawing]) -> np.ndarray:
    model = cache.model(_record)
    return model.predict_proba(_inputs(ids, model.image_shape, _found))


def proba(record: ModelRecord, found: list[Drawing]) -> np.ndarray:
    """(n, 10): the model's probabilities for each drawing (8x8 models read the raw
    picture prepared the way the UCI digits were)."""
    with st.spinner(t("Preparing your drawings for the model...")):  # shown only if it takes a while
        return _proba(str(record.path), cache._mtime(record), tuple(d.id for d in found), record, found)


def thumb(drawing: Drawing, size: int = 56) -> np.ndarray:
    return plots.upscale(drawing.image, size, 255)


# -- Draw -------------------------------------------------------------------------------
def _save(picture: np.ndarray, label: int) -> None:
    try:
        store().save(picture, label)
        count = len(store().ids())
        page = t("My handwriting")
        text = (t("Saved as your {digit} (1 drawing in all; see them on {page}).", digit=label, page=page)
                if count == 1 else t("Saved as your {digit} ({count} drawings in all; see them on {page}).",
                                     digit=label, count=num(count), page=page))
        st.session_state[session.HANDWRITING_SAVED] = ("success", text)
        st.session_state[session.CANVAS] = st.session_state.get(session.CANVAS, 0) + 1  # a fresh canvas
    except EmptyImage:
        st.session_state[session.HANDWRITING_SAVED] = ("error", t("Draw a digit first."))
    except Exception as err:  # noqa: BLE001 -- a sentence, never a traceback
        st.session_state[session.HANDWRITING_SAVED] = ("error", sentence(err, lang()))


def save_control(picture: np.ndarray | None) -> None:
    """"Save as my ..." with the digit meant, one click: keeps the drawing in the
    workspace (and clears the canvas).  ``None`` (nothing drawn): only the last save's message."""
    if picture is not None:
        st.caption(t("Save as my ... (the digit you meant: it is kept in your workspace, and the canvas clears)"))
        for digit, col in enumerate(st.columns(10, gap="small")):
            col.button(str(digit), key=f"save_my_{digit}", on_click=_save, args=(picture, digit),
                       help=t("Save this drawing as your {digit}", digit=digit), width="stretch")
    kind, text = st.session_state.pop(session.HANDWRITING_SAVED, (None, ""))
    if kind:
        (st.success if kind == "success" else st.error)(plain(text))


# -- Train --------------------------------------------------------------------------------
def train_inputs(hide: Collection[str] = (), add: bool = False, repeat: int = 10) -> tuple[bool, int]:
    """Inside the Train form: add the drawings to the training set, how many times
    (``hide``: "handwriting" and/or "repeat", which then keep ``add`` and ``repeat``)."""
    count = len(drawings())
    left, right, _ = st.columns(3)
    if "handwriting" not in hide:
        label = (t("Add my handwriting (1 drawing)") if count == 1 else
                 t("Add my handwriting ({count} drawings)", count=num(count)))
        add = left.checkbox(label, key="train_hw_add", help=t(
            "Your drawings from the {page} page join the training set, repeated as often as the repeat factor says; "
            "the saved model records it.", page=t("My handwriting")))
    if "repeat" not in hide:
        repeat = right.number_input(t("Repeat factor"), 1, MAX_REPEAT, 10, key="train_hw_repeat",
                                    help=t("How many copies of each drawing the training set gets."))
    return add, int(repeat)


def training_set(dataset: Dataset, repeat: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The drawings as the dataset stores images (28x28 0-255, or 8x8 0-16), for a run."""
    found = drawings()
    if not found:
        raise MnistError("You have no saved drawings yet: save some on the {draw} page, or import them "
                         "on {handwriting}, first.", draw=t("Draw"), handwriting=t("My handwriting"))
    images, labels = training_arrays(found, dataset.image_shape, dataset.pixel_max)
    return images, labels, repeat


def recorded(meta: dict) -> str:
    """What a model's metadata says about the handwriting it was trained with ("" if none)."""
    hw = meta.get("handwriting")
    return f"{hw['images']} x {hw['repeat']}" if isinstance(hw, dict) else ""


# -- My handwriting page ------------------------------------------------------------------------
def _relabel(drawing_id: str) -> None:
    try:
        store().relabel(drawing_id, int(st.session_state[f"hw_label_{drawing_id}"]))
    except Exception as err:  # noqa: BLE001
        st.session_state[session.TOAST] = sentence(err, lang())


def _delete(drawing_id: str) -> None:
    store().delete(drawing_id)
    st.session_state[session.TOAST] = t("Drawing deleted.")


def grid(found: list[Drawing]) -> None:
    """The drawings, newest first, a page at a time: each with its label (change it to
    relabel) and a Delete button."""
    newest = found[::-1]
    pages = max(1, -(-len(newest) // PER_PAGE))
    if st.session_state.get("hw_page", 1) > pages:  # deletions left fewer pages
        st.session_state["hw_page"] = pages
    page = int(st.number_input(t("Page"), 1, pages, key="hw_page")) if pages > 1 else 1
    shown = newest[(page - 1) * PER_PAGE: page * PER_PAGE]
    digits = [t("a {digit}", digit=v) for v in range(10)]  # in this run's language (a widget keeps its format_func)
    for start in range(0, len(shown), COLUMNS):
        for col, d in zip(st.columns(COLUMNS), shown[start:start + COLUMNS]):
            with col.container(border=True):
                st.image(thumb(d, 84), width=84, caption=t("saved {when}", when=d.created[5:16].replace('T', ' ')))
                st.selectbox(t("Label"), range(10), index=d.label, key=f"hw_label_{d.id}", on_change=_relabel,
                             args=(d.id,), format_func=digits.__getitem__, label_visibility="collapsed",
                             help=t("The digit this drawing is: change it to relabel the drawing."))
                st.button(t("Delete"), key=f"hw_delete_{d.id}", on_click=_delete, args=(d.id,), width="stretch")
    if pages > 1:
        st.caption(t("Page {page} of {pages}, newest first.", page=num(page), pages=num(pages)))


def accuracy_panel(record: ModelRecord | None, found: list[Drawing]) -> None:
    """The active model's accuracy on the drawings, and the ones it misreads."""
    if record is None:
        st.info(t("No model for this dataset yet: train one on the {train} page, or open {draw}.",
                  train=t("Train"), draw=t("Draw")))
        return
    p = proba(record, found)
    pred = p.argmax(axis=1)
    labels = np.array([d.label for d in found])
    wrong = np.flatnonzero(pred != labels)
    a, b = st.columns(2)
    a.metric(t("Active model on your handwriting"), pct(float(np.mean(pred == labels)), 1))
    b.metric(t("Misread"), t("{wrong} of {total}", wrong=num(len(wrong)), total=num(len(found))))
    h, w = cache.model(record).image_shape
    model, kind = record.label, record.meta.get("model")
    st.caption(plain(t("Model {model} ({kind}), reading your 28x28 drawings.", model=model, kind=kind)
                     if (h, w) == (28, 28) else
                     t("Model {model} ({kind}), reading your raw drawings prepared as {h}x{w} images.",
                       model=model, kind=kind, h=h, w=w)))
    if len(wrong):
        shown = wrong[::-1][:40]
        st.image([thumb(found[i], 84) for i in shown], width=84,
                 caption=[t("drawn {drawn}, read {read} ({confidence})", drawn=found[i].label, read=pred[i],
                            confidence=pct(float(p[i].max()), 0)) for i in shown])
    else:
        st.success(t("It reads every one of your drawings right."))


def every_model_panel(records: list[ModelRecord], found: list[Drawing]) -> None:
    """Every saved model of the active dataset on the drawings, side by side."""
    labels = np.array([d.label for d in found])
    rows = []
    for r in records:
        try:
            acc = float(np.mean(proba(r, found).argmax(axis=1) == labels))
        except MnistError as err:
            rows.append({"model": r.label, "kind": r.meta.get("model"), "error": sentence(err, lang())})
            continue
        rows.append({"model": r.label, "kind": r.meta.get("model"), "on my handwriting": acc,
                     "test accuracy": r.meta.get("test_accuracy"), "trained with my handwriting": recorded(r.meta)})
    frame = pd.DataFrame(rows)
    # the columns keep their names; the page shows them in its language
    shown = {"model": t("model"), "kind": t("kind"), "error": t("error"), "on my handwriting": t("on my handwriting"),
             "test accuracy": t("test accuracy"), "trained with my handwriting": t("trained with my handwriting")}
    if "on my handwriting" in frame and frame["on my handwriting"].notna().sum() > 1:
        st.altair_chart(charts.bars(frame.dropna(subset=["on my handwriting"]), "model", "on my handwriting", ".0%",
                                    titles=shown), width="stretch")
    st.dataframe(frame, hide_index=True, column_config={
        **{column: title for column, title in shown.items() if column in frame},
        "on my handwriting": st.column_config.NumberColumn(shown["on my handwriting"], format="percent"),
        "test accuracy": st.column_config.NumberColumn(shown["test accuracy"], format="percent")})


@st.cache_data(max_entries=8, show_spinner=False)
def _exports(key: tuple, _found: list[Drawing]) -> tuple[bytes, bytes]:
    images, labels = arrays(_found)
    return export_zip(images, labels), export_csv(images, labels)


def export_panel(found: list[Drawing]) -> None:
    idx, csv = _exports(tuple((d.id, d.label) for d in found), found)
    n_test = len(found) // TEST_EVERY
    st.caption(t("The four MNIST IDX files, gzipped, in one zip: every {every}th drawing (the {every}th, "
                 "{second}th, ...) is in the t10k test pair ({test}), the others in the train pair "
                 "({train}). The CSV is the tutorial's: one line per drawing, the label then 784 "
                 "pixels 0-255, no header. Both keep your drawings' order; importing puts them back in it.",
                 every=TEST_EVERY, second=2 * TEST_EVERY, test=num(n_test), train=num(len(found) - n_test)))
    a, b = st.columns(2)
    a.download_button(t("Download the IDX files (.zip)"), idx, "my-handwriting-idx.zip", "application/zip",
                      key="hw_export_idx", on_click="ignore", width="stretch")
    b.download_button(t("Download the CSV"), csv, "my-handwriting.csv", "text/csv", key="hw_export_csv",
                      on_click="ignore", width="stretch")


def _import() -> None:
    files = st.session_state.get("hw_import_files") or []
    try:
        images, labels = read_upload([(f.name, f.getvalue()) for f in files])
        count = store().add(images, labels, replace=bool(st.session_state.get("hw_import_replace")))
        st.session_state[session.HANDWRITING_IMPORT] = ("success", t("Imported 1 drawing.") if count == 1 else
                                                        t("Imported {count} drawings.", count=num(count)))
    except Exception as err:  # noqa: BLE001 -- the sentence, nothing changed
        st.session_state[session.HANDWRITING_IMPORT] = ("error", sentence(err, lang()))


def import_panel() -> None:
    st.file_uploader(t("One CSV, the zip made by Download, or the IDX files (.gz or not)"), accept_multiple_files=True,
                     key="hw_import_files")
    st.checkbox(t("Replace the drawings I have (otherwise the imported ones are added)"), key="hw_import_replace")
    st.button(t("Import"), key="hw_import", on_click=_import)
    kind, text = st.session_state.pop(session.HANDWRITING_IMPORT, (None, ""))
    if kind:
        (st.success if kind == "success" else st.error)(plain(text))
