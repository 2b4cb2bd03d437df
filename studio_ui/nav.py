"""The studio's pages, once: the navigation (``streamlit_app.py``) and Home's list both
read :data:`PAGES`.

Streamlit has two ways to find a multipage app's pages: ``st.navigation`` (ours) and,
before the main script has ever called it, the files of the ``pages/`` folder on their
own.  The very first request after the server starts can therefore run, say,
``pages/Draw.py`` by itself -- no navigation, no ``streamlit_app.py`` around it.  Such a
run is noticed (:func:`routed` is false: :func:`run` did not start it) and handed over:
calling the public ``st.navigation`` tells Streamlit this app navigates itself, and a
rerun then goes through ``streamlit_app.py`` to the same URL.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import streamlit as st

from mnist_core.i18n import N_

from . import session
from .lang import t


@dataclass(frozen=True)
class PageInfo:
    """One page: its file in ``pages/``, its title and line on Home (English, shown
    through ``t``), its icon and its URL (``/Draw``; ``""``: the home page)."""

    file: str
    title: str
    icon: str
    url_path: str
    description: str


PAGES = [
    PageInfo("pages/Home.py", N_("Home"), ":material/home:", "",
             N_("what the studio is, the active dataset and model")),
    PageInfo("pages/Dataset.py", N_("Dataset"), ":material/dataset:", "Dataset",
             N_("label distribution, image browser, pixel values, mean images")),
    PageInfo("pages/Train.py", N_("Train"), ":material/model_training:", "Train",
             N_("train any model in the background, watch it learn, manage saved models")),
    PageInfo("pages/Draw.py", N_("Draw"), ":material/draw:", "Draw",
             N_("draw a digit (or upload one) and see the prediction as you draw")),
    PageInfo("pages/Handwriting.py", N_("My handwriting"), ":material/gesture:", "Handwriting",
             N_("the digits you saved: relabel them, see how the models read them, export and import them")),
    PageInfo("pages/Inside.py", N_("Inside"), ":material/neurology:", "Inside",
             N_("why the model answers what it does: hidden units, what it imagines, which pixels decided")),
    PageInfo("pages/Mistakes.py", N_("Mistakes"), ":material/search:", "Mistakes",
             N_("confusion matrix and the images the model gets wrong")),
    PageInfo("pages/Compare.py", N_("Compare"), ":material/compare_arrows:", "Compare",
             N_("saved models side by side: accuracy, learning curves, per label, which images each gets right")),
    PageInfo("pages/Class.py", N_("Class"), ":material/school:", "Class",
             N_("for the teacher: every workspace, the gallery's moderation, a leaderboard, the class's handwriting")),
]

_run = threading.local()  # each session's script runs in a thread of its own


def navigation() -> Any:
    """``st.navigation`` over :data:`PAGES`, titled in the session's language: the page to run."""
    return st.navigation([st.Page(p.file, title=t(p.title), icon=p.icon, url_path=p.url_path or None,
                                  default=not p.url_path) for p in PAGES])


def run() -> None:
    """The app's run (``streamlit_app.py``): the page the URL asks for, through the navigation."""
    page = navigation()
    _run.routed = True
    try:
        page.run()
    finally:
        _run.routed = False


def routed() -> bool:
    """Whether this run came through :func:`run` (not a page of ``pages/`` run alone)."""
    return getattr(_run, "routed", False)


def hand_over() -> None:
    """A page run by itself (see the module docstring): register the navigation and run
    the app again, once per session (a rerun drops the clicks of the run it replaces)."""
    if routed() or st.session_state.get(session.HANDED_OVER):
        return
    st.session_state[session.HANDED_OVER] = True
    navigation()  # from now on Streamlit routes every URL through streamlit_app.py
    st.rerun()
