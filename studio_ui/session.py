"""What belongs to one user's session: the workspace, the active dataset, the active
model of each dataset, the canvas.  Every key of ``st.session_state`` the app uses is
named here.

A workspace owns its jobs and models (:mod:`mnist_core.storage.workspaces`).  It has a
display name people read and a key that opens it; only the key travels in the URL
(``?workspace=KEY``, so a reload or a bookmark keeps it) and only the owner's "Link to
this workspace" shows it.  A session opens the URL's workspace, else the one the browser
remembers (a cookie, :mod:`.cookies`), else a new one with a random display name.  With
an OIDC provider configured (Streamlit's ``st.login``), it is the signed-in user's
(:mod:`.workspace` opens and changes it; its functions are importable from here).  A new
workspace is written to disk only when it first holds something (a run, a model, a
drawing, a rename): opening pages leaves nothing behind.
"""
from __future__ import annotations

import streamlit as st

from mnist_core.data import available_datasets
from mnist_core.i18n import N_
from mnist_core.errors import sentence
from mnist_core.storage import ModelRecord, ModelStore, gallery, workspace_store
from mnist_core.storage.publishing import default_model, label_of
from mnist_core.training import JobManager, manager

from . import cache

WORKSPACE = "workspace"  # this session's workspace KEY (never shown; see the module docstring)
WORKSPACE_NOTE = "workspace_note"  # a sentence about the workspace the URL asked for (shown once)
COOKIES_SET = "cookies_set"  # {cookie name: value} this session asked the browser to keep (studio_ui.cookies)
LINK_SHOWN = "workspace_link_shown"  # the owner asked to see the link to the workspace
TEACHER = "teacher"  # mnist_core.storage.teacher.Teacher: this session typed the teacher key (studio_ui.classroom)
DATASET = "active_dataset"  # "mnist" | "digits"
MODELS = "active_models"  # {dataset name: ModelRecord.key}
ACTIVATED = "activated_jobs"  # ids of finished jobs already made active (or not) here
CANVAS = "canvas_key"  # changes to clear the drawing
TOAST = "toast"  # a message for the next page run
HANDED_OVER = "handed_to_navigation"  # a page run alone was handed to st.navigation (studio_ui.nav)
LANG = "language"  # the session's language (studio_ui.lang)
PRESENT = "presenter_mode"  # presenter mode on or off: the truth (studio_ui.screen)
DRAWING = "last_drawing"  # {"seen": model input (h, w), "ink": the canvas's ink}: Inside explains it
INSIDE_SOURCE = "inside_source"  # "Your drawing" | "A test image" (also its radio's key)
INSIDE_TEST = "inside_test"  # the test image Inside explains (also its number input's key)
HANDWRITING_SAVED = "handwriting_saved"  # ("success" | "error", sentence): the last "Save as my ..." on Draw
HANDWRITING_IMPORT = "handwriting_import"  # ("success" | "error", sentence): the last import on My handwriting
LINK = "train_link"  # links.Link: what the last link to the Train form asked for (values, hidden controls)
EXPERIMENT = "experiment"  # {"key", "jobs": [job ids], "dataset"}: the ready experiment under way
COMPARE = "compare_models"  # {"keys": [ModelRecord.key], "experiment": key}: what Compare opens on, once
SKIPPED = "skipped_models"  # keys of models that failed to load, already told of (session.usable)
LIVE = "live"  # widget_key(LIVE, job id): the run was still going at its last status
NETWORK = "network"  # widget_key(NETWORK, page, part): the network picture's chooser, chart, click (studio_ui.network)
NETWORK_MS = "network_ms"  # server time of the last network picture, for tools/bench_pages.py
MICROSCOPE_MS = "microscope_ms"  # ... and of the last microscope

