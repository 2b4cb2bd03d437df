"""Model files: one ``.npz`` holding the weights and a JSON metadata record
(nanoGPT's checkpoint idea: the hyperparameters travel with the weights).

The metadata is stored inside the archive as UTF-8 bytes under ``__meta__.json``, so
a model is a single file to copy, upload or delete.  :func:`model_metadata` is the
one place the record is made; it holds no name (the file's name is the model's, so
renaming is renaming the file) and one timestamp, ``created``.  Loading never
unpickles (``allow_pickle=False``); writing goes to a temporary file in the same
folder that is then renamed or linked into place, so a crash never leaves half a model.
"""
from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__
from ..errors import InvalidParameter, ModelFileError
from ..models import MODELS, Model, build_model

if TYPE_CHECKING:
    from ..config import TrainConfig
    from ..data.datasets import Dataset
    from ..training.loop import History

FORMAT = "mnist-studio-model"
FORMAT_VERSION = 1
_META_KEY = "__meta__.json"


def atomic_write_bytes(path: str | Path, payload: bytes, exclusive: bool = False) -> Path:
    """Write ``payload`` to ``path`` via a temp file in the same folder, then move it
    into place: ``os.replace`` (over any old file), or with ``exclusive`` a hard link
    that fails with FileExistsError if ``path`` exists, so no file is ever overwritten."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
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


def link_exclusive(src: str | Path, dst: str | Path) -> None:
    """Make ``dst`` name the file ``src`` names; FileExistsError if ``dst`` exists.
    A hard link is atomic and exclusive; on a file system without hard links, check
    and replace (exclusive unless two writers race for the same name)."""
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


def model_metadata(model: Model, dataset: Dataset | None = None, training: TrainConfig | None = None,
                   history: History | None = None) -> dict[str, Any]:
    """The record saved beside the weights: what the model is, and -- once trained --
    on what, how, how well and how long (with the learning curve)."""
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.kind,
        "hyperparameters": model.hyperparameters(),
        "n_parameters": model.n_parameters(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "package_version": __version__,
        "notes": list(model.notes),
    }
    if dataset is not None:
        meta.update(dataset=dataset.name, image_shape=list(dataset.image_shape), pixel_max=dataset.pixel_max,
                    n_train=int(len(dataset.x_train)), n_test=int(len(dataset.x_test)))
    if training is not None:
        meta["training"] = dataclasses.asdict(training)
    if history is not None:
        meta.update(test_accuracy=history.test_accuracy, train_seconds=round(history.train_seconds, 3),
                    stopped=history.stopped, status=run_status(history), diverged=history.diverged,
                    history=history.epochs, curve=history.batches)
    return meta


def run_status(history: History) -> str:
    """How a training run ended: "done", "stopped" (by a person or a limit) or "diverged"."""
    return "diverged" if history.diverged else "stopped" if history.stopped else "done"


def model_to_bytes(model: Model, metadata: dict[str, Any]) -> bytes:
    arrays = {name: np.asarray(a) for name, a in model.get_params().items()}
    meta = json.dumps(metadata, default=_json_default).encode("utf-8")
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays, **{_META_KEY: np.frombuffer(meta, np.uint8)})
    return buf.getvalue()


def save_model(model: Model, path: str | Path, metadata: dict[str, Any] | None = None,
               exclusive: bool = False) -> Path:
    """Save atomically (see :func:`atomic_write_bytes`); returns the path.
    ``metadata`` defaults to :func:`model_metadata`."""
    return atomic_write_bytes(Path(path), model_to_bytes(model, metadata or model_metadata(model)), exclusive)


def load_model(path: str | Path) -> tuple[Model, dict[str, Any]]:
    """Load (model, metadata); any problem is a :class:`ModelFileError` sentence."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file.")
    with path.open("rb") as fh:
        return _load(io.BytesIO(fh.read()), path.name)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Only the metadata of a saved model, without reading its weights (for listings)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _META_KEY not in archive.files:
                raise ModelFileError(f"{path.name}: an .npz archive, but not one saved by MNIST studio (no metadata).")
            raw = archive[_META_KEY]
        return _check_meta(raw, path.name)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ModelFileError(f"{path.name}: not a saved model (not a readable .npz archive).") from err


def _check_meta(raw: np.ndarray, name: str) -> dict[str, Any]:
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{name}: the metadata is corrupted ({err}).") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{name}: not a model saved by MNIST studio.")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(f"{name}: saved by a newer version of MNIST studio (format {meta.get('format_version')}).")
    kind = meta.get("model")
    if kind not in MODELS:
        raise ModelFileError(f"{name}: model kind {kind!r} is not known to this version (known: {', '.join(MODELS)}).")
    return meta


def _load(source: io.BytesIO, name: str) -> tuple[Model, dict[str, Any]]:
    if source.getvalue()[:4] != b"PK\x03\x04":
        raise ModelFileError(f"{name}: not a saved model (not an .npz archive).")
    try:
        with np.load(source, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ModelFileError(f"{name}: not a saved model (not a readable .npz archive: {err}).") from err
    if _META_KEY not in arrays:
        raise ModelFileError(f"{name}: an .npz archive, but not one saved by MNIST studio (no metadata).")
    meta = _check_meta(arrays.pop(_META_KEY), name)
    kind = meta["model"]
    try:
        model = build_model(kind, **meta.get("hyperparameters", {}))
        model.set_params(arrays)
    except (InvalidParameter, KeyError, ValueError, TypeError) as err:
        raise ModelFileError(f"{name}: the weights do not fit a {kind} model ({err}).") from err
    return model, meta


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
