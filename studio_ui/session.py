"""What belongs to one user's session: the workspace, the active dataset, the active
model of each dataset, the canvas.  Every key of ``st.session_state`` the app uses is
named here.

A workspace owns its jobs and models.  With an OIDC provider configured (Streamlit's
``st.login``), it is the signed-in user's; otherwise it is a name kept in the URL
(``?workspace=bright-otter-42``), so a reload or a bookmark keeps it; a first visit
gets a random readable one.  Without sign-in a workspace name is not a password:
whoever has the link sees that workspace.
"""
from __future__ import annotations

import hashlib
import re
import secrets

import streamlit as st

from mnist_core.data import available_datasets
from mnist_core.i18n import N_
from mnist_core.storage import ModelRecord, ModelStore, check_workspace, gallery, workspace_store
from mnist_core.training import JobManager, manager
from mnist_core.training.jobs import STUDIO

from . import cache

WORKSPACE = "workspace"  # this session's workspace name
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

# Widgets whose value the app reads or sets itself (their keys; see widget_key for the rest)
LANGUAGE_CHOICE = "language_choice"  # the sidebar's language (a widget's key cannot be set once it is drawn)
PRESENTER_TOGGLE = "presenter_toggle"  # the sidebar's presenter switch (set from PRESENT each run)
DATASET_PICKER = "dataset_picker"  # Dataset's radio
COMPARE_PICK = "compare_pick"  # Compare's models
MISTAKE_PAGE = "mistake_page"  # Mistakes' page of images
CONFUSION_PICK = "confusion_pick"  # the clicked cell of Mistakes' confusion matrix
HW_PAGE = "hw_page"  # My handwriting's page of drawings
HW_LABEL = "hw_label"  # widget_key(HW_LABEL, drawing id): a drawing's label
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
_ADJECTIVES = ("amber", "bold", "bright", "calm", "clever", "eager", "gentle", "happy", "keen", "lively",
               "lucky", "merry", "quick", "quiet", "sunny", "swift", "tidy", "witty", "brave", "kind")
_ANIMALS = ("otter", "heron", "panda", "fox", "lynx", "owl", "koala", "tiger", "whale", "zebra", "crane",
            "gecko", "lemur", "moose", "puffin", "robin", "seal", "wolf", "yak", "hare")


def random_workspace() -> str:
    """Readable and hard to guess: ``bright-otter-3f9a2c71`` (about 41 bits)."""
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_ANIMALS)}-{secrets.token_hex(4)}"


def slug(text: str) -> str:
    """Any text -> a usable workspace name ("" if nothing usable is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def sign_in_configured() -> bool:
    """Whether the server has an OIDC provider for ``st.login`` (an [auth] section in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 -- no secrets file at all
        return False


def workspace() -> str:
    """This session's workspace (see the module docstring); kept in the URL.  With
    sign-in configured it is the signed-in user's, whatever the URL says, and a visitor
    who has not signed in is asked to."""
    if sign_in_configured():
        if not st.user.is_logged_in:
            from .lang import t

            st.info(t("Sign in to use the studio: your runs and models are kept under your account."))
            st.button(t("Sign in"), on_click=st.login, type="primary")
            st.stop()
        subject = str(st.user.get("sub") or st.user.get("email"))
        name = "u-" + hashlib.sha256(subject.encode()).hexdigest()[:16]  # no URL name looks like this
        st.session_state[WORKSPACE] = name
        return name
    name = st.session_state.get(WORKSPACE)
    if not name:
        asked = slug(st.query_params.get("workspace", ""))
        name = asked if asked and asked != STUDIO and not asked.startswith("u-") else random_workspace()
        st.session_state[WORKSPACE] = check_workspace(name)
    if st.query_params.get("workspace") != name:  # a page switch clears the URL's parameters
        st.query_params["workspace"] = name
    return name


def switch_workspace(text: str) -> None:
    name = slug(text)
    if name and name != STUDIO and not name.startswith("u-") and not sign_in_configured():
        st.session_state[WORKSPACE] = name
        st.session_state.pop(MODELS, None)
        st.query_params["workspace"] = name


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


def active_record(name: str | None = None) -> ModelRecord | None:
    """The model this session chose for the dataset, else its newest own model, else the
    gallery's newest; a model that cannot be loaded (weights that are not finite numbers)
    is skipped, and said so once per session (:func:`usable`)."""
    name = name or active_name()
    recs = records(name)
    chosen = st.session_state.setdefault(MODELS, {}).get(name)
    finished = [r for r in recs if r.meta.get("status", "done") == "done"]  # never a stopped or diverged one by itself
    record = next((r for r in [*(r for r in recs if r.key == chosen), *finished] if usable(r)), None)
    if record is not None:  # pinned: somebody else's training or publishing never changes it
        st.session_state[MODELS][name] = record.key
    return record


def usable(record: ModelRecord, weights: bool = True) -> bool:
    """Whether the model loads (cached, so asked once per file) -- or, ``weights=False``,
    whether its evaluation can be had (kept in its file: its weights are not read); if
    not, its sentence is shown once in this session, as a toast: a broken model breaks no page."""
    from mnist_core.errors import sentence

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
