"""Train, evaluate and describe a model in one call: what the CLI's ``train`` and the
app's Train page both do, so they cannot drift apart."""
from __future__ import annotations

import resource
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

from . import __version__
from .datasets import Dataset
from .models import Model, build_model
from .persistence import model_metadata
from .training import Callback, History, TrainConfig, train


@dataclass
class TrainResult:
    model: Model
    history: History
    meta: dict[str, Any]

    @property
    def test_accuracy(self) -> float:
        return float(self.meta["test_accuracy"])


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def train_model(
    kind: str,
    dataset: Dataset,
    hyperparameters: dict[str, Any] | None = None,
    config: TrainConfig = TrainConfig(),
    callbacks: list[Callback] | tuple[Callback, ...] = (),
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Build a ``kind`` model sized for ``dataset``, train it, and return it with the
    metadata that is saved beside its weights (accuracy, time, history, settings)."""
    hyper = dict(hyperparameters or {})
    hyper.setdefault("n_inputs", dataset.n_inputs)
    model = build_model(kind, seed=config.seed, **_fit_to_dataset(kind, hyper, dataset))
    history = train(model, dataset, config, callbacks, should_stop)
    meta = model_metadata(
        model,
        dataset=dataset.name,
        image_shape=list(dataset.image_shape),
        pixel_max=dataset.pixel_max,
        n_train=int(len(dataset.x_train)),
        n_test=int(len(dataset.x_test)),
        training=asdict(config),
        test_accuracy=history.test_accuracy,
        train_seconds=round(history.train_seconds, 3),
        stopped=history.stopped,
        history=history.epochs,
        curve=history.batches,
        trained_at=time.strftime("%Y-%m-%d %H:%M"),
        package_version=__version__,
    )
    return TrainResult(model, history, meta)


def _fit_to_dataset(kind: str, hyper: dict[str, Any], dataset: Dataset) -> dict[str, Any]:
    """Fill in the hyperparameters that follow from the data (input size, image shape...)."""
    import dataclasses

    from .models import model_class

    names = {f.name for f in dataclasses.fields(model_class(kind).Config)}
    # pixel_scale: models that want raw units (logistic regression on the 8x8 digits,
    # as the second tutorial fed it 0..16) multiply their [0, 1] input back by it.
    raw_units = float(dataset.pixel_max) if dataset.pixel_max < 255 else 1.0
    derived = {"image_shape": list(dataset.image_shape), "pixel_scale": raw_units}
    for key, value in derived.items():
        if key in names:
            hyper.setdefault(key, value)
    return hyper
