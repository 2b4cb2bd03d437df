"""Model files: one ``.npz`` holding the weights and a JSON metadata record
(nanoGPT's checkpoint idea: the hyperparameters travel with the weights).

The metadata is stored inside the archive as UTF-8 bytes under ``__meta__.json``, so
a model is a single file to copy, upload or delete.  :func:`model_metadata` is the
one place the record is made; it holds no name (the file's name is the model's, so
renaming is renaming the file) and one timestamp, ``created``.  Loading never
unpickles (``allow_pickle=False``); writing goes to a temporary file in the same
folder that is then renamed or linked into place (:mod:`mnist_core.files`), so a crash
never leaves half a model.

Beside the weights a file may hold how the first layer changed while it trained
(:mod:`mnist_core.storage.snapshots`: arrays named ``snapshot_*``, uint8 frames of at
most 64 units, 64 times, 28 x 28 pixels).  They are checked like the weights, but read
only by :func:`load_snapshots`; a file without them (any file saved before them) loads.

Writing (the record, the bytes) is :mod:`.modelwrite`; weights that are not finite
numbers are refused both ways, with a sentence.
"""
from __future__ import annotations

import json
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..errors import InvalidParameter, MnistError, ModelFileError
from ..i18n import Text
from ..models import MODELS, Model, build_model
from .modelwrite import (CURVE_POINTS, FORMAT, FORMAT_VERSION, MAX_META_BYTES, _META_KEY, check_finite,  # noqa: F401
                         model_metadata, model_to_bytes, run_status, save_model, thin)
from . import predictions
from .schema import check_metadata
from .snapshots import ARRAYS, PROBE_ARRAYS, REQUIRED, Snapshots

if TYPE_CHECKING:
    from ..config import TrainConfig
    from ..data.datasets import Dataset
    from ..training.loop import History

#: Most bytes of weights a model file may hold: far above any model the studio trains.
MAX_WEIGHT_BYTES = 256 * 2**20
_NPY_HEADER = 4096  # room for an .npy header and zip bookkeeping per array


