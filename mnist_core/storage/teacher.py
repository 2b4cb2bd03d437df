"""The teacher: who may moderate the gallery, choose the class default and reset the class.

A :class:`Teacher` is only made by :func:`as_teacher` (a key checked, in constant time,
against ``MNIST_STUDIO_TEACHER_KEY`` or the key the app read from Streamlit's secrets) or
:func:`teacher_by_email` (a signed-in user whose e-mail is in
``MNIST_STUDIO_TEACHER_EMAILS``).  The functions that only a teacher may call take one
as their ``by`` argument, so no page can reach them by mistake without the check.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from ..errors import MnistError
from ..settings import MIN_TEACHER_KEY, teacher_emails, teacher_key

_TOKEN = object()


class TeacherError(MnistError):
    """No teacher key is set, or the one given is not it."""


@dataclass(frozen=True)
class Teacher:
    """Proof that the teacher's key (or e-mail) was checked; ``via``: "key" or the e-mail."""

    via: str
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TeacherError("Only the teacher's key makes a teacher.")


def configured_key(secret: str | None = None) -> str:
    """The teacher key in force: ``secret`` (the app's ``[teacher] key``) if given, else
    ``MNIST_STUDIO_TEACHER_KEY``; "" when neither is set; a key too short is refused."""
    key = (secret or "").strip() or teacher_key()
    if key and len(key) < MIN_TEACHER_KEY:
        raise TeacherError("The teacher key is too short to keep a class out: use at least {most} characters.",
                           most=MIN_TEACHER_KEY)
    return key


def teacher_configured(secret: str | None = None) -> bool:
    """Whether a teacher key is set (the Class page otherwise says how to set one)."""
    try:
        return bool(configured_key(secret))
    except TeacherError:
        return False


def keys_match(given: str, expected: str) -> bool:
    """Constant-time comparison of two keys (any text: compared as UTF-8 bytes)."""
    if not isinstance(given, str) or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def as_teacher(given: str, secret: str | None = None) -> Teacher:
    """The teacher, if ``given`` is the teacher key; else a sentence (no key set: how to set one)."""
    expected = configured_key(secret)
    if not expected:
        raise TeacherError("No teacher key is set: set MNIST_STUDIO_TEACHER_KEY, or [teacher] key in the app's "
                           "secrets, and restart the app.")
    if not keys_match(given, expected):
        raise TeacherError("That is not the teacher key.")
    return Teacher("key", _TOKEN)


def teacher_by_email(email: str | None) -> Teacher | None:
    """The teacher, if ``email`` (a signed-in user's) is one of ``MNIST_STUDIO_TEACHER_EMAILS``."""
    if not isinstance(email, str) or not email.strip():
        return None
    wanted = email.strip().lower().encode()
    found = False
    for address in teacher_emails():  # every address compared, whichever matches
        found |= hmac.compare_digest(address.encode(), wanted)
    return Teacher(email.strip().lower(), _TOKEN) if found else None
