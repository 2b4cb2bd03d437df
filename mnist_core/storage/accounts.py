"""Signed-in users' workspaces: with OIDC sign-in, the user is the key.

A user's key is a keyed hash (HMAC-SHA256) of their identity (``sub``, else the e-mail)
with a server secret kept in ``MNIST_STUDIO_HOME/.secret``, written in a key's form, so
it is stable across sessions and servers sharing the home, and nobody can compute it
from an e-mail address.  Their workspace of before keys (``u-`` and 16 hex digits of
sha256) is taken over, files and all.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from ..files import link_exclusive
from ..settings import studio_home
from .workspaces import _ALPHABET, KEY_LENGTH, Workspace, _now, _read, _write_record, check_display_name, \
    workspaces_root


def _server_secret() -> bytes:
    """32 random bytes kept in ``MNIST_STUDIO_HOME/.secret`` (made on first use, owner-only):
    a user's key cannot be computed from their e-mail without it."""
    path = studio_home() / ".secret"
    try:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = studio_home() / f".secret.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(32))
        fh.flush()
        os.fsync(fh.fileno())
    try:
        link_exclusive(fresh, path)  # two processes at once: the first one's secret wins
    except FileExistsError:
        pass
    finally:
        fresh.unlink(missing_ok=True)
    return path.read_bytes()


def user_key(subject: str) -> str:
    """The stable key of a signed-in user (``sub``, else the e-mail): a keyed hash, in a key's form."""
    digest = hmac.new(_server_secret(), f"user:{subject}".encode(), hashlib.sha256).digest()
    number, digits = int.from_bytes(digest, "big"), []
    for _ in range(KEY_LENGTH):
        number, digit = divmod(number, 36)
        digits.append(_ALPHABET[digit])
    return "".join(digits)


def user_workspace(subject: str, display_name: str) -> Workspace:
    """The signed-in user's workspace, made (named ``display_name``) on first sign-in;
    their workspace of before keys (``u-`` and 16 hex digits of sha256) is taken over."""
    key = user_key(subject)
    root = workspaces_root() / key
    found = _read(root)
    if found is not None and not found.legacy:
        return found
    name = check_display_name(display_name)
    old = workspaces_root() / ("u-" + hashlib.sha256(subject.encode()).hexdigest()[:16])
    if old.is_dir() and not root.exists():
        try:
            os.rename(old, root)
        except OSError:  # another session of this user moved it meanwhile
            pass
    root.mkdir(parents=True, exist_ok=True)
    created = _now()
    _write_record(root, name, created)
    return Workspace(key, name, created)
