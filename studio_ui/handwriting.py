"""The user's own handwriting in the app: the workspace's drawings and what a model
reads in them (shared by the pages), the Draw page's "Save as my ..." buttons and the
Train form's "Add my handwriting".  The My handwriting page's panels are in
:mod:`.my_handwriting`.  The drawings live in the workspace
(:mod:`mnist_core.data.handwriting`); this module only shows them."""
from __future__ import annotations

from typing import Collection

import numpy as np
import streamlit as st

from mnist_core.analysis import plots, read_proba
from mnist_core.data import Dataset
from mnist_core.data.handwriting import Drawing, HandwritingStore, model_inputs, training_arrays
from mnist_core.errors import EmptyImage, MnistError, sentence
from mnist_core.i18n import N_
from mnist_core.storage import ModelRecord
from mnist_core.storage.handwriting import workspace_handwriting
from mnist_core.settings import HANDWRITING_REPEAT, MAX_REPEAT, MIN_REPEAT

from . import cache, screen, session
from .lang import lang, t, tn
from .text import plain


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
    return read_proba(model, _inputs(ids, model.image_shape, _found))  # read as the Draw page reads a drawing


def proba(record: ModelRecord, found: list[Drawing]) -> np.ndarray:
    """(n, 10): the model's probabilities for each drawing (8x8 models read the raw
    picture prepared the way the UCI digits were)."""
    with cache.slow(N_("Preparing your drawings for the model...")):
        return _proba(str(record.path), cache.mtime(record), tuple(d.id for d in found), record, found)


def thumb(drawing: Drawing, size: int = 56) -> np.ndarray:
    return plots.upscale(drawing.image, size, 255)


# -- Draw -------------------------------------------------------------------------------
def _save(picture: np.ndarray, label: int) -> None:
    try:
        store().save(picture, label, shared=bool(st.session_state.get(session.HW_SHARE)))
        text = tn("Saved as your {digit} ({count} drawing in all; see them on {page}).",
                  "Saved as your {digit} ({count} drawings in all; see them on {page}).", len(store().ids()),
                  digit=label, page=t("My handwriting"))
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
        st.checkbox(t("share with the class"), key=session.HW_SHARE, help=t(
            "The drawings you save while this is ticked join the class's handwriting: the teacher tests every "
            "gallery model on them. They stay yours."))
        row = st.container(horizontal=True, gap="xxsmall", key=screen.SAVE_ROW)  # one row (screen narrows them)
        for digit in range(10):
            row.button(str(digit), key=session.widget_key("save_my", digit), on_click=_save, args=(picture, digit),
                       help=t("Save this drawing as your {digit}", digit=digit), width="stretch")
    kind, text = st.session_state.pop(session.HANDWRITING_SAVED, (None, ""))
    if kind:
        (st.success if kind == "success" else st.error)(plain(text))


# -- Train --------------------------------------------------------------------------------
def train_inputs(hide: Collection[str] = (), add: bool = False, repeat: int = 10) -> tuple[bool, int]:
    """Inside the Train form: add the drawings to the training set, how many times
    (``hide``: "handwriting" and/or "repeat", which then keep ``add`` and ``repeat``)."""
    count = len(drawings())
    left, right, _ = screen.columns(3, key="train_hw")
    if "handwriting" not in hide:
        label = tn("Add my handwriting ({count} drawing)", "Add my handwriting ({count} drawings)", count)
        add = left.checkbox(label, key=session.TRAIN_HW_ADD, help=t(
            "Your drawings from the {page} page join the training set, repeated as often as the repeat factor says; "
            "the saved model records it.", page=t("My handwriting")))
    if "repeat" not in hide:
        repeat = right.number_input(t("Repeat factor"), MIN_REPEAT, MAX_REPEAT, HANDWRITING_REPEAT, key=session.TRAIN_HW_REPEAT,
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
