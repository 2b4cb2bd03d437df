"""Workspaces that are private: a display name for people, and a key that opens it.

A workspace is ``MNIST_STUDIO_HOME/workspaces/KEY/``: its ``models/``, its
``handwriting/`` and ``workspace.json`` (``{"name": ..., "created": ...}``, written
atomically).  The KEY is 25 characters of ``a-z0-9`` drawn from :mod:`secrets` (129
random bits): it names the folder, travels in the workspace's link and opens it.  The
display name is any text a person typed (``ñandú-42`` stays ``ñandú-42``), shown in the
sidebar, on gallery labels and to the teacher -- and it never opens anything: two
workspaces may even share one.  Keys use the characters of the older workspace names, so
everything that takes a workspace string (the job manager, :func:`.store.workspace_store`)
takes a key unchanged.

A workspace exists on disk only once it holds something (:mod:`.firstwrite`): a new
session has a key and a display name, and nothing is written until its first save.

Before keys, a workspace's folder was named by its name, which was also its key (a
pupil who typed another's name opened it).  Such a *legacy* folder has no
``workspace.json``.  It opens once more, from the link its owner bookmarked
(:func:`open_workspace` with ``legacy=True``): it is then *migrated* -- renamed to a fresh
key, its files kept, its old name kept as its display name -- and from then on only the
new key opens it.  :func:`migrate_legacy` migrates every one at once (the teacher's
list then gives each link).  A signed-in user's workspace
(:func:`.accounts.user_workspace`) has a key made from their identity with a server
secret, and takes over their older ``u-...`` folder the same way.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import MnistError
from ..files import atomic_write_bytes
from ..settings import MAX_WORKSPACE_NAME, WORKSPACE_KEY_BITS, studio_home

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Characters of a key: enough base-36 digits for :data:`WORKSPACE_KEY_BITS` random bits.
KEY_LENGTH = next(n for n in range(1, 99) if 36 ** n >= 2 ** WORKSPACE_KEY_BITS)
_KEY = re.compile(rf"[0-9a-z]{{{KEY_LENGTH}}}")
_LEGACY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_RECORD = "workspace.json"
#: Invisible characters that belong in names: joiners (emoji sequences, Persian, Indic scripts).
_JOINERS = {"\u200c", "\u200d"}
#: The studio's own name (its models are "by studio"): nobody else may take it.
STUDIO = "studio"


class WorkspaceError(MnistError):
    """A workspace that cannot be opened, or a display name that cannot be used."""


@dataclass(frozen=True)
class Workspace:
    """One workspace: ``key`` opens it (never show it but in its owner's link), ``name``
    is what people read; ``legacy``: an old folder named by its name, not yet migrated
    (its key is that name)."""

    key: str
    name: str
    created: str = ""
    legacy: bool = False

    @property
    def root(self) -> Path:
        return workspaces_root() / self.key

    @property
    def models_root(self) -> Path:
        return self.root / "models"

    @property
    def handwriting_root(self) -> Path:
        return self.root / "handwriting"


def workspaces_root() -> Path:
    return studio_home() / "workspaces"


def new_key() -> str:
    """A fresh key: :data:`KEY_LENGTH` characters, each drawn uniformly from ``0-9a-z``
    (25 of them: 129 random bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))


def is_key(text: object) -> bool:
    """Whether ``text`` has a key's form (it may still open nothing)."""
    return isinstance(text, str) and bool(_KEY.fullmatch(text))


def check_display_name(text: object) -> str:
    """Any text a person typed, kept as text: Unicode normalised (NFC), runs of spaces
    made one, trimmed; refused, with a sentence, when empty, longer than
    :data:`MAX_WORKSPACE_NAME` characters, holding control characters, or the studio's name."""
    if not isinstance(text, str):
        raise WorkspaceError("A workspace name is text (got {kind}).", kind=type(text).__name__)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise WorkspaceError("A workspace name cannot be empty: type a name people will recognise.")
    if len(name) > MAX_WORKSPACE_NAME:
        raise WorkspaceError("A workspace name has at most {most} characters (this one has {count}): shorten it.",
                             most=MAX_WORKSPACE_NAME, count=len(name))
    if any(unicodedata.category(c) in ("Cc", "Cs") or (unicodedata.category(c) == "Cf" and c not in _JOINERS)
           for c in name):  # invisible ones (a right-to-left override) would make one name look like another
        raise WorkspaceError("A workspace name cannot hold control or invisible characters: type it again.")
    if name.casefold() == STUDIO:
        raise WorkspaceError("{name!r} is the studio's own name: choose another.", name=name)
    return name


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _write_record(root: Path, name: str, created: str, **extra: str) -> None:
    record = {"name": name, "created": created, **extra}
    atomic_write_bytes(root / _RECORD, json.dumps(record, ensure_ascii=False).encode())


def _read(folder: Path) -> Workspace | None:
    """The workspace in ``folder`` (a legacy one if it has no record); None if it is not one
    (a folder whose name is neither a key nor an old name: one being made, a dot first)."""
    if not _LEGACY.fullmatch(folder.name):
        return None
    record = folder / _RECORD
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if folder.is_dir() and _LEGACY.fullmatch(folder.name):
            return Workspace(folder.name, folder.name, legacy=True)
        return None
    except (OSError, ValueError):  # damaged: still the owner's, under a name that shows nothing secret
        return Workspace(folder.name, "?", legacy=False) if is_key(folder.name) else None
    name = data.get("name") if isinstance(data, dict) else None
    created = data.get("created") if isinstance(data, dict) else None
    return Workspace(folder.name, name if isinstance(name, str) and name else "?",
                     created if isinstance(created, str) else "")


