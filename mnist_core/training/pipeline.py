"""Train, evaluate and describe a model in one call: what the CLI's ``train`` and the
app's jobs (on a Dask worker) both do, so they cannot drift apart.  Every run also
records how its first layer changed (:mod:`mnist_core.explain.snapshots`), saved
with the model."""
from __future__ import annotations

import dataclasses
import resource
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..config import TrainConfig, derived_names
from ..data.datasets import Dataset
from ..errors import InvalidParameter
from ..explain.snapshots import SnapshotRecorder, probe_rows
from ..storage.snapshots import Snapshots
from ..models import Model, build_model, model_class, recommended_training
from ..models.part_helpers import peak_helper_mib
from ..settings import MAX_REPEAT, check_repeat  # MAX_REPEAT: still imported from here by studio_ui
from ..storage import model_metadata
from .loop import Callback, History, train


@dataclass
class TrainResult:
    model: Model
    history: History
    meta: dict[str, Any]
    #: The first layer while it trained (None for models fitted in one call).
    snapshots: Snapshots | None = None

    @property
    def test_accuracy(self) -> float:
        return float(self.meta["test_accuracy"])


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB, plus the most its batch helpers
    held of their own (forked processes: their private pages, as a run ended; the pages
    they share with this process are counted once, here): two peaks added, an upper bound."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024) + peak_helper_mib()


def dataset_hyperparameters(kind: str, dataset: Dataset) -> dict[str, Any]:
    """The derived hyperparameters of ``kind`` that follow from ``dataset``: the input
    size, and for models that want raw units (logistic regression on the 8x8 digits,
    fed 0..16 by the second tutorial) the factor back to them."""
    facts = {"n_inputs": dataset.n_inputs,
             "pixel_scale": float(dataset.pixel_max) if dataset.pixel_max < 255 else 1.0}
    return {name: facts[name] for name in derived_names(model_class(kind).Config) if name in facts}


def check_handwriting(dataset: Dataset, images: np.ndarray, labels: np.ndarray, repeat: int) -> None:
    """Refuse, with a sentence, handwriting that :func:`add_handwriting` could not add."""
    images, labels = np.asarray(images), np.asarray(labels)
    if (images.dtype != np.uint8 or images.shape[1:] != dataset.image_shape or labels.shape != images.shape[:1]
            or not len(images) or labels.min() < 0 or labels.max() > 9 or images.max() > dataset.pixel_max):
        raise InvalidParameter("The handwriting to add must be {height}x{width} images of 0-{top}, each with a "
                               "label 0-9.", height=dataset.image_shape[0], width=dataset.image_shape[1],
                               top=dataset.pixel_max)
    check_repeat(repeat)


def add_handwriting(dataset: Dataset, images: np.ndarray, labels: np.ndarray, repeat: int = 1) -> Dataset:
    """``dataset`` with ``images`` (uint8, its image shape and pixel range) and their
    ``labels`` appended ``repeat`` times to the training set (the loop shuffles them in);
    the test set is unchanged."""
    check_handwriting(dataset, images, labels, repeat)
    return dataclasses.replace(dataset, x_train=np.concatenate([dataset.x_train, *[images] * repeat]),
                               y_train=np.concatenate([dataset.y_train, *[labels] * repeat]))


def train_model(
    kind: str,
    dataset: Dataset,
    hyperparameters: dict[str, Any] | None = None,
    config: TrainConfig | None = None,
    callbacks: list[Callback] | tuple[Callback, ...] = (),
    should_stop: Callable[[], bool] | None = None,
    on_snapshot: Callable[..., Any] | None = None,
) -> TrainResult:
    """Build a ``kind`` model sized for ``dataset``, train it (by default with the
    kind's recommended training for this dataset's size), and return it with the
    metadata and the first layer's snapshots that are saved beside its weights.
    ``on_snapshot(snapshot)`` hears each new snapshot, a one-frame :class:`Snapshots` (with
    its predictions for the fixed test images, :func:`probe_rows`)."""
    config = config or recommended_training(kind, len(dataset.x_train))
    hyper = {**dataset_hyperparameters(kind, dataset), **(hyperparameters or {})}
    model = build_model(kind, seed=config.seed, **hyper)
    rows = probe_rows(dataset.y_test)
    probe = (rows, dataset.y_test[rows], dataset.floats(dataset.x_test[rows]).reshape(len(rows), *model.image_shape)) \
        if len(rows) else None
    recorder = SnapshotRecorder(model, len(dataset.x_train), on_snapshot, probe)
    history = train(model, dataset, config, [recorder, *callbacks], should_stop)
    return TrainResult(model, history, model_metadata(model, dataset, config, history), recorder.finish())
