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
from .models import DEFAULT_TRAINING, model_class
from .pipeline import peak_rss_mib, train_model
from .training import TrainConfig


def default_settings(kind: str) -> tuple[TrainConfig, dict[str, Any]]:
    """(TrainConfig, hyperparameters) from ``DEFAULT_TRAINING[kind]``: the keys that are
    TrainConfig fields go to it, the rest are hyperparameters."""
    model_class(kind)  # an unknown kind is an InvalidParameter sentence
    settings = dict(DEFAULT_TRAINING.get(kind, {}))
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in settings.items() if k in train_fields})
    return config, {k: v for k, v in settings.items() if k not in train_fields}


def bench_model(kind: str, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Train ``kind`` with its default settings on MNIST; return ``{model,
    test_accuracy, train_seconds, peak_rss_mib, epochs, batch_size, hyperparameters,
    notes}`` (notes: e.g. a solver that stopped before converging)."""
    config, hyper = default_settings(kind)
    dataset = load_mnist(data_dir)
    result = train_model(kind, dataset, hyper, config)
    return {
        "model": kind,
        "test_accuracy": result.history.test_accuracy,
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
