"""What belongs to one user's session: the active dataset, the active model of each
dataset, the training job, the canvas.  Every key of ``st.session_state`` the app
uses is named here."""
from __future__ import annotations

import streamlit as st

from mnist_core.data import available_datasets
from mnist_core.storage import ModelRecord, ModelStore

from . import cache

DATASET = "active_dataset"  # "mnist" | "digits"
MODELS = "active_models"  # {dataset name: model name}
JOB = "train_job"  # the TrainingJob of the Train page
ACTIVATED = "activated_job"  # the saved name of the last job made active
CANVAS = "canvas_key"  # changes to clear the drawing
TOAST = "toast"  # a message for the next page run
HANDED_OVER = "handed_to_navigation"  # a legacy pages/ run was handed to st.navigation

LABELS = {"mnist": "MNIST (28x28)", "digits": "Digits (8x8, embedded)"}


def store() -> ModelStore:
    return ModelStore()


def active_name() -> str:
    """The session's dataset: MNIST when it is on this machine, else the digits."""
    names = available_datasets()
    if st.session_state.get(DATASET) not in names:
        st.session_state[DATASET] = names[0]
    return st.session_state[DATASET]


def dataset(name: str | None = None):
    return cache.dataset(name or active_name())


def records(name: str | None = None) -> list[ModelRecord]:
    return cache.records(store(), name or active_name())


def active_record(name: str | None = None) -> ModelRecord | None:
    """The model this session chose for the dataset, else the newest one."""
    name = name or active_name()
    recs = records(name)
    chosen = st.session_state.setdefault(MODELS, {}).get(name)
    return next((r for r in recs if r.name == chosen), recs[0] if recs else None)


def set_active(model_name: str, name: str | None = None) -> None:
    st.session_state.setdefault(MODELS, {})[name or active_name()] = model_name
