"""What the browser remembers between visits: its workspace and its language, in cookies.

Streamlit reads the cookies the browser sent when the page connected
(``st.context.cookies``, read-only); a cookie is set by a few lines of JavaScript in
``st.html`` (``document.cookie``: a year, the whole site, ``SameSite=Lax``).  What this
session set wins over what the browser sent (the connection's cookies never change).
The values are the app's own (a workspace key: ``a-z0-9``; a language code), never text a
person typed, so the snippet holds nothing to escape.
"""
from __future__ import annotations

import re

import streamlit as st

from .session import COOKIES_SET

WORKSPACE = "mnist_studio_workspace"  # the workspace key this browser comes back to
LANGUAGE = "mnist_studio_lang"  # the language this browser chose
_YEAR = 365 * 24 * 3600
_SAFE = re.compile(r"[A-Za-z0-9_-]{0,64}")


def get(name: str) -> str | None:
    """The cookie's value: what this session set, else what the browser sent, else None."""
    mine = st.session_state.get(COOKIES_SET, {})
    if name in mine:
        return mine[name] or None
    try:
        return st.context.cookies.get(name)
    except Exception:  # noqa: BLE001 -- no browser behind this run (a script run alone)
        return None


def remember(name: str, value: str) -> None:
    """Ask the browser to keep ``name=value`` for a year ("": forget it)."""
    if not _SAFE.fullmatch(value):
        raise ValueError(f"{name}={value!r}")  # a programming error: the app's own codes only
    st.session_state.setdefault(COOKIES_SET, {})[name] = value


def write() -> None:
    """Send the browser the cookies this session set that it did not send, on every run
    until a reload brings them back (a run cut short by a rerun cannot lose one).  An
    ``st.html`` holding only a script goes to Streamlit's event container: it takes no
    room on the page, presenter mode's collapsed sidebar included."""
    try:
        sent = dict(st.context.cookies)
    except Exception:  # noqa: BLE001
        sent = {}
    wanted = {k: v for k, v in st.session_state.get(COOKIES_SET, {}).items() if sent.get(k) != v}
    if not wanted:
        return
    lines = "".join(f'document.cookie="{k}={v};path=/;max-age={_YEAR if v else 0};SameSite=Lax";'
                    for k, v in sorted(wanted.items()))
    with st.sidebar:
        st.html(f"<script>{lines}</script>", unsafe_allow_javascript=True)
