"""One training loop for every model: shuffles, batches, reports, stops, checks.

``train`` walks the training set in mini-batches, calls ``model.train_batch``, and
tells the caller what happens through callbacks -- ``on_batch_end(samples_seen,
logs)`` a few hundred times per run and ``on_epoch_end(epoch, logs)`` after each
epoch with the test accuracy -- the way Keras does, so the CLI draws a progress bar
and the app a live chart from the same loop.  It returns the :class:`History`.

It is reproducible from ``seed``; it can be stopped between two batches by
``should_stop()`` returning True (the model keeps what it learned so far, and the
history says ``stopped``); a NaN or infinite loss raises :class:`TrainingDiverged`.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from .datasets import Dataset
from .errors import TrainingDiverged
from .models.base import Model, check_range


@dataclass(frozen=True)
class TrainConfig:
    """How to train (as opposed to the model's own hyperparameters)."""

    epochs: int = 5
    batch_size: int = 16
    seed: int = 0
    shuffle: bool = True
    augment: bool = False

    def __post_init__(self) -> None:
        check_range("epochs", self.epochs, 1, 1000, "Epochs")
        check_range("batch_size", self.batch_size, 1, 65536, "Batch size")


class Callback(Protocol):
    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None: ...


@dataclass
class History:
    """What happened: one dict per epoch, a sample of batch logs, the totals."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    batches: list[dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0
    samples_seen: int = 0
    stopped: bool = False

    @property
    def test_accuracy(self) -> float | None:
        return self.epochs[-1]["test_accuracy"] if self.epochs else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def test_accuracy(model: Model, dataset: Dataset, chunk: int = 2000) -> float:
    """Share of the test set classified right, converting to floats chunk by chunk."""
    right = 0
    for s in range(0, len(dataset.x_test), chunk):
        pred = model.predict(dataset.floats(dataset.x_test[s:s + chunk]))
        right += int(np.count_nonzero(pred == dataset.y_test[s:s + chunk]))
    return right / len(dataset.x_test)


def _augmenter(dataset: Dataset) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    from .augment import augment_batch

    h, w = dataset.image_shape
    return lambda x, rng: augment_batch(x.reshape(-1, h, w), rng).reshape(len(x), -1)


def train(
    model: Model,
    dataset: Dataset,
    config: TrainConfig = TrainConfig(),
    callbacks: list[Callback] | tuple[Callback, ...] = (),
    should_stop: Callable[[], bool] | None = None,
    reports_per_epoch: int = 50,
) -> History:
    """Train ``model`` on ``dataset.x_train`` and return the History."""
    history = History()
    rng = np.random.default_rng(config.seed)
    n = len(dataset.x_train)
    if not model.iterative:
        return _train_all_at_once(model, dataset, config, callbacks, history)
    augment = _augmenter(dataset) if config.augment else None
    bs = config.batch_size
    report_every = max(bs, n // reports_per_epoch)
    chunk = bs * max(1, 4096 // bs)
    start = time.perf_counter()
    # Small GEMMs run fastest on one thread, and numpy's and scipy's OpenBLAS
    # copies spin against each other on two cores; models may ask for more.
    with threadpool_limits(limits=getattr(model, "blas_threads", 1), user_api="blas"):
        for epoch in range(1, config.epochs + 1):
            if hasattr(model, "on_epoch_start"):  # models with a learning-rate schedule
                model.on_epoch_start(epoch, config.epochs)
            order = rng.permutation(n) if config.shuffle else np.arange(n)
            loss_sum, right, seen, next_report = 0.0, 0, 0, report_every
            window = [0.0, 0, 0]  # loss, right, samples since the last report: a curve that does not reset
            for c in range(0, n, chunk):
                # Convert (and augment) a few thousand images at once: per-batch
                # conversion costs as much as the arithmetic for small batches.
                idx = order[c:c + chunk]
                xc, yc = dataset.floats(dataset.x_train[idx]), dataset.y_train[idx]
                if augment is not None:
                    xc = augment(xc, rng)
                for b in range(0, len(idx), bs):
                    loss, ok = model.train_batch(xc[b:b + bs], yc[b:b + bs])
                    if not math.isfinite(loss):
                        raise TrainingDiverged(
                            f"Training diverged in epoch {epoch} (the loss became {loss}): "
                            "lower the learning rate and try again."
                        )
                    loss_sum += loss
                    right += ok
                    taken = min(bs, len(idx) - b)
                    window[0] += loss
                    window[1] += ok
                    window[2] += taken
                    seen += taken
                    history.samples_seen += taken
                    if seen >= next_report or seen == n:
                        next_report += report_every
                        logs = {"epoch": epoch, "samples_seen": history.samples_seen,
                                "loss": window[0] / window[2], "accuracy": window[1] / window[2],
                                "seconds": time.perf_counter() - start,
                                "total_samples": n * config.epochs}
                        window = [0.0, 0, 0]
                        history.batches.append(logs)
                        for cb in callbacks:
                            cb.on_batch_end(history.samples_seen, logs)
                    if should_stop is not None and should_stop():
                        history.stopped = True
                        break
                if history.stopped:
                    break
            train_seconds = time.perf_counter() - start
            logs = {"epoch": epoch, "loss": loss_sum / max(seen, 1), "train_accuracy": right / max(seen, 1),
                    "test_accuracy": test_accuracy(model, dataset), "seconds": train_seconds,
                    "samples_seen": history.samples_seen, "complete": not history.stopped}
            start += time.perf_counter() - start - train_seconds  # evaluation is not training time
            history.epochs.append(logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if history.stopped:
                break
    history.train_seconds = history.epochs[-1]["seconds"] if history.epochs else 0.0
    return history


def _train_all_at_once(model: Model, dataset: Dataset, config: TrainConfig,
                       callbacks, history: History) -> History:
    """Models whose solver fits everything in one call (scikit-learn's)."""
    start = time.perf_counter()
    x = dataset.floats(dataset.x_train)
    if config.augment:
        x = _augmenter(dataset)(x, np.random.default_rng(config.seed))
    model.fit_all(x, dataset.y_train, report=lambda message: None)
    seconds = time.perf_counter() - start
    history.samples_seen = len(x)
    logs = {"epoch": 1, "loss": float("nan"), "train_accuracy": float(np.mean(model.predict(x) == dataset.y_train)),
            "test_accuracy": test_accuracy(model, dataset), "seconds": seconds,
            "samples_seen": len(x), "complete": True}
    history.epochs.append(logs)
    for cb in callbacks:
        cb.on_batch_end(len(x), {**logs, "accuracy": logs["train_accuracy"], "total_samples": len(x)})
        cb.on_epoch_end(1, logs)
    history.train_seconds = seconds
    return history