# Widgets whose value the app reads or sets itself (their keys; see widget_key for the rest)
LANGUAGE_CHOICE = "language_choice"  # the sidebar's language (a widget's key cannot be set once it is drawn)
PRESENTER_TOGGLE = "presenter_toggle"  # the sidebar's presenter switch (set from PRESENT each run)
DATASET_PICKER = "dataset_picker"  # Dataset's radio
COMPARE_PICK = "compare_pick"  # Compare's models
MISTAKE_PAGE = "mistake_page"  # Mistakes' page of images
CONFUSION_PICK = "confusion_pick"  # the clicked cell of Mistakes' confusion matrix
HW_PAGE = "hw_page"  # My handwriting's page of drawings
HW_LABEL = "hw_label"  # widget_key(HW_LABEL, drawing id): a drawing's label
HW_SHARE = "hw_share"  # Draw's "share with the class" (the drawings saved next are shared)
HW_IMPORT_FILES = "hw_import_files"  # the files to import
HW_IMPORT_REPLACE = "hw_import_replace"  # replace the drawings on import?
TRAIN_KIND, TRAIN_NAME = "train_kind", "train_name"  # the Train form's model kind and run name
TRAIN_HW_ADD, TRAIN_HW_REPEAT = "train_hw_add", "train_hw_repeat"  # ... "Add my handwriting" and its repeat
HYPER, TRAINING = "hp", "train"  # widget_key(HYPER, kind, field), widget_key(TRAINING, kind, dataset, field)


def widget_key(*parts: object) -> str:
    """The one way a key is made from parts (``widget_key(HW_LABEL, "a1b2")`` ->
    ``"hw_label_a1b2"``): where the widget is drawn and where its value is read or set
    (a link filling the Train form) use the same call, so the two never drift apart."""
    return "_".join(str(p) for p in parts)


LABELS = {"mnist": N_("MNIST (28x28)"), "digits": N_("Digits (8x8, embedded)")}  # shown through t()

# the workspace's opening and its changes (they read this module's keys when called)
from .workspace import (rename_workspace, show_link, sign_in_configured, start_afresh,  # noqa: E402
                        switch_workspace, workspace, workspace_info)


def jobs() -> JobManager:
    return manager()


def store() -> ModelStore:
    """This workspace's own models."""
    return workspace_store(workspace())


def active_name() -> str:
    """The session's dataset: MNIST when it is on this machine, else the digits."""
    names = available_datasets()
    if st.session_state.get(DATASET) not in names:
        st.session_state[DATASET] = names[0]
    return st.session_state[DATASET]


def dataset(name: str | None = None):
    return cache.dataset(name or active_name())


def own_records(name: str | None = None) -> list[ModelRecord]:
    return cache.records(store(), name or active_name())


def records(name: str | None = None) -> list[ModelRecord]:
    """The workspace's own readable models of a dataset, then the gallery's; newest first in each."""
    name = name or active_name()
    return [*own_records(name), *cache.records(gallery(), name)]


def model_labels(name: str | None = None) -> dict[str, str]:
    """ModelRecord.key -> its label, no two the same among the dataset's models (the
    workspace's and the gallery's): what every list, table and selectbox of models shows."""
    return label_of(records(name))


def label(record: ModelRecord) -> str:
    """``record``'s label among its dataset's models (see :func:`model_labels`)."""
    return model_labels(record.meta.get("dataset") or None).get(record.key, record.label)


def active_record(name: str | None = None) -> ModelRecord | None:
    """The model this session chose for the dataset, else the class's default (the
    teacher's choice, else the studio's own: never somebody's newest published model); a
    model that cannot be loaded (weights that are not finite numbers) is skipped, and said
    so once per session (:func:`usable`)."""
    name = name or active_name()
    recs = records(name)
    chosen = st.session_state.setdefault(MODELS, {}).get(name)
    record = next((r for r in recs if r.key == chosen and usable(r)), None)
    shared = [r for r in recs if r.shared]
    while record is None and shared:
        record = default_model(name, shared)
        if record is None:
            break
        if not usable(record):  # a broken class default: the studio's own model instead
            shared, record = [r for r in shared if r.key != record.key], None
    if record is not None:  # pinned: somebody else's training or publishing never changes it
        st.session_state[MODELS][name] = record.key
    return record


def usable(record: ModelRecord, weights: bool = True) -> bool:
    """Whether the model loads (cached, so asked once per file) -- or, ``weights=False``,
    whether its evaluation can be had (kept in its file: its weights are not read); if
    not, its sentence is shown once in this session, as a toast: a broken model breaks no page."""
    err = cache.load_error(record) if weights else cache.evaluation_error(record)
    told = st.session_state.setdefault(SKIPPED, set())
    if err is not None and record.key not in told:
        from .lang import lang
        from .text import plain

        told.add(record.key)
        st.toast(plain(sentence(err, lang())), icon=":material/warning:")
    return err is None


def set_active(record: ModelRecord, name: str | None = None) -> None:
    st.session_state.setdefault(MODELS, {})[name or active_name()] = record.key
