"""A workspace on disk only once it holds something.

A new session gets a key (:func:`.workspaces.new_key`) and a display name derived from
it (:func:`default_name`), and nothing is written: a class of visitors, or a bot
rendering a page, leaves no folder and no line in the teacher's list.  The first write --
a run queued, a model saved, a drawing kept, a rename -- makes it (:func:`ensure`, which
the workspace's model store, its handwriting store and its run records call), under that
name, so the key the URL and the cookie held from the start opens it from then on.

A key whose workspace a reset removed is remembered as removed (a hash of it, in
``MNIST_STUDIO_HOME/workspaces-removed.txt``): nothing makes that workspace again,
neither a session still open during the reset nor a run the reset stopped that saves late.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil

from ..files import atomic_write_bytes
from ..settings import studio_home
from .workspaces import (_ADJECTIVES, _ANIMALS, _RECORD, Workspace, WorkspaceError, _now, _read, check_display_name,
                         is_key, workspaces_root)

_REMOVED = "workspaces-removed.txt"


def default_name(key: str) -> str:
    """The display name a workspace has until its owner renames it: ``bright otter 42``,
    the same every time for one key (a reload before anything was saved keeps it), from a
    hash of the key (a name tells nothing usable about its key)."""
    number = int.from_bytes(hashlib.sha256(f"mnist-studio name:{key}".encode()).digest()[:8], "big")
    number, adjective = divmod(number, len(_ADJECTIVES))
    number, animal = divmod(number, len(_ANIMALS))
    return f"{_ADJECTIVES[adjective]} {_ANIMALS[animal]} {number % 90 + 10}"


def exists(key: str) -> bool:
    """Whether the workspace ``key`` is on disk (with its record): it holds something."""
    return is_key(key) and (workspaces_root() / key / _RECORD).is_file()


def _removed_mark(key: str) -> str:
    return hashlib.sha256(f"mnist-studio removed:{key}".encode()).hexdigest()[:32]


def was_removed(key: str) -> bool:
    """Whether a reset removed the workspace ``key`` (then it never comes back)."""
    try:
        text = (studio_home() / _REMOVED).read_text(encoding="ascii")
    except (OSError, ValueError):
        return False
    return _removed_mark(key) in text.split()


def mark_removed(keys: list[str]) -> None:
    """Remember ``keys`` as removed (the reset writes them before it removes the folders)."""
    if keys:
        studio_home().mkdir(parents=True, exist_ok=True)
        with open(studio_home() / _REMOVED, "a", encoding="ascii") as fh:
            fh.write("".join(f"{_removed_mark(k)}\n" for k in keys))
            fh.flush()
            os.fsync(fh.fileno())


def ensure(key: str, display_name: str | None = None) -> Workspace:
    """The workspace ``key``, made on disk now if it is not yet (named ``display_name``,
    else :func:`default_name`): called by whatever writes into it first.  Refused with a
    sentence when a reset removed it.  Another name than a key's form (a workspace of
    before keys) is left as it is: its folder is made by the write."""
    if not is_key(key):
        return Workspace(key, key, legacy=True)
    root = workspaces_root() / key
    found = _read(root) if (root / _RECORD).is_file() else None
    if found is not None:
        return found
    if was_removed(key):
        raise WorkspaceError("This workspace was removed (the class was reset): nothing more can be kept in it.")
    name = check_display_name(display_name) if display_name is not None else default_name(key)
    created = _now()
    payload = json.dumps({"name": name, "created": created}, ensure_ascii=False).encode()
    staging = workspaces_root() / f".new-{key}-{secrets.token_hex(4)}"  # a dot: no list reads it
    staging.mkdir(parents=True)
    atomic_write_bytes(staging / _RECORD, payload)
    try:
        os.rename(staging, root)  # the folder appears with its record: never seen half made
        return Workspace(key, name, created)
    except OSError:  # made meanwhile by another first write (or a folder of a write without a record)
        shutil.rmtree(staging, ignore_errors=True)
    try:
        atomic_write_bytes(root / _RECORD, payload, exclusive=True)
    except FileExistsError:
        return _read(root) or Workspace(key, name, created)
    return Workspace(key, name, created)
