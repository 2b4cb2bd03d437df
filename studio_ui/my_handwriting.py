"""The My handwriting page's panels: the grid of drawings (relabel, delete), the active
model's and every saved model's accuracy on them, export and import.  The drawings and
what a model reads in them come from :mod:`.handwriting`."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis import charts
from mnist_core.data.exchange import TEST_EVERY, export_csv, export_zip, read_upload
from mnist_core.data.handwriting import Drawing, arrays
from mnist_core.errors import MnistError, sentence
from mnist_core.storage import ModelRecord

from . import cache, screen, session
from .handwriting import proba, recorded, store, thumb
from .lang import lang, name, num, pct, t, titles, tn
from .text import plain

PER_PAGE = 24
COLUMNS = 8


def _relabel(drawing_id: str) -> None:
    try:
        store().relabel(drawing_id, int(st.session_state[session.widget_key(session.HW_LABEL, drawing_id)]))
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
    if st.session_state.get(session.HW_PAGE, 1) > pages:  # deletions left fewer pages
        st.session_state[session.HW_PAGE] = pages
    page = int(st.number_input(t("Page"), 1, pages, key=session.HW_PAGE)) if pages > 1 else 1
    shown = newest[(page - 1) * PER_PAGE: page * PER_PAGE]
    for start in range(0, len(shown), COLUMNS):
        for col, d in zip(screen.columns(COLUMNS, key=session.widget_key("hw_row", start)), shown[start:start + COLUMNS]):
            with col.container(border=True):
                st.image(thumb(d, 84), width=84, caption=t("saved {when}", when=d.created[5:16].replace('T', ' ')))
                st.selectbox(t("Label"), range(10), index=d.label, key=session.widget_key(session.HW_LABEL, d.id), on_change=_relabel,
                             args=(d.id,), format_func=lambda v: t("a {digit}", digit=v), label_visibility="collapsed",
                             help=t("The digit this drawing is: change it to relabel the drawing."))
                st.button(t("Delete"), key=session.widget_key("hw_delete", d.id), on_click=_delete, args=(d.id,), width="stretch")
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
    a, b = screen.columns(2, key="hw_accuracy")
    a.metric(t("Active model on your handwriting"), pct(float(np.mean(pred == labels)), 1))
    b.metric(t("Misread"), t("{wrong} of {total}", wrong=num(len(wrong)), total=num(len(found))))
    h, w = cache.model(record).image_shape
    model, kind = name(session.label(record)), record.meta.get("model")
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
    rows, shown = [], session.model_labels()
    for r in records:
        try:
            acc = float(np.mean(proba(r, found).argmax(axis=1) == labels))
        except MnistError as err:
            rows.append({"model": name(shown.get(r.key, r.label)), "kind": r.meta.get("model"), "error": sentence(err, lang())})
            continue
        rows.append({"model": name(shown.get(r.key, r.label)), "kind": r.meta.get("model"), "on my handwriting": acc,
                     "test accuracy": r.meta.get("test_accuracy"), "trained with my handwriting": recorded(r.meta)})
    frame = pd.DataFrame(rows)
    # the columns keep their names; the page shows them in its language
    shown = titles("model", "kind", "error", "on my handwriting", "test accuracy", "trained with my handwriting")
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
    a, b = screen.columns(2, key="hw_export")
    a.download_button(t("Download the IDX files (.zip)"), idx, "my-handwriting-idx.zip", "application/zip",
                      key="hw_export_idx", on_click="ignore", width="stretch")
    b.download_button(t("Download the CSV"), csv, "my-handwriting.csv", "text/csv", key="hw_export_csv",
                      on_click="ignore", width="stretch")


def _import() -> None:
    files = st.session_state.get(session.HW_IMPORT_FILES) or []
    try:
        images, labels = read_upload([(f.name, f.getvalue()) for f in files])
        count = store().add(images, labels, replace=bool(st.session_state.get(session.HW_IMPORT_REPLACE)))
        st.session_state[session.HANDWRITING_IMPORT] = ("success", tn("Imported {count} drawing.",
                                                                      "Imported {count} drawings.", count))
    except Exception as err:  # noqa: BLE001 -- the sentence, nothing changed
        st.session_state[session.HANDWRITING_IMPORT] = ("error", sentence(err, lang()))


def import_panel() -> None:
    st.file_uploader(t("One CSV, the zip made by Download, or the IDX files (.gz or not)"), accept_multiple_files=True,
                     key=session.HW_IMPORT_FILES)
    st.checkbox(t("Replace the drawings I have (otherwise the imported ones are added)"), key=session.HW_IMPORT_REPLACE)
    st.button(t("Import"), key="hw_import", on_click=_import)
    kind, text = st.session_state.pop(session.HANDWRITING_IMPORT, (None, ""))
    if kind:
        (st.success if kind == "success" else st.error)(plain(text))
