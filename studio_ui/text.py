"""Text from files and people, shown safely: :func:`plain` escapes markdown,
:func:`errors_shown` turns any failure into one sentence instead of a traceback, and
:func:`cut` / :func:`cut_values` shorten a value a message echoes."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from mnist_core.errors import sentence
from mnist_core.i18n import Text

from .lang import lang

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """Text from a file or a person, made safe for elements that render markdown
    (st.error, st.caption...): every markdown character is escaped, so a model name or
    a metadata value shows as written and never as a link, an image or HTML."""
    return _MARKDOWN.sub(r"\\\1", str(text))


@contextmanager
def errors_shown() -> Iterator[None]:
    """Any failure inside becomes an st.error sentence instead of a traceback."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 -- the user sees a sentence, not a traceback
        st.error(plain(sentence(err, lang())))


#: Most characters of a value (a link's: it may carry 10,000) a message echoes.
ECHO = 40


def cut(text: str, most: int = ECHO) -> str:
    """``text`` as a message may echo it: at most ``most`` characters, the rest an ellipsis."""
    return text if len(text) <= most else text[:most - 1] + "…"


def cut_values(why: str) -> str:
    """A sentence about a value (``"Learning rate: 'xxxx…' is not a valid value."``) with
    every value it quotes cut (:func:`cut`), kept translatable."""
    if isinstance(why, Text):
        return Text(why.message, **{k: cut_values(v) if isinstance(v, Text) else cut(v) if isinstance(v, str) else v
                                    for k, v in why.params.items()})
    return cut(why, 4 * ECHO)
