"""Train, evaluate and describe a model in one call: what the CLI's ``train`` and the
app's Train page both do, so they cannot drift apart."""
from __future__ import annotations

import dataclasses
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


#: Small datasets get more epochs: at least this many samples seen in all (32 epochs
#: of the 1,437 digits), or a few hundred mini-batches are too few to learn from.
MIN_SAMPLES_SEEN = 45_000


def default_training(kind: str = "classic", dataset_name: str = "mnist", n_train: int | None = None) -> dict[str, Any]:
    """The recommended TrainConfig fields for ``kind`` (``models.DEFAULT_TRAINING``):
    epochs and batch size; on a small training set, enough epochs to see
    :data:`MIN_SAMPLES_SEEN` samples (iterative models only)."""
    from .models import DEFAULT_TRAINING, model_class

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    out = {"epochs": 5, "batch_size": 16}
    out.update({k: v for k, v in DEFAULT_TRAINING.get(kind, {}).items() if k in names})
    if n_train is None and dataset_name == "digits":
        n_train = 1437
    if n_train and model_class(kind).iterative:
        out["epochs"] = max(int(out["epochs"]), -(-MIN_SAMPLES_SEEN // n_train))
    return out


def default_hyperparameters(kind: str) -> dict[str, Any]:
    """Hyperparameters ``models.DEFAULT_TRAINING`` sets beyond the Config's defaults."""
    from .models import DEFAULT_TRAINING

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    return {k: v for k, v in DEFAULT_TRAINING.get(kind, {}).items() if k not in names}


def default_config(kind: str = "classic", dataset_name: str = "mnist", **overrides: Any) -> TrainConfig:
    return TrainConfig(**{**default_training(kind, dataset_name), **overrides})


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
        notes=list(getattr(model, "notes", [])),
        history=history.epochs,
        curve=history.batches,
        trained_at=time.strftime("%Y-%m-%d %H:%M"),
        package_version=__version__,
    )
    return TrainResult(model, history, meta)


def _fit_to_dataset(kind: str, hyper: dict[str, Any], dataset: Dataset) -> dict[str, Any]:
    """Fill in the hyperparameters that follow from the data (input size, image shape...)."""
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
