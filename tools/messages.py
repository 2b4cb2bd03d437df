"""The message catalogues: find every message in the code, merge translations in, check.

    python tools/messages.py check            # every message has a Japanese translation
    python tools/messages.py missing          # the messages without one, one JSON string a line
    python tools/messages.py add < pairs.json # merge {"English": "日本語", ...} into ja's studio.po
    python tools/messages.py unused           # the catalogue's messages the code no longer has
    python tools/messages.py prune            # remove those from ja's studio.po

A message is found where the code marks it: the first string argument of ``t(...)``,
``N_(...)`` and ``translate(...)``; every string argument of ``titles(...)`` (a chart's
titles); a string literal raised as an engine error (``raise ImageError("...",
name=...)``); the label and the help of a hyperparameter (``param(default, "label",
"help", ...)``).  A plural message -- ``tn(singular, plural, count)`` or
``translate_plural(...)`` -- is kept under its singular with its plural form
(``msgid_plural``); Japanese has one form, so its translation is one string.  ``add`` holds a lock on the catalogue
while it writes, so several people (or helpers) can add translations at once.
"""
from __future__ import annotations

import ast
import fcntl
import json
import re
import string
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_core.i18n import po_path  # noqa: E402

SOURCES = ["streamlit_app.py", "pages", "studio_ui", "mnist_core"]
MARKERS = {"t", "N_", "translate"}
PLURALS = {"tn", "translate_plural"}  # (singular, plural, count, ...)
EVERY_ARG = {"titles"}  # every literal argument and keyword value is a message
ERROR = re.compile(r"(Error|Parameter|Image|NotFound|Diverged|Cancelled)$")


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value else None


def messages() -> dict[str, str]:
    """Every marked message -> where it was first found (file:line); a plural one by its singular."""
    return {text: where for text, (where, _) in _found().items()}


def plurals() -> dict[str, str]:
    """The plural messages: singular -> plural."""
    return {text: plural for text, (_, plural) in _found().items() if plural}


def _found() -> dict[str, tuple[str, str | None]]:
    found: dict[str, tuple[str, str | None]] = {}
    files = [ROOT / s for s in SOURCES if (ROOT / s).is_file()]
    files += [p for s in SOURCES if (ROOT / s).is_dir() for p in sorted((ROOT / s).rglob("*.py"))]
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            texts: list[str | None] = []
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in PLURALS and len(node.args) >= 2 and _literal(node.args[0]) and _literal(node.args[1]):
                    found.setdefault(_literal(node.args[0]), (f"{path.relative_to(ROOT)}:{node.lineno}",
                                                              _literal(node.args[1])))
                elif name in MARKERS and node.args:
                    texts.append(_literal(node.args[0]))
                elif name in EVERY_ARG:
                    texts += [_literal(a) for a in node.args] + [_literal(k.value) for k in node.keywords]
                elif name == "param" and len(node.args) >= 3:
                    texts += [_literal(node.args[1]), _literal(node.args[2])]
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if ERROR.search(name):
                    texts.append(_literal(node.exc.args[0]))
            for text in texts:
                if text:
                    found.setdefault(text, (f"{path.relative_to(ROOT)}:{node.lineno}", None))
    return found


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def load(lang: str = "ja"):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain="studio", project="MNIST studio")
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang)


def _string(entry) -> str:
    """A translation's text (a plural message's first form: Japanese has only one)."""
    return entry.string[0] if isinstance(entry.string, (tuple, list)) else entry.string


def problems(lang: str = "ja") -> list[str]:
    catalog, out, plural = load(lang), [], plurals()
    for text, where in messages().items():
        entry = catalog.get(text)
        if entry is None or not _string(entry):
            out.append(f"{where}: no {lang} translation of {text!r}")
        elif text in plural and entry.id != (text, plural[text]):
            out.append(f"{where}: {text!r} is a plural message: the catalogue must hold it with its plural form")
        elif _fields(_string(entry)) != _fields(text):
            out.append(f"{where}: the {lang} translation of {text!r} has placeholders {sorted(_fields(_string(entry)))}")
    return out


def unused(catalog) -> list[str]:
    """The catalogue's messages (a plural one by its singular) that no code marks any more:
    texts since reworded or removed.  Every message is marked where the code uses it (see
    the module docstring), so one not found is read by nobody."""
    found = messages()
    ids = [entry.id[0] if isinstance(entry.id, (tuple, list)) else entry.id for entry in catalog if entry.id]
    return [text for text in ids if text not in found]


def prune(lang: str = "ja") -> list[str]:
    """Remove the :func:`unused` messages from the language's catalogue; returns them."""
    with _writing(lang) as catalog:
        gone = unused(catalog)
        for text in gone:
            catalog.delete(text)
    return gone


@contextmanager
def _writing(lang: str):
    """The language's catalogue, locked (several people may write it at once), written
    back (sorted, through a temporary file) when the block ends without an error."""
    from babel.messages.pofile import write_po

    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        catalog = load(lang)
        yield catalog
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            write_po(fh, catalog, width=0, sort_output=True, omit_header=False)
        tmp.replace(path)


def add(pairs: dict[str, str], lang: str = "ja") -> int:
    with _writing(lang) as catalog:
        plural = plurals()
        for source, translation in pairs.items():
            if _fields(source) != _fields(translation):
                raise SystemExit(f"placeholders differ: {source!r} -> {translation!r}")
            entry = catalog.get(source)
            if source in plural:  # one form per the language's plural rule (Japanese: one)
                if entry is not None:
                    catalog.delete(source)
                catalog.add((source, plural[source]), (translation,) * catalog.num_plurals)
            elif entry is not None:  # Catalog.add keeps an existing msgstr: a corrected translation must replace it
                entry.string = translation
            else:
                catalog.add(source, translation)
    return len(pairs)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "check":
        found = problems()
        print("\n".join(found) or f"every one of {len(messages())} messages is translated")
        return 1 if found else 0
    if command == "missing":
        catalog = load()
        for text in messages():
            if not (catalog.get(text) and _string(catalog.get(text))):
                print(json.dumps(text, ensure_ascii=False))
        return 0
    if command == "add":
        print(f"added {add(json.load(sys.stdin))}")
        return 0
    if command in ("unused", "prune"):
        texts = unused(load()) if command == "unused" else prune()
        for text in texts:
            print(json.dumps(text, ensure_ascii=False))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
