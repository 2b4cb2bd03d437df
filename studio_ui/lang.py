"""The user's language (Japanese or English) and the pages' messages in it.

The language comes from ``?lang=ja`` / ``?lang=en`` when the URL has it, else from the
sidebar's choice, else from the browser (``st.context.locale``); the URL is kept in
step so a link or a reload keeps it.  ``t("...{name}...", name=...)`` is the message in
that language (see :mod:`mnist_core.i18n`); ``num`` and ``pct`` write numbers its way.
"""
from __future__ import annotations

import streamlit as st

from mnist_core.i18n import LANGUAGES, language_of, number, percent, translate

LANG = "language"  # the session's language
CHOICE = "language_choice"  # the sidebar's selectbox (a widget's key cannot be set once it is drawn)


def lang() -> str:
    """This session's language: the URL's, else the one chosen, else the browser's."""
    asked = st.query_params.get("lang")
    if asked in LANGUAGES and st.session_state.get(LANG) != asked:
        st.session_state[LANG] = asked
    elif LANG not in st.session_state:
        st.session_state[LANG] = language_of(getattr(st.context, "locale", None))
    return st.session_state[LANG]


def t(message: str, **params: object) -> str:
    """``message`` in the session's language, placeholders filled."""
    return translate(message, lang(), **params)


def num(value: float, digits: int = 0) -> str:
    return number(value, lang(), digits)


def pct(value: float, digits: int = 1) -> str:
    return percent(value, lang(), digits)


def _chosen() -> None:
    st.session_state[LANG] = st.query_params["lang"] = st.session_state[CHOICE]


def language_picker() -> None:
    """The sidebar's language switch (it rewrites ``?lang=``)."""
    st.session_state[CHOICE] = lang()
    st.selectbox("Language / 言語", list(LANGUAGES), format_func=LANGUAGES.get, key=CHOICE, on_change=_chosen)
