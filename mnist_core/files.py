"""Writing files so that a crash, a ``kill -9`` or a second writer never leaves a
half-written or overwritten file: the model store and the downloader both use this.

Every write goes to a temporary ``.NAME.HOST-PID.RANDOM.part`` file in the target's folder,
is flushed to disk, then renamed (or hard-linked, to refuse an existing name) into
place.  A writer killed on the way leaves its ``.part`` file behind; the next process
to use the folder removes those whose writer is gone (:func:`remove_stale_parts`).
"""
from __future__ import annotations

import errno
import io
import os
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

#: A temporary file whose writer cannot be identified is stale after this many seconds.
STALE_SECONDS = 3600


def _host() -> str:
    return "".join(c for c in socket.gethostname() if c.isalnum())[:30] or "host"


def temp_for(path: Path) -> tuple[int, str]:
    """An open temporary file beside ``path``, named after it, this machine and this process."""
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_host()}-{os.getpid()}.", suffix=".part")


def atomic_write_bytes(path: str | Path, payload: bytes, exclusive: bool = False) -> Path:
    """Write ``payload`` to ``path`` through a temporary file in the same folder, then
    move it into place: ``os.replace`` (over any old file), or with ``exclusive`` a hard
    link that fails with FileExistsError if ``path`` exists, so no file is overwritten."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_for(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            link_exclusive(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def keep_arrays(path: str | Path, arrays: dict[str, np.ndarray]) -> bool:
    """Keep ``arrays`` as an ``.npz`` file at ``path``, written as :func:`atomic_write_bytes`
    does (a reader never sees half a file), for a cache: one that cannot be written is no
    error -- the caller still has the arrays -- so an OSError returns False."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError:
        return False
    return True


def link_exclusive(src: str | Path, dst: str | Path) -> None:
    """Make ``dst`` name the file ``src`` names; FileExistsError if ``dst`` exists.
    A hard link is atomic and exclusive; on a file system without hard links, check
    and move (exclusive unless two writers race for the same name)."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if Path(dst).exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(dst)) from None
        os.replace(src, dst)  # src is gone afterwards: both callers expect that (a temp file, a rename)


def _writer_gone(part: Path) -> bool:
    """The writer died: a process of this machine that is gone, or (a writer elsewhere
    sharing the folder, or one of an older version) a file untouched for an hour."""
    try:
        host, pid_text = part.name.removesuffix(".part").rsplit(".", 2)[-2].rsplit("-", 1)
        pid = int(pid_text) if host == _host() else None
    except (ValueError, IndexError):
        pid = None
    if pid is None or pid <= 0:
        try:
            return time.time() - part.stat().st_mtime > STALE_SECONDS
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, somebody else's
        return False
    return False


def remove_stale_parts(folder: str | Path) -> list[str]:
    """Remove the temporary files of writers that died; returns their names."""
    removed = []
    try:
        parts = list(Path(folder).glob(".*.part"))
    except OSError:
        return removed
    for part in parts:
        if _writer_gone(part):
            part.unlink(missing_ok=True)
            removed.append(part.name)
    return removed
