"""The start of every page (:func:`start_page`): hand a page run alone to the
navigation, keep the workspace's runs alive, the stylesheet, and the sidebar (language,
presenter mode, the active workspace, dataset and model, another workspace)."""
from __future__ import annotations

import streamlit as st

from mnist_core.data import mnist_folder
from mnist_core.i18n import translate

from . import nav, screen, session
from .lang import lang, language_picker, t
from .results import describe
from .text import plain


def start_page() -> None:
    """Call first on every page: hands a run of ``pages/`` alone to the navigation (see
    :mod:`.nav`), shows the sidebar and any message left for this run."""
    nav.hand_over()
    workspace = session.workspace()
    session.jobs().touch(workspace)
    st.fragment(run_every=60)(session.jobs().touch)(workspace)  # an open page keeps its runs alive
    if session.TOAST in st.session_state:
        st.toast(plain(translate(st.session_state.pop(session.TOAST), lang())))
    screen.style()  # the layout's stylesheet (and presenter mode's)
    with st.sidebar:
        language_picker()
        screen.toggle()
        _active(workspace)


def _active(workspace: str) -> None:
    """What this session works with, and the way to another workspace."""
    st.markdown("### " + t("Active"))
    st.markdown(t("**Workspace:** `{workspace}`", workspace=workspace))
    name = session.active_name()
    st.markdown(t("**Dataset:** {dataset}", dataset=t(session.LABELS[name])))
    st.markdown(t("**Model:**"))
    st.text(describe(session.active_record(name)))
    if name == "digits" and not mnist_folder():
        st.caption(t("MNIST is not on this machine: see the Dataset page to download it."))
    with st.expander(t("Workspace")):
        st.caption(t("Your runs and models live in this workspace; bookmark the page to come back to it. "
                     "Publish a model on the Train page to share it with the class."))
        other = st.text_input(t("Open another workspace"), key="workspace_switch", placeholder=t("e.g. room-12"))
        st.button(t("Open"), key="workspace_open", on_click=session.switch_workspace, args=(other,),
                  disabled=not other)
