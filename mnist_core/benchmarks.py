"""How good and how fast each model kind is with its recommended settings, on real MNIST.

:func:`bench_model` trains a kind exactly as the CLI does by default
(:data:`mnist_core.models.DEFAULT_TRAINING`), seed 0, and reports the test accuracy,
the training time (the loop's own clock: evaluation excluded) and the process's peak
resident memory.  Run ``python -m mnist_core.benchmarks mlp cnn`` for JSON lines.

The peak RSS is the whole process's high-water mark (``getrusage``), dataset included;
bench one kind per process for a figure that belongs to that kind alone.
"""
from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

from .datasets import load_mnist
from .models import DEFAULT_TRAINING, Model, build_model, model_class
from .training import TrainConfig, train


class _EpochHook:
    """Calls ``model.on_epoch_start(epoch + 1, epochs)`` after each epoch, for models
    with a learning-rate schedule.  Setting the rate is idempotent, so this is harmless
    where the training loop calls the hook itself."""

    def __init__(self, model: Model, epochs: int) -> None:
        self.model, self.epochs = model, epochs

    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if epoch < self.epochs:
            self.model.on_epoch_start(epoch + 1, self.epochs)  # type: ignore[attr-defined]


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def bench_model(kind: str, data_dir: str | Path | None = None, seed: int = 0) -> dict[str, Any]:
    """Train ``kind`` with its default CLI settings on MNIST; return what happened:
    ``{model, test_accuracy, train_seconds, peak_rss_mib, epochs, batch_size,
    hyperparameters, notes}``."""
    model_class(kind)  # an unknown kind fails before MNIST is read
    dataset = load_mnist(data_dir)
    settings = DEFAULT_TRAINING[kind]
    model = build_model(kind, seed=seed, n_inputs=dataset.n_inputs, **settings.get("hyperparameters", {}))
    config = TrainConfig(epochs=settings["epochs"], batch_size=settings["batch_size"], seed=seed)
    callbacks = []
    if hasattr(model, "on_epoch_start"):
        model.on_epoch_start(1, config.epochs)
        callbacks.append(_EpochHook(model, config.epochs))
    history = train(model, dataset, config, callbacks=callbacks)
    return {
        "model": kind,
        "test_accuracy": history.test_accuracy,
        "train_seconds": round(history.train_seconds, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "hyperparameters": model.hyperparameters(),
        "notes": list(getattr(model, "notes", [])),
    }


if __name__ == "__main__":
    for name in sys.argv[1:] or list(DEFAULT_TRAINING):
        print(json.dumps(bench_model(name)), flush=True)
