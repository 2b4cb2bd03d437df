"""One training loop for every model: shuffles, batches, reports, stops, checks.

``train`` walks the training set in mini-batches, calls ``model.train_batch``, and
tells the caller what happens through callbacks -- ``on_batch_end(samples_seen,
logs)`` a few dozen times per epoch and ``on_epoch_end(epoch, logs)`` after each
epoch with the test accuracy -- the way Keras does, so the CLI draws a progress bar
and the app a live chart from the same loop.  It returns the :class:`History`.

It is reproducible from ``seed``; it can be stopped between two batches by
``should_stop()`` returning True (the model keeps what it learned so far, and the
history says ``stopped``).  A run that diverges stops by itself with a sentence in
``history.diverged``: a NaN or infinite loss, or a whole epoch at chance accuracy
(within 3 points) whose loss did not fall -- the sigmoid network at lr 10 saturates
and never produces a NaN, but learns nothing.  Training time counts training only:
the evaluation after each epoch is timed apart.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

import numpy as np

from ..config import TrainConfig
from ..data.augment import augment_batch
from ..data.datasets import Dataset
from ..i18n import N_, Text
from ..models.base import Model
from .runtime import training_runtime


class Callback(Protocol):
    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None: ...


@dataclass
class History:
    """What happened: one dict per epoch, the batch reports, the totals."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    batches: list[dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0
    samples_seen: int = 0
    stopped: bool = False
    #: Why the run diverged (it then stopped by itself), or None.
    diverged: str | None = None
    #: (n_test, 10) float32: the last epoch's answers on the test set (kept in the model file).
    test_proba: np.ndarray | None = None

    @property
    def test_accuracy(self) -> float | None:
        return self.epochs[-1]["test_accuracy"] if self.epochs else None


@dataclass
class Tally:
    """Loss and right answers summed over some samples (an epoch, or a report window)."""

    loss: float = 0.0
    right: int = 0
    samples: int = 0

    def add(self, loss: float, right: int, samples: int) -> None:
        self.loss += loss
        self.right += right
        self.samples += samples

    @property
    def mean_loss(self) -> float:
        return self.loss / max(self.samples, 1)

    @property
    def accuracy(self) -> float:
        return self.right / max(self.samples, 1)


#: How close to chance (1 / number of classes) a whole epoch's accuracy must stay to count as learning nothing.
CHANCE_MARGIN = 0.03


def learned_nothing(model: Model, epoch_tally: Tally, reports: list[dict[str, float]]) -> bool:
    """A whole epoch at chance accuracy whose loss did not fall: the last third of its
    reports lost as much as the middle third (the first third holds the start's drop)."""
    chance = 1.0 / model.config.n_outputs
    if abs(epoch_tally.accuracy - chance) > CHANCE_MARGIN or len(reports) < 3:
        return False
    third = len(reports) // 3
    middle = sum(r["loss"] for r in reports[third:2 * third]) / third
    last = sum(r["loss"] for r in reports[-third:]) / third
    return last >= middle * 0.999


def test_proba(model: Model, dataset: Dataset, chunk: int = 2000) -> np.ndarray:
    """(n_test, 10) float32: the model's probabilities on the test set, converting to floats
    chunk by chunk (as :func:`mnist_core.analysis.evaluate` does, so the answers are its answers)."""
    parts = [model.predict_proba(dataset.floats(dataset.x_test[s:s + chunk]))
             for s in range(0, len(dataset.x_test), chunk)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 10), np.float32)


def accuracy_of(proba: np.ndarray, dataset: Dataset) -> float:
    """Share of the test set whose most probable label is right."""
    return float(np.mean(proba.argmax(axis=1) == dataset.y_test)) if len(proba) else 0.0


def test_accuracy(model: Model, dataset: Dataset, chunk: int = 2000) -> float:
    """Share of the test set classified right."""
    return accuracy_of(test_proba(model, dataset, chunk), dataset)