def load_model(path: str | Path) -> tuple[Model, dict[str, Any]]:
    """Load (model, metadata); any problem is a :class:`ModelFileError` sentence.

    Nothing is allocated before the file has shown it is what it claims: the zip
    directory's sizes, the metadata (at most :data:`MAX_META_BYTES`, checked against
    the schema) and every array's header are checked against the shapes the saved
    hyperparameters imply; so loading any file costs at most about twice its weights."""
    path = Path(path)
    with _checked_archive(path) as (archive, meta, expected):
        kind = meta["model"]
        try:
            arrays = {n: np.lib.format.read_array(archive.open(f"{n}.npy"), allow_pickle=False) for n in expected}
            check_finite(arrays, path.name)
            model = build_model(kind, **meta["hyperparameters"])
            model.set_params(arrays)
        except (InvalidParameter, KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise ModelFileError("{name}: the weights do not fit a {kind} model ({reason}).", name=path.name, kind=kind,
                                 reason=_why(err)) from err
    return model, meta


def _why(err: Exception) -> str:
    """An exception's text inside another sentence (an MnistError's in the sentence's language)."""
    return Text(err.message, **err.params) if isinstance(err, MnistError) and err.message else str(err)


def load_snapshots(path: str | Path) -> Snapshots | None:
    """How the saved model's first layer changed while it trained, or None when the
    file holds no snapshots (models fitted in one call, files saved before them).
    The whole file is checked as :func:`load_model` checks it; the weights are not read."""
    path = Path(path)
    with _checked_archive(path) as (archive, _, _):
        if f"{next(iter(ARRAYS))}.npy" not in archive.namelist():
            return None
        try:
            names = set(archive.namelist())
            return Snapshots.from_arrays({n: np.lib.format.read_array(archive.open(f"{n}.npy"), allow_pickle=False)
                                          for n in ARRAYS if f"{n}.npy" in names})
        except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise ModelFileError("{name}: its training snapshots are not valid ({reason}).", name=path.name,
                                 reason=_why(err)) from err


def load_predictions(path: str | Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The test set's answers the file keeps, ``(predicted int64 (n,), proba float32 (n, 10))``
    (see :mod:`.predictions`), or None when it keeps none (older files, uploads).  The whole
    file is checked as :func:`load_model` checks it; the weights are not read."""
    path = Path(path)
    with _checked_archive(path) as (archive, _, _):
        if "test_proba.npy" not in archive.namelist():
            return None
        try:
            proba, predicted = (np.lib.format.read_array(archive.open(f"{n}.npy"), allow_pickle=False)
                                for n in ("test_proba", "test_predicted"))
            if not np.isfinite(proba).all() or proba.min() < 0 or proba.max() > 1 or predicted.max() > 9:
                raise ValueError("values out of range")
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise ModelFileError("{name}: its kept test predictions are not valid ({reason}).", name=path.name,
                                 reason=_why(err)) from err
    return predicted.astype(np.int64), proba.astype(np.float32)


@contextmanager
def _checked_archive(path: Path) -> Iterator[tuple[zipfile.ZipFile, dict[str, Any], dict[str, tuple]]]:
    """The open archive, its checked metadata and the weights' expected shapes, once
    every array's header has been checked against them (nothing else is read yet)."""
    if not path.is_file():
        raise ModelFileError("{path}: no such model file.", path=str(path))
    with _archive(path) as archive:
        meta = _metadata(archive, path.name)
        kind = meta["model"]
        try:
            config = MODELS[kind].Config(**meta["hyperparameters"])
            expected = MODELS[kind].shapes(config)
        except (InvalidParameter, TypeError, ValueError) as err:
            raise ModelFileError("{name}: the saved hyperparameters do not make a {kind} model ({reason}).",
                                 name=path.name, kind=kind, reason=_why(err)) from err
        _check_arrays(archive, expected, path.name, kind, meta.get("n_test"))
        yield archive, meta, expected


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Only the metadata of a saved model, checked, without reading its weights (for listings)."""
    path = Path(path)
    with _archive(path) as archive:
        return _metadata(archive, path.name)


def _archive(path: Path) -> zipfile.ZipFile:
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise ModelFileError("{name}: not a saved model (not an .npz archive).", name=path.name)
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as err:
        raise ModelFileError("{name}: not a saved model (not a readable .npz archive).", name=path.name) from err


def _metadata(archive: zipfile.ZipFile, name: str) -> dict[str, Any]:
    """The metadata record, read with a size limit and checked against the schema."""
    try:
        info = archive.getinfo(_META_KEY + ".npy")
    except KeyError:
        raise ModelFileError("{name}: an .npz archive, but not one saved by MNIST studio (no metadata).",
                             name=name) from None
    if info.file_size > MAX_META_BYTES + _NPY_HEADER:
        raise ModelFileError("{name}: its metadata is {kib:,} KiB, more than the {most} KiB a model's record may hold.",
                             name=name, kib=info.file_size // 1024, most=MAX_META_BYTES // 1024)
    try:
        with archive.open(info) as fh:
            shape, dtype = _npy_header(fh)
            if len(shape) != 1 or dtype != np.uint8 or shape[0] > MAX_META_BYTES:
                raise ValueError("not a short row of bytes")
            meta = json.loads(fh.read(shape[0]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError, OSError, zipfile.BadZipFile,
            EOFError, MemoryError) as err:
        raise ModelFileError("{name}: the metadata is corrupted ({kind}).", name=name, kind=type(err).__name__) from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError("{name}: not a model saved by MNIST studio.", name=name)
    version = meta.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise ModelFileError("{name}: saved by a newer version of MNIST studio (format {version}).", name=name,
                             version=version)
    if meta.get("model") not in MODELS:
        raise ModelFileError("{name}: model kind {kind!r} is not known to this version (known: {known}).", name=name,
                             kind=str(meta.get("model"))[:40], known=", ".join(MODELS))
    return check_metadata(meta, name, list(MODELS), FORMAT, FORMAT_VERSION)


def _check_arrays(archive: zipfile.ZipFile, expected: dict[str, tuple], name: str, kind: str,
                  n_test: Any = None) -> None:
    """Every stored array is one the model has, of the shape its hyperparameters imply,
    or one of the optional training snapshots (all of them, each of its dtype, within
    its bounds, agreeing on the number of frames and units), or one of the optional kept
    test predictions (both, of their dtypes, for the file's ``n_test`` images); none is
    larger in the zip directory than its shape needs; the total is bounded."""
    wanted = {f"{key}.npy": shape for key, shape in expected.items()}
    optional = {f"{key}.npy": (np.dtype(dtype), shape) for key, (dtype, shape) in ARRAYS.items()}
    kept = {f"{key}.npy": (np.dtype(dtype), shape) for key, (dtype, shape) in predictions.ARRAYS.items()}
    total, found, kept_found = 0, {}, {}
    for info in archive.infolist():
        if info.filename == _META_KEY + ".npy":
            continue
        if info.filename not in wanted and info.filename not in optional and info.filename not in kept:
            raise ModelFileError("{name}: it holds an array {array!r} that a {kind} model does not have.", name=name,
                                 array=info.filename[:40], kind=kind)
        try:
            with archive.open(info) as fh:
                shape, dtype = _npy_header(fh)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise ModelFileError("{name}: the array {array!r} is corrupted.", name=name, array=info.filename) from err
        if dtype.hasobject or dtype.kind not in "fiu":
            raise ModelFileError("{name}: the array {array!r} holds {dtype}, not numbers.", name=name,
                                 array=info.filename, dtype=str(dtype))
        if info.filename in optional:
            (dtype_wanted, bounds), key = optional[info.filename], info.filename.removesuffix(".npy")
            if dtype != dtype_wanted or not _fits(shape, bounds):
                raise ModelFileError("{name}: its training snapshots are not valid ({array} is {dtype} {shape}, "
                                     "expected {wanted} within {ranges}).", name=name, array=key, dtype=str(dtype),
                                     shape=shape, wanted=str(dtype_wanted), ranges=_ranges(bounds))
            found[key] = shape
        elif info.filename in kept:
            (dtype_wanted, bounds), key = kept[info.filename], info.filename.removesuffix(".npy")
            if dtype != dtype_wanted or not _fits(shape, bounds):
                raise ModelFileError("{name}: its kept test predictions are not valid ({array} is {dtype} {shape}, "
                                     "expected {wanted}).", name=name, array=key, dtype=str(dtype), shape=shape,
                                     wanted=str(dtype_wanted))
            kept_found[key] = shape
        elif not _fits(shape, wanted[info.filename]):
            raise ModelFileError("{name}: the weights do not fit a {kind} model ({array} has shape {shape}, "
                                 "expected {wanted}).", name=name, kind=kind, array=info.filename, shape=shape,
                                 wanted=wanted[info.filename])
        elements = int(np.prod(shape, dtype=np.int64))
        if info.file_size > elements * dtype.itemsize + _NPY_HEADER:
            raise ModelFileError("{name}: the array {array!r} unpacks to more than its shape holds.", name=name,
                                 array=info.filename)
        total += elements * 8  # what it may take once loaded (float64 for scikit-learn's), whatever its dtype here
    if total > MAX_WEIGHT_BYTES:
        raise ModelFileError("{name}: its weights take {mib:,.0f} MiB, more than the {most} MiB a model may have here.",
                             name=name, mib=total / 2**20, most=MAX_WEIGHT_BYTES // 2**20)
    missing = set(wanted) - set(archive.namelist())
    if missing:
        raise ModelFileError("{name}: the weights do not fit a {kind} model ({array} is missing).", name=name,
                             kind=kind, array=sorted(missing)[0])
    if found:
        _check_snapshot_shapes(found, name)
    if kept_found and (problem := predictions.check(kept_found, n_test)):
        raise ModelFileError("{name}: its kept test predictions are not valid ({reason}).", name=name, reason=problem)


def _check_snapshot_shapes(found: dict[str, tuple[int, ...]], name: str) -> None:
    """The snapshot arrays are all there (the probes' all or none) and agree: T frames (T
    scales, times, epochs, predictions) of n units, k probe images."""
    absent = [key for key in REQUIRED if key not in found]
    probes = [key for key in PROBE_ARRAYS if key in found]
    if probes and len(probes) < len(PROBE_ARRAYS):
        absent += [key for key in PROBE_ARRAYS if key not in found]
    if absent:
        raise ModelFileError("{name}: its training snapshots are not valid ({array} is missing).", name=name,
                             array=absent[0])
    frames, n = found["snapshot_frames"][:2]
    if any(found[key][0] != frames for key in ("snapshot_scales", "snapshot_samples_seen", "snapshot_epoch")) \
            or found["snapshot_units"][0] != n or (probes and (
                found["snapshot_probe_proba"][0] != frames
                or not found["snapshot_probe_index"][0] == found["snapshot_probe_labels"][0]
                == found["snapshot_probe_proba"][1])):
        raise ModelFileError("{name}: its training snapshots are not valid (their arrays disagree on the "
                             "number of frames or units).", name=name)


def _ranges(bounds: tuple) -> str:
    """(1, 64), (1, 28) -> "(1..64, 1..28)" for a sentence."""
    return "(" + ", ".join(f"{lo}..{hi}" for lo, hi in bounds) + ")"


def _npy_header(fh: Any) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an .npy stream announces, reading nothing beyond its header."""
    version = np.lib.format.read_magic(fh)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read(fh)
    return tuple(shape), dtype


def _fits(shape: tuple[int, ...], expected: tuple) -> bool:
    """``expected`` holds ints, or (low, high) ranges for dimensions that may vary."""
    return len(shape) == len(expected) and all(
        low <= n <= high for n, (low, high) in zip(shape, (e if isinstance(e, tuple) else (e, e) for e in expected)))
