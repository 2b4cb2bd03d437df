"""Writing model files: the metadata record saved beside the weights, and the ``.npz``
bytes (see :mod:`.modelfile` for the format and for reading).  Nothing is written that
could not be read back: the record is checked as loading checks it, and weights that are
not finite numbers (a run that blew up to NaN or infinity) are refused with a sentence --
such a model answers nothing, and broke every page that showed it."""
from __future__ import annotations

import dataclasses
import io
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import __version__
from ..errors import ModelFileError
from ..files import atomic_write_bytes
from ..i18n import N_, Text
from ..models import MODELS, Model
from .schema import check_metadata

if TYPE_CHECKING:
    from ..config import TrainConfig
    from ..data.datasets import Dataset
    from .snapshots import Snapshots
    from ..training.loop import History

#: Most bytes of metadata a model file may hold (a long learning curve is ~100 KiB).
MAX_META_BYTES = 256 * 1024

FORMAT = "mnist-studio-model"
FORMAT_VERSION = 1
_META_KEY = "__meta__.json"


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
                    history=history.epochs, curve=thin(history.batches, CURVE_POINTS))
    return meta


#: Most points of a learning curve a model file keeps (a 1000-epoch run reports 50,000).
CURVE_POINTS = 1000


def thin(points: list[dict[str, Any]], most: int) -> list[dict[str, Any]]:
    """Every k-th point (and always the last) so that at most ``most`` remain."""
    if len(points) <= most:
        return list(points)
    step = -(-len(points) // most)
    kept = points[::step]
    return kept if kept[-1] is points[-1] else [*kept[:most - 1], points[-1]]


def run_status(history: History) -> str:
    """How a training run ended: "done", "stopped" (by a person or a limit) or "diverged"."""
    return "diverged" if history.diverged else "stopped" if history.stopped else "done"


def model_to_bytes(model: Model, metadata: dict[str, Any], snapshots: Snapshots | None = None,
                   predictions: dict[str, np.ndarray] | None = None) -> bytes:
    """The .npz file's bytes, with the first layer's ``snapshots`` and the test set's kept
    ``predictions`` (:func:`.predictions.kept_predictions`) if given.  The metadata
    is checked as loading checks it (the snapshots were checked when they were made), so
    a save that could not be read back fails now, with a sentence, instead of later."""
    arrays = {name: np.asarray(a) for name, a in model.get_params().items()}
    check_finite(arrays, Text(N_("The model to save")))
    if snapshots is not None:
        arrays.update(snapshots.arrays())
    if predictions is not None:
        arrays.update(predictions)
    meta = json.dumps(metadata, default=_json_default).encode("utf-8")
    if len(meta) > MAX_META_BYTES:
        raise ModelFileError("The model's record is {kib:,} KiB, more than the {most} KiB a model file may hold.",
                             kib=len(meta) // 1024, most=MAX_META_BYTES // 1024)
    check_metadata(json.loads(meta), Text(N_("The model to save")), list(MODELS), FORMAT, FORMAT_VERSION)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays, **{_META_KEY: np.frombuffer(meta, np.uint8)})
    return buf.getvalue()


def save_model(model: Model, path: str | Path, metadata: dict[str, Any] | None = None,
               exclusive: bool = False, snapshots: Snapshots | None = None,
               predictions: dict[str, np.ndarray] | None = None) -> Path:
    """Save atomically (see :func:`atomic_write_bytes`); returns the path.
    ``metadata`` defaults to :func:`model_metadata`."""
    payload = model_to_bytes(model, metadata or model_metadata(model), snapshots, predictions)
    return atomic_write_bytes(Path(path), payload, exclusive)




def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def check_finite(arrays: dict[str, np.ndarray], name: str) -> None:
    """Refuse weights holding NaN or infinity (``name``: the file, or "The model to save")."""
    for key, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ModelFileError("{name}: its weights are not all finite numbers ({array} holds NaN or infinity), "
                                 "so the model cannot be used: train it again with a smaller learning rate.",
                                 name=name, array=key)