def augmented(dataset: Dataset, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Float rows (n, h*w) -> randomly deformed rows (see :mod:`mnist_core.data.augment`)."""
    return augment_batch(x.reshape(-1, *dataset.image_shape), rng).reshape(len(x), -1)


def batches(dataset: Dataset, order: np.ndarray, batch_size: int, augment: bool,
            rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Mini-batches (x float32 (B, h*w), y (B,)) of the training images in ``order``.

    Images are converted (and augmented) a few thousand at a time: per-batch
    conversion costs as much as the arithmetic for small batches."""
    chunk = batch_size * max(1, 4096 // batch_size)
    for c in range(0, len(order), chunk):
        idx = order[c:c + chunk]
        x, y = dataset.floats(dataset.x_train[idx]), dataset.y_train[idx]
        if augment:
            x = augmented(dataset, x, rng)
        for b in range(0, len(idx), batch_size):
            yield x[b:b + batch_size], y[b:b + batch_size]


def train(
    model: Model,
    dataset: Dataset,
    config: TrainConfig = TrainConfig(),
    callbacks: list[Callback] | tuple[Callback, ...] = (),
    should_stop: Callable[[], bool] | None = None,
    reports_per_epoch: int = 50,
) -> History:
    """Train ``model`` on ``dataset.x_train`` and return the History."""
    if not model.iterative:
        return _train_all_at_once(model, dataset, config, callbacks)
    history = History()
    rng = np.random.default_rng(config.seed)
    n = len(dataset.x_train)
    report_every = max(config.batch_size, n // reports_per_epoch)
    with training_runtime(model):  # one BLAS thread, the model's batch threads, big arrays reused
        for epoch in range(1, config.epochs + 1):
            model.on_epoch_start(epoch, config.epochs)
            order = rng.permutation(n) if config.shuffle else np.arange(n)
            epoch_tally, window = Tally(), Tally()  # the window: since the last report
            first_report = len(history.batches)
            started = time.perf_counter()
            for x, y in batches(dataset, order, config.batch_size, config.augment, rng):
                loss, right = model.train_batch(x, y)
                if not math.isfinite(loss):
                    history.diverged = Text(N_("Training diverged in epoch {epoch} (the loss became {loss}): "
                                               "lower the learning rate and try again."), epoch=epoch, loss=loss)
                    history.stopped = True
                    break
                epoch_tally.add(loss, right, len(y))
                window.add(loss, right, len(y))
                history.samples_seen += len(y)
                if window.samples >= report_every or epoch_tally.samples == n:
                    logs = {"epoch": epoch, "samples_seen": history.samples_seen, "loss": window.mean_loss,
                            "accuracy": window.accuracy,
                            "seconds": history.train_seconds + time.perf_counter() - started,
                            "total_samples": n * config.epochs}
                    history.batches.append(logs)
                    for cb in callbacks:
                        cb.on_batch_end(history.samples_seen, logs)
                    window = Tally()
                if should_stop is not None and should_stop():
                    history.stopped = True
                    break
            history.train_seconds += time.perf_counter() - started
            if history.diverged is None and learned_nothing(model, epoch_tally, history.batches[first_report:]):
                history.diverged = Text(N_("Training diverged: epoch {epoch} stayed at chance accuracy "
                                           "({accuracy:.1%}) and its loss did not fall; "
                                           "lower the learning rate and try again."),
                                        epoch=epoch, accuracy=epoch_tally.accuracy)
                history.stopped = True
            history.test_proba = test_proba(model, dataset)  # evaluated once: the accuracy, and the file keeps it
            logs = {"epoch": epoch, "loss": epoch_tally.mean_loss, "train_accuracy": epoch_tally.accuracy,
                    "test_accuracy": accuracy_of(history.test_proba, dataset), "seconds": history.train_seconds,
                    "samples_seen": history.samples_seen, "complete": epoch_tally.samples == n}
            history.epochs.append(logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if history.stopped:
                break
    return history


def _train_all_at_once(model: Model, dataset: Dataset, config: TrainConfig, callbacks) -> History:
    """Models whose solver fits everything in one call (scikit-learn's)."""
    started = time.perf_counter()
    x = dataset.floats(dataset.x_train)
    if config.augment:
        x = augmented(dataset, x, np.random.default_rng(config.seed))
    model.fit_all(x, dataset.y_train)
    history = History(train_seconds=time.perf_counter() - started, samples_seen=len(x),
                      test_proba=test_proba(model, dataset))
    logs = {"epoch": 1, "loss": float("nan"), "train_accuracy": float(np.mean(model.predict(x) == dataset.y_train)),
            "test_accuracy": accuracy_of(history.test_proba, dataset), "seconds": history.train_seconds,
            "samples_seen": len(x), "complete": True}
    history.epochs.append(logs)
    for cb in callbacks:
        cb.on_batch_end(len(x), {**logs, "accuracy": logs["train_accuracy"], "total_samples": len(x)})
        cb.on_epoch_end(1, logs)
    return history
