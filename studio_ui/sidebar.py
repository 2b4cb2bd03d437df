"""The start of every page (:func:`start_page`): hand a page run alone to the
navigation, keep the workspace's runs alive, the stylesheet, and the sidebar (language,
presenter mode, the active workspace, dataset and model, another workspace)."""
from __future__ import annotations

import streamlit as st

from mnist_core.data import mnist_folder
from mnist_core.i18n import translate

from . import cookies, links, nav, screen, session
from .lang import keep as keep_language, lang, language_picker, t
from .results import describe
from .runs import activate_finished_runs
from .text import plain


def start_page(activate_runs: bool = False) -> None:
    """Call first on every page: hands a run of ``pages/`` alone to the navigation (see
    :mod:`.nav`), shows the sidebar and any message left for this run. ``activate_runs``
    (the Train page, which watches runs): a run that finished well becomes the active model
    before the sidebar is drawn, so the sidebar names the model the run says it "made active"."""
    nav.hand_over()
    keep_language()  # a chosen language back in the URL (a page switch clears it) and in the browser
    workspace = session.workspace()
    session.jobs().touch(workspace)
    if activate_runs:
        activate_finished_runs()
    st.fragment(run_every=60)(session.jobs().touch)(workspace)  # an open page keeps its runs alive
    if session.TOAST in st.session_state:
        st.toast(plain(translate(st.session_state.pop(session.TOAST), lang())))
    screen.style()  # the layout's stylesheet (and presenter mode's)
    with st.sidebar:
        language_picker()
        screen.toggle()
        _active(workspace)
    cookies.write()  # the browser keeps its workspace and language for next time


def _active(workspace: str) -> None:
    """What this session works with, and the way to another workspace."""
    st.markdown("### " + t("Active"))
    info = session.workspace_info()
    st.markdown(t("**Workspace:** {workspace}", workspace=plain(info.name)))
    name = session.active_name()
    st.markdown(t("**Dataset:** {dataset}", dataset=t(session.LABELS[name])))
    st.markdown(t("**Model:**"))
    st.text(describe(session.active_record(name)))
    if name == "digits" and not mnist_folder():
        st.caption(t("MNIST is not on this machine: see the Dataset page to download it."))
    note = st.session_state.pop(session.WORKSPACE_NOTE, None)
    if note:
        st.warning(plain(note))
    with st.expander(t("Workspace"), expanded=bool(note)):
        _workspace_panel(info)


def _workspace_panel(info) -> None:
    st.caption(t("Your runs and models live in this workspace; this browser comes back to it. "
                 "Publish a model on the Train page to share it with the class."))
    if not session.sign_in_configured():
        new = st.text_input(t("Workspace name"), value=info.name, key="workspace_rename",
                            help=t("The name people see (on the gallery, and the teacher). It opens nothing."))
        if new != info.name:
            st.button(t("Rename"), key="workspace_rename_button", on_click=session.rename_workspace, args=(new,))
        if st.session_state.get(session.LINK_SHOWN):
            st.caption(t("Anyone with this link can open your workspace: keep it to yourself."))
            st.code(links.workspace_link(info.key), language=None, wrap_lines=True)
            st.button(t("Hide the link"), key="workspace_link_hide",
                      on_click=lambda: st.session_state.pop(session.LINK_SHOWN, None))
        else:
            st.button(t("Link to this workspace"), key="workspace_link", on_click=session.show_link,
                      help=t("Shows the link that opens this workspace from another browser."))
        other = st.text_input(t("Open another workspace"), key="workspace_switch",
                              placeholder=t("its link, or its key"), type="password")
        st.button(t("Open"), key="workspace_open", on_click=session.switch_workspace, args=(other,),
                  disabled=not other)
        st.button(t("Start afresh"), key="workspace_afresh", on_click=session.start_afresh,
                  help=t("A new, empty workspace for this browser. This one stays: its link still opens it."))
