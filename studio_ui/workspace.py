"""This session's workspace: which one it opens (the URL's key, else the browser's
cookie, else a new one; with sign-in, the user's), and its changes (open another by its
link or key, start afresh, rename).  A new workspace is only a key and a display name
until it holds something (:mod:`mnist_core.storage.firstwrite`): opening pages writes
nothing; the key is in the URL and the cookie from the start, so it comes back.  The keys of ``st.session_state`` are
:mod:`.session`'s; see its docstring for what a workspace is."""
from __future__ import annotations

import streamlit as st

from mnist_core.errors import MnistError, sentence
from mnist_core.i18n import N_
from mnist_core.storage.accounts import user_workspace
from mnist_core.storage.firstwrite import default_name, ensure, exists, was_removed
from mnist_core.storage.workspaces import (Workspace, check_display_name, is_key, lookup, new_key, open_workspace,
                                          random_display_name, rename)

from . import session


def sign_in_configured() -> bool:
    """Whether the server has an OIDC provider for ``st.login`` (an [auth] section in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 -- no secrets file at all
        return False


def _signed_in() -> str:
    """The signed-in user's workspace key (a visitor who has not signed in is asked to)."""
    if not st.user.is_logged_in:
        from .lang import t

        st.info(t("Sign in to use the studio: your runs and models are kept under your account."))
        st.button(t("Sign in"), on_click=st.login, type="primary")
        st.stop()
    subject = str(st.user.get("sub") or st.user.get("email"))
    shown = str(st.user.get("name") or str(st.user.get("email") or "").split("@")[0])
    try:
        shown = check_display_name(shown)
    except MnistError:
        shown = random_display_name()
    return user_workspace(subject, shown).key


def _mine(key: object) -> bool:
    """Whether ``key`` is a workspace this browser was given that holds nothing yet
    (not on disk, not removed by a reset): it is this browser's still."""
    return is_key(key) and not exists(key) and not was_removed(key)


def _opened() -> str:
    """The key this session starts with: the URL's workspace, else the browser's, else a
    new one (nothing written: see the module docstring)."""
    from . import cookies

    asked, remembered = st.query_params.get("workspace"), cookies.get(cookies.WORKSPACE)
    if asked:
        try:
            return open_workspace(asked, legacy=True).key  # an old bookmark (a name) still opens, once migrated
        except MnistError as err:
            if asked == remembered and _mine(asked):  # a reload before anything was saved
                return asked
            st.session_state[session.WORKSPACE_NOTE] = sentence(err)
    if remembered and (exists(remembered) or _mine(remembered)):
        return remembered  # else the class was reset, or the folder removed: a fresh one
    return new_key()


def workspace() -> str:
    """This session's workspace KEY (see the module docstring), kept in the URL and the
    browser's cookie.  The key opens the workspace: show :func:`workspace_info`'s name."""
    from . import cookies

    if sign_in_configured():
        key = st.session_state[session.WORKSPACE] = _signed_in()
        return key
    key = st.session_state.get(session.WORKSPACE)
    if not key:
        key = st.session_state[session.WORKSPACE] = _opened()
    elif is_key(key) and not exists(key) and was_removed(key):  # the teacher reset the class: a fresh one
        return _start(new_key()).key
    if st.query_params.get("workspace") != key:  # a page switch clears the URL's parameters
        st.query_params["workspace"] = key
    if cookies.get(cookies.WORKSPACE) != key:
        cookies.remember(cookies.WORKSPACE, key)
    return key


def workspace_info() -> Workspace:
    """This session's workspace: its display name (``.name``) is what screens show; one
    that holds nothing yet is not on disk, and is named after its key."""
    key = workspace()
    try:
        return _shown(key)
    except MnistError:  # removed under the session: a fresh one
        return _start(new_key())


def _shown(key: str) -> Workspace:
    """The workspace ``key`` as screens show it: its record, or (holding nothing yet) its
    name derived from the key."""
    return lookup(key) if exists(key) or not is_key(key) else Workspace(key, default_name(key))


def _start(key: str) -> Workspace:
    st.session_state[session.WORKSPACE] = key
    for name in (session.MODELS, session.ACTIVATED, session.LINK_SHOWN, session.EXPERIMENT):
        st.session_state.pop(name, None)
    if not sign_in_configured():
        from . import cookies

        st.query_params["workspace"] = key
        cookies.remember(cookies.WORKSPACE, key)
    return _shown(key)


def switch_workspace(text: str) -> None:
    """Open the workspace a pasted link or key opens (never a display name: a sentence)."""
    from .lang import lang

    try:
        _start(open_workspace(text).key)
        st.session_state[session.TOAST] = N_("Workspace opened.")
    except MnistError as err:
        st.session_state[session.WORKSPACE_NOTE] = sentence(err, lang())


def start_afresh() -> None:
    """Leave this workspace (its link still opens it, once it holds something): a new,
    empty one, which the browser now remembers."""
    _start(new_key())


def rename_workspace(text: str) -> None:
    """Rename this workspace (a rename by its owner makes a workspace that holds nothing yet)."""
    from .lang import lang

    try:
        key = workspace()
        rename(key, text) if exists(key) or not is_key(key) else ensure(key, text)
    except MnistError as err:
        st.session_state[session.WORKSPACE_NOTE] = sentence(err, lang())


def show_link() -> None:
    """Show the link to this workspace; asking for it keeps the workspace (it is made
    now if it holds nothing yet), so the link opens it from another browser too."""
    from .lang import lang

    try:
        key = workspace()
        if is_key(key):
            ensure(key)
        st.session_state[session.LINK_SHOWN] = True
    except MnistError as err:
        st.session_state[session.WORKSPACE_NOTE] = sentence(err, lang())
