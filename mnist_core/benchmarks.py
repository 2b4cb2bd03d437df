"""How good and how fast each model kind is with its recommended settings, on real MNIST.

:func:`bench_model` trains a kind exactly as ``python -m mnist_core train --model
KIND`` does by default (:data:`mnist_core.models.DEFAULT_TRAINING`, seed 0, through
:func:`mnist_core.pipeline.train_model`) and reports the test accuracy, the training
time (the loop's own clock: evaluation excluded) and the process's peak resident
memory.  ``python -m mnist_core.benchmarks mlp cnn`` prints one JSON line per kind.

The peak RSS is the whole process's high-water mark (``getrusage``), dataset
included; bench one kind per process for a figure that belongs to that kind alone.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from .datasets import load_mnist
from .models import DEFAULT_TRAINING
from .pipeline import default_hyperparameters, default_training, peak_rss_mib, train_model
from .training import TrainConfig


def default_settings(kind: str) -> tuple[TrainConfig, dict[str, Any]]:
    """(TrainConfig, hyperparameters) the CLI uses by default for ``kind`` on MNIST."""
    return TrainConfig(**default_training(kind, "mnist")), default_hyperparameters(kind)


def handdrawn_accuracy(model: Any, shape: tuple[int, int] = (28, 28)) -> float:
    """Accuracy on the reproducible mouse-drawn set (:mod:`mnist_core.handdrawn`)."""
    from .handdrawn import prepared_set

    x, y = prepared_set(shape, per_digit=20)
    return float((model.predict(x) == y).mean())


def bench_model(kind: str, data_dir: str | Path | None = None, augment: bool = False) -> dict[str, Any]:
    """Train ``kind`` with its default settings on MNIST; return ``{model, augment,
    test_accuracy, handdrawn_accuracy, train_seconds, peak_rss_mib, epochs, batch_size,
    hyperparameters, notes}`` (notes: e.g. a solver that stopped before converging)."""
    config, hyper = default_settings(kind)
    config = dataclasses.replace(config, augment=augment)
    dataset = load_mnist(data_dir)
    result = train_model(kind, dataset, hyper, config)
    return {
        "model": kind,
        "augment": augment,
        "test_accuracy": result.history.test_accuracy,
        "handdrawn_accuracy": round(handdrawn_accuracy(result.model), 4),
        "train_seconds": round(result.history.train_seconds, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "hyperparameters": result.model.hyperparameters(),
        "notes": list(getattr(result.model, "notes", [])),
    }


if __name__ == "__main__":
    for name in sys.argv[1:] or list(DEFAULT_TRAINING):
        print(json.dumps(bench_model(name)), flush=True)
