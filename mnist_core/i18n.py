"""Japanese and English: one gettext catalogue per language, and numbers per language.

The catalogues are ``mnist_core/locales/<lang>/LC_MESSAGES/studio.po``, read with
Babel (``read_po``) and compiled in memory on first use, so there is no binary ``.mo``
to keep in step.  English is the source language: a message is its own English text.

Every message is a whole sentence with *named* placeholders -- ``"{name} is not an
image that can be read."`` -- never a sentence glued from fragments, so a translation
can put the parts in its own order (Japanese puts the verb last).  :func:`N_` marks a
message where it is written (module constants, error raises) so ``tools/messages.py``
finds it; :func:`translate` renders it in a language where it is shown.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

LANGUAGES = {"en": "English", "ja": "日本語"}
SOURCE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "studio"


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (it is shown later)."""
    return message


class Text(str):
    """A sentence the engine builds for a person: a ``str`` holding its English, that keeps
    its message and values apart so it can be shown in any language --
    ``Text(N_("Cropped to the ink ({height}x{width})"), height=20, width=14)`` equals
    ``"Cropped to the ink (20x14)"``, and ``translate(text, "ja")`` gives it in Japanese."""

    message: str
    params: dict[str, object]

    def __new__(cls, message: str, /, **params: object) -> "Text":
        self = super().__new__(cls, message.format(**params) if params else message)
        self.message, self.params = str(message), params
        return self

    def __reduce__(self):  # pickles (to and from a worker) with its message and values
        return _text, (self.message, self.params)

    def translated(self, lang: str) -> str:
        return translate(self.message, lang, **self.params)


def _text(message: str, params: dict[str, object]) -> Text:
    return Text(message, **params)


def language_of(tag: str | None) -> str:
    """A browser's or a user's language tag (``ja-JP``, ``en_US``, ``ja``) -> a supported language."""
    code = (tag or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else SOURCE


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> gettext.NullTranslations:
    """The language's translations (English: the messages themselves)."""
    if lang == SOURCE or not po_path(lang).exists():
        return gettext.NullTranslations()
    # here: Babel loads only when a language other than English is first shown (the CLI never)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translate(message: str, lang: str = SOURCE, /, **params: object) -> str:
    """``message`` in ``lang``, its ``{name}`` placeholders filled from ``params``; a
    :class:`Text` (as ``message`` or as a value) is given in ``lang`` too."""
    if isinstance(message, Text) and not params:
        return message.translated(lang)
    params = {k: v.translated(lang) if isinstance(v, Text) else v for k, v in params.items()}
    text = catalogue(language_of(lang)).gettext(message) if message else message
    return text.format(**params) if params else text


def translate_plural(singular: str, plural: str, count: int, lang: str = SOURCE, /, **params: object) -> str:
    """The form of a message that fits ``count`` (gettext's ``ngettext``: English has
    two, Japanese one), its placeholders filled from ``params``."""
    text = catalogue(language_of(lang)).ngettext(singular, plural, count)
    return text.format(**params) if params else text


def number(value: float, lang: str = SOURCE, digits: int = 0) -> str:
    """A number with the language's grouping and decimal signs (Babel)."""
    from babel.numbers import format_decimal  # here: Babel's locale data loads only when a number is shown

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def percent(value: float, lang: str = SOURCE, digits: int = 1) -> str:
    """A share (0.975) as a percentage in the language's style (97.5%)."""
    from babel.numbers import format_percent  # here, as in number()

    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=_locale(lang))


def _locale(lang: str) -> str:
    return {"en": "en_US", "ja": "ja_JP"}[language_of(lang)]
