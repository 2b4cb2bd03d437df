"""Text from files and people, shown safely: :func:`plain` escapes markdown, and
:func:`errors_shown` turns any failure into one sentence instead of a traceback."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from mnist_core.errors import sentence

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
