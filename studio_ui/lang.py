"""The user's language (Japanese or English) and the pages' messages in it.

The language comes from ``?lang=ja`` / ``?lang=en`` when the URL has it, else from the
sidebar's choice, else from the one this browser chose before (a cookie, :mod:`.cookies`),
else from the browser's locale (``st.context.locale``).  A language chosen (by the URL
or the switch) stays: :func:`keep` puts it back in the URL at every page's start (a
page switch clears the URL's parameters) and the browser remembers it, so a reload keeps it.  ``t("...{name}...", name=...)`` is the message in
that language (see :mod:`mnist_core.i18n`), ``tn`` the one for a count; ``num`` and
``pct`` write numbers its way.  Three helpers keep translation out of the pages' way:
:func:`translated` (a widget's ``format_func``), :func:`titles` (a chart's or a table's
column titles) and :func:`name` (a name a user gave: never looked up).
"""
from __future__ import annotations

import streamlit as st

from mnist_core.i18n import LANGUAGES, Text, language_of, number, percent, translate, translate_plural

from . import cookies
from .session import LANG, LANGUAGE_CHOICE as CHOICE

CHOSEN = "language_chosen"  # the session's language was chosen (URL, switch, cookie): the URL keeps it


def lang() -> str:
    """This session's language: the URL's, else the one chosen, else the browser's."""
    asked = st.query_params.get("lang")
    if asked in LANGUAGES and (st.session_state.get(LANG) != asked or CHOSEN not in st.session_state):
        st.session_state[LANG], st.session_state[CHOSEN] = asked, True
    elif LANG not in st.session_state:
        remembered = cookies.get(cookies.LANGUAGE)
        if remembered in LANGUAGES:
            st.session_state[LANG], st.session_state[CHOSEN] = remembered, True
        else:
            st.session_state[LANG] = language_of(getattr(st.context, "locale", None))
    return st.session_state[LANG]


def keep() -> None:
    """At every page's start: a chosen language back in the URL, and in the browser's cookie."""
    chosen = lang()
    if st.session_state.get(CHOSEN):
        if st.query_params.get("lang") != chosen:
            st.query_params["lang"] = chosen
        if cookies.get(cookies.LANGUAGE) != chosen:
            cookies.remember(cookies.LANGUAGE, chosen)


def t(message: str, **params: object) -> str:
    """``message`` in the session's language, placeholders filled."""
    return translate(message, lang(), **params)


def tn(singular: str, plural: str, count: int, **params: object) -> str:
    """The message's form for ``count`` (``ngettext``) in the session's language; ``count``
    is a placeholder too, written the language's way."""
    return translate_plural(singular, plural, int(count), lang(), **{"count": num(count), **params})


def translated(option: object) -> str:
    """A widget's ``format_func`` for options that are English words marked with ``N_``
    (``["train", "test"]``): each shown in this run's language; numbers as they are."""
    return t(option) if isinstance(option, str) else str(option)


def titles(*fields: str, **named: str) -> dict[str, str]:
    """Column -> title in the session's language, for a chart's ``titles=`` or a table's
    ``column_config``: ``titles("label", test_accuracy="test accuracy")``."""
    return {**{f: t(f) for f in fields}, **{f: t(english) for f, english in named.items()}}


def name(value: object) -> str:
    """A name to show: one a user gave (a model's, a workspace's) as written, never looked
    up in the catalogue (a model named "Train" stays "Train"); one the studio made (an
    :class:`mnist_core.i18n.Text`, e.g. "{title} (by the class)") in the session's language."""
    return value.translated(lang()) if isinstance(value, Text) else str(value)


def num(value: float, digits: int = 0) -> str:
    return number(value, lang(), digits)


def pct(value: float, digits: int = 1) -> str:
    return percent(value, lang(), digits)


def _chosen() -> None:
    st.session_state[LANG] = st.query_params["lang"] = st.session_state[CHOICE]
    st.session_state[CHOSEN] = True
    cookies.remember(cookies.LANGUAGE, st.session_state[LANG])


def language_picker() -> None:
    """The sidebar's language switch (it rewrites ``?lang=``)."""
    st.session_state[CHOICE] = lang()
    st.selectbox("Language / 言語", list(LANGUAGES), format_func=LANGUAGES.get, key=CHOICE, on_change=_chosen)
