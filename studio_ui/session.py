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

import re
import secrets

import streamlit as st

from mnist_core.data import available_datasets
from mnist_core.storage import ModelRecord, ModelStore, check_workspace, gallery, workspace_store
from mnist_core.training import JobManager, manager

from . import cache

WORKSPACE = "workspace"  # this session's workspace name
DATASET = "active_dataset"  # "mnist" | "digits"
MODELS = "active_models"  # {dataset name: ModelRecord.key}
ACTIVATED = "activated_jobs"  # ids of finished jobs already made active (or not) here
CANVAS = "canvas_key"  # changes to clear the drawing
TOAST = "toast"  # a message for the next page run
HANDED_OVER = "handed_to_navigation"  # a legacy pages/ run was handed to st.navigation

LABELS = {"mnist": "MNIST (28x28)", "digits": "Digits (8x8, embedded)"}
_ADJECTIVES = ("amber", "bold", "bright", "calm", "clever", "eager", "gentle", "happy", "keen", "lively",
               "lucky", "merry", "quick", "quiet", "sunny", "swift", "tidy", "witty", "brave", "kind")
_ANIMALS = ("otter", "heron", "panda", "fox", "lynx", "owl", "koala", "tiger", "whale", "zebra", "crane",
            "gecko", "lemur", "moose", "puffin", "robin", "seal", "wolf", "yak", "hare")


def random_workspace() -> str:
    return f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_ANIMALS)}-{secrets.randbelow(90) + 10}"


def slug(text: str) -> str:
    """Any text -> a usable workspace name ("" if nothing usable is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _signed_in_user() -> str | None:
    try:
        if st.user.is_logged_in:
            return slug(str(st.user.get("email") or st.user.get("sub") or "")) or None
    except Exception:  # noqa: BLE001 -- no authentication configured
        return None
    return None


def workspace() -> str:
    """This session's workspace (see the module docstring); kept in the URL."""
    user = _signed_in_user()
    if user:
        st.session_state[WORKSPACE] = user
        return user
    name = st.session_state.get(WORKSPACE)
    if not name:
        name = slug(st.query_params.get("workspace", "")) or random_workspace()
        st.session_state[WORKSPACE] = check_workspace(name)
    if st.query_params.get("workspace") != name:  # a page switch clears the URL's parameters
        st.query_params["workspace"] = name
    return name


def switch_workspace(text: str) -> None:
    name = slug(text)
    if name:
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
    """The model this session chose for the dataset, else its newest own model, else the gallery's newest."""
    name = name or active_name()
    recs = records(name)
    chosen = st.session_state.setdefault(MODELS, {}).get(name)
    record = next((r for r in recs if r.key == chosen), recs[0] if recs else None)
    if record is not None:  # pinned: somebody else's training or publishing never changes it
        st.session_state[MODELS][name] = record.key
    return record


def set_active(record: ModelRecord, name: str | None = None) -> None:
    st.session_state.setdefault(MODELS, {})[name or active_name()] = record.key
