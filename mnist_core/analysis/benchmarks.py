"""How good and how fast each model kind is with its recommended settings, on real MNIST.

:func:`bench_model` trains a kind exactly as ``python -m mnist_core train --model
KIND`` does by default (``Model.training``, seed 0, through
:func:`mnist_core.training.train_model`) and reports the test accuracy, the training
time (the loop's own clock: evaluation excluded) and the process's peak resident
memory.  ``python -m mnist_core bench --model KIND`` prints it.

The peak RSS is the whole process's high-water mark (``getrusage``), dataset
included; bench one kind per process for a figure that belongs to that kind alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..data.datasets import load_mnist
from ..models import Model, recommended_training
from ..training.pipeline import peak_rss_mib, train_model


def handdrawn_accuracy(model: Model) -> float:
    """Accuracy on the reproducible mouse-drawn set (:mod:`mnist_core.data.handdrawn`)."""
    from ..data.handdrawn import prepared_set

    x, y = prepared_set(model.image_shape, per_digit=20)
    return float((model.predict(x) == y).mean())


def bench_model(kind: str, data_dir: str | Path | None = None, augment: bool = False) -> dict[str, Any]:
    """Train ``kind`` with its recommended settings on MNIST; return ``{model, augment,
    test_accuracy, handdrawn_accuracy, train_seconds, peak_rss_mib, epochs, batch_size,
    hyperparameters, notes}`` (notes: e.g. a solver that stopped before converging)."""
    dataset = load_mnist(data_dir)
    config = recommended_training(kind, augment=augment)
    result = train_model(kind, dataset, config=config)
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
        "notes": list(result.model.notes),
    }