def create_workspace(display_name: str) -> Workspace:
    """A new, empty workspace named ``display_name`` (checked), under a fresh key."""
    name = check_display_name(display_name)
    while True:
        key = new_key()
        root = workspaces_root() / key
        try:
            root.mkdir(parents=True)
        except FileExistsError:  # 2**-129: never, but never wrong either
            continue
        created = _now()
        _write_record(root, name, created)
        return Workspace(key, name, created)


def key_in(text: object) -> str:
    """The key in what a person pasted: a key, or a link holding ``workspace=KEY``."""
    text = text.strip() if isinstance(text, str) else ""
    if "workspace=" in text:
        from urllib.parse import parse_qs, urlsplit

        found = parse_qs(urlsplit(text).query or text.split("?", 1)[-1]).get("workspace", [""])
        return found[0].strip()
    return text


def open_workspace(key: str, legacy: bool = False) -> Workspace:
    """The workspace ``key`` opens (a link's ``?workspace=`` value, a key or a whole link pasted).  A
    display name opens nothing.  ``legacy``: also an old folder named by its name --
    migrated on the spot (see the module docstring; the result's key is the new one).
    Anything else is refused with one sentence, which does not repeat what was typed
    (a mistyped key on a projector is still most of a key)."""
    text = key_in(key)
    if is_key(text):
        found = _read(workspaces_root() / text)
        if found is not None and not found.legacy:
            return found
    if legacy and _LEGACY.fullmatch(text) and text != STUDIO and not text.startswith("u-"):
        folder = workspaces_root() / text
        if folder.is_dir() and not (folder / _RECORD).exists():
            return migrate(text)
    shown = text if len(text) <= 30 else text[:27] + "..."
    if any(w.name.casefold() == text.casefold() for w in list_workspaces() if not w.legacy):
        raise WorkspaceError("{text!r} is a workspace's name, and a name opens nothing: open a workspace with "
                             "its link (or its key), which its owner can ask for.", text=shown)
    raise WorkspaceError("No workspace opens with what was given: use a workspace's link (or its key).")


def migrate(legacy_name: str, display_name: str | None = None) -> Workspace:
    """Give the legacy folder ``legacy_name`` a fresh key: the folder is renamed (its files
    kept, atomically: no copy), its old name kept as its display name and as ``legacy``
    in its record (so its gallery models stay its own)."""
    source = workspaces_root() / legacy_name
    name = display_name or legacy_name
    while True:
        key = new_key()
        target = workspaces_root() / key
        if target.exists():
            continue
        try:
            os.rename(source, target)
        except FileNotFoundError:
            raise WorkspaceError("The workspace {name!r} was just moved to a new link: ask the teacher for it.",
                                 name=legacy_name) from None
        created = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(target.stat().st_mtime))
        _write_record(target, name, created, legacy=legacy_name)
        return Workspace(key, name, created)


def migrate_legacy() -> list[Workspace]:
    """Migrate every legacy folder at once (see the module docstring); the migrated workspaces."""
    return [migrate(w.key) for w in list_workspaces() if w.legacy and w.key != STUDIO and not w.key.startswith("u-")]


def legacy_name(key: str) -> str | None:
    """The old name a migrated workspace had (its gallery models carry it), else None."""
    try:
        data = json.loads((workspaces_root() / key / _RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("legacy") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def lookup(key: str) -> Workspace:
    """The workspace ``key`` names, without migrating anything: a legacy one as it is.
    For code that already holds a key (the session's); never for text a person typed."""
    found = _read(workspaces_root() / key) if isinstance(key, str) and _LEGACY.fullmatch(key) else None
    if found is None:
        if isinstance(key, str) and _LEGACY.fullmatch(key) and not is_key(key):
            return Workspace(key, key, legacy=True)  # not made yet (nothing saved): an old-style name
        raise WorkspaceError("No workspace opens with this key.")
    return found


def rename(key: str, display_name: str) -> Workspace:
    """Give the workspace ``key`` opens a new display name (its key, link and files stay)."""
    workspace = open_workspace(key)
    name = check_display_name(display_name)
    extra = {"legacy": old} if (old := legacy_name(workspace.key)) else {}
    _write_record(workspace.root, name, workspace.created or _now(), **extra)
    return Workspace(workspace.key, name, workspace.created)


def list_workspaces() -> list[Workspace]:
    """Every workspace (for the teacher), by display name; legacy folders included."""
    root = workspaces_root()
    found = [w for folder in (root.iterdir() if root.is_dir() else []) if (w := _read(folder)) is not None]
    return sorted(found, key=lambda w: (w.name.casefold(), w.created, w.key))


_ADJECTIVES = ("amber", "bold", "bright", "calm", "clever", "eager", "gentle", "happy", "keen", "lively",
               "lucky", "merry", "quick", "quiet", "sunny", "swift", "tidy", "witty", "brave", "kind")
_ANIMALS = ("otter", "heron", "panda", "fox", "lynx", "owl", "koala", "tiger", "whale", "zebra", "crane",
            "gecko", "lemur", "moose", "puffin", "robin", "seal", "wolf", "yak", "hare")


def random_display_name() -> str:
    """A readable name for a workspace nobody named yet: ``bright otter 42``."""
    return f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_ANIMALS)} {secrets.randbelow(90) + 10}"
