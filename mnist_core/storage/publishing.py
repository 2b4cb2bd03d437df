"""The class gallery: publishing, unpublishing, the class default, and labels nobody confuses.

Publishing puts a read-only copy of a workspace's model in the gallery
(``MNIST_STUDIO_HOME/models``).  The copy's metadata says who published it for people --
``published_by``, the workspace's *display name* -- and, for the studio, ``publisher``: a
hash of the workspace's key, from which the key cannot be recovered, that lets the
publisher (and the teacher) unpublish it.  The copy's file name starts with the display
name made ASCII (``nandu-42.classic-mnist-3``), never with the key.

The gallery never changes anybody's model by itself: publishing touches no session, and
a new session's model (:func:`default_model`) is the studio's own (published by
``studio`` when the app trains it) unless the teacher made another the *class default*
(``MNIST_STUDIO_HOME/class.json``, written atomically).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import unicodedata

import numpy as np

from ..errors import MnistError
from ..files import atomic_write_bytes
from ..i18n import N_, Text
from ..settings import studio_home
from .modelfile import load_model, load_predictions, load_snapshots
from .store import ModelRecord, gallery
from .teacher import Teacher
from .workspaces import STUDIO, Workspace, legacy_name, lookup


class GalleryError(MnistError):
    """A model that cannot be published, unpublished or made the class default."""


def publisher_id(key: str) -> str:
    """What a published model keeps of its workspace's key: 128 bits of its SHA-256, so it
    proves who published it and cannot open the workspace."""
    return hashlib.sha256(f"mnist-studio publisher:{key}".encode()).hexdigest()[:32]


def file_prefix(display_name: str) -> str:
    """The display name as a file name's first part: letters without accents, digits and
    '-' (``ñandú-42`` -> ``nandu-42``); ``class`` when nothing of it is left (``さくら``)."""
    folded = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40].strip("-") or "class"


def _workspace(who: Workspace | str) -> Workspace:
    return who if isinstance(who, Workspace) else lookup(who)


def is_studio(record: ModelRecord) -> bool:
    """Whether the studio itself published it (the default model it trains)."""
    return record.shared and record.meta.get("published_by") == STUDIO and "publisher" not in record.meta


def publish(record: ModelRecord, workspace: Workspace | str) -> ModelRecord:
    """Put a copy of ``workspace``'s model in the gallery, labelled with the workspace's
    display name; nobody's active model changes.  ``workspace``: the :class:`Workspace`,
    or the key the session holds (never text a person typed)."""
    if record.shared:
        raise GalleryError("{name} is in the gallery already.", name=record.label)
    owner = _workspace(workspace)
    model, meta = load_model(record.path)
    meta = {**meta, "published_by": owner.name, "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if not owner.legacy:
        meta["publisher"] = publisher_id(owner.key)
    store, base = gallery(), f"{file_prefix(owner.name)}.{record.name}"[:60]
    taken = set(store.names())
    name = next(n for n in (base if i == 1 else f"{base}-{i}" for i in range(1, 10**6)) if n not in taken)
    kept = load_predictions(record.path)  # the gallery's copy keeps its evaluation too
    return store.save(model, meta, name, snapshots=load_snapshots(record.path), predictions=None if kept is None else
                      {"test_proba": kept[1].astype(np.float16), "test_predicted": kept[0].astype(np.uint8)})


def is_publisher(record: ModelRecord, workspace: Workspace | str) -> bool:
    """Whether ``workspace`` (a Workspace or the session's key) published ``record``."""
    if not record.shared or is_studio(record):
        return False
    try:
        owner = _workspace(workspace)
    except MnistError:
        return False
    mark = record.meta.get("publisher")
    if isinstance(mark, str):
        return hmac.compare_digest(mark.encode(), publisher_id(owner.key).encode())
    by = record.meta.get("published_by")  # published before keys: by the workspace's old name
    old_self = owner.key if owner.legacy and owner.root.is_dir() else None  # a folder not migrated yet
    return isinstance(by, str) and by in {old_self, legacy_name(owner.key)}


def unpublish(record: ModelRecord, by: Workspace | str | Teacher) -> None:
    """Take ``record`` out of the gallery: by the workspace that published it, or the
    teacher; anyone else is refused with a sentence.  A class default it was stops being one."""
    if not record.shared:
        raise GalleryError("{name} is not in the gallery.", name=record.label)
    if not isinstance(by, Teacher) and not is_publisher(record, by):
        raise GalleryError("Only the workspace that published {name} or the teacher can unpublish it.",
                           name=record.label)
    if not record.path.exists():
        raise GalleryError("{name} is no longer in the gallery.", name=record.label)
    record.path.unlink(missing_ok=True)
    defaults = _read_class()
    kept = {d: n for d, n in defaults.items() if n != record.name}
    if kept != defaults:
        _write_class(kept)


# -- the class default ----------------------------------------------------------------


def _class_path():
    return studio_home() / "class.json"


def _read_class() -> dict[str, str]:
    """{dataset: gallery file name} the teacher chose ({} if none, or the file is damaged)."""
    try:
        data = json.loads(_class_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = data.get("default") if isinstance(data, dict) else None
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(found, dict) else {}


def _write_class(defaults: dict[str, str]) -> None:
    atomic_write_bytes(_class_path(), json.dumps({"default": defaults}, ensure_ascii=False).encode())


def _usable(record: ModelRecord, dataset: str) -> bool:
    return record.error is None and record.meta.get("dataset") == dataset and \
        record.meta.get("status", "done") == "done"


def make_class_default(record: ModelRecord, by: Teacher) -> None:
    """The teacher makes a gallery model every new session's model for its dataset."""
    if not isinstance(by, Teacher):
        raise GalleryError("Only the teacher can choose the class default.")
    dataset = record.meta.get("dataset")
    if not record.shared or record.error is not None or not isinstance(dataset, str) or not record.path.exists():
        raise GalleryError("Only a readable model of the gallery can be the class default.")
    if not _usable(record, dataset):
        raise GalleryError("{name} did not finish training: it cannot be the class default.", name=record.label)
    _write_class({**_read_class(), dataset: record.name})


def clear_class_default(dataset: str, by: Teacher) -> None:
    """Back to the studio's own model as the default for ``dataset``."""
    if not isinstance(by, Teacher):
        raise GalleryError("Only the teacher can choose the class default.")
    _write_class({d: n for d, n in _read_class().items() if d != dataset})


def class_default(dataset: str, records: list[ModelRecord] | None = None) -> ModelRecord | None:
    """The gallery model the teacher made the default for ``dataset``; None if none (or it is gone).
    ``records``: the gallery's, if already read."""
    name = _read_class().get(dataset)
    if name is None:
        return None
    found = records if records is not None else gallery().list(dataset)
    return next((r for r in found if r.shared and r.name == name and _usable(r, dataset)), None)


def studio_model(dataset: str, records: list[ModelRecord] | None = None) -> ModelRecord | None:
    """The studio's own newest finished model of ``dataset``, label "... (by studio)"; None: train it."""
    found = records if records is not None else gallery().list(dataset)
    return next((r for r in found if is_studio(r) and _usable(r, dataset)), None)


def default_model(dataset: str, records: list[ModelRecord] | None = None) -> ModelRecord | None:
    """A new session's model for ``dataset``: the class default, else the studio's own;
    None when neither exists yet (the app then trains the studio's: ``JobManager.default_job``).
    Never the newest published model, never one of a workspace's own."""
    found = records if records is not None else gallery().list(dataset)
    return class_default(dataset, found) or studio_model(dataset, found)


# -- labels ---------------------------------------------------------------------------


def labels(records: list[ModelRecord]) -> list[str]:
    """One label per record, no two the same, for the lists a person sees together (their
    own models, the gallery's, the studio's): each record's :attr:`~.ModelRecord.label`;
    where two are the same, a gallery model's also says when it was published; then a number."""
    out: list[str] = [r.label for r in records]
    for i, r in enumerate(records):
        when = str(r.meta.get("published_at", ""))[5:16].replace("T", " ")
        if out.count(r.label) > 1 and r.shared and when and "published_by" in r.meta:
            out[i] = Text(N_("{title} (by {publisher}, {when})"), title=r.title, publisher=r.meta["published_by"],
                          when=when)
    final: list[str] = []
    for label in out:
        number, shown = 1, label
        while shown in final:  # the second of a kind is "(2)": the first keeps its label
            number += 1
            shown = Text(N_("{label} ({number})"), label=label, number=number)
        final.append(shown)
    return final


def label_of(records: list[ModelRecord]) -> dict[str, str]:
    """:func:`labels` by :attr:`~.ModelRecord.key` (for a selectbox's ``format_func``)."""
    return {r.key: label for r, label in zip(records, labels(records))}

