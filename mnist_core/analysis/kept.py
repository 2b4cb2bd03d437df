"""A saved model's evaluation without evaluating it in the calling process: read from its
file when the worker that trained it kept the test set's answers
(:mod:`mnist_core.storage.predictions`), else computed by :func:`.evaluation.evaluate`
on a Dask worker (older files, uploads).  The web server never runs a model over the
test set: on the largest allowed CNN that took 5.76 GB and about 14 minutes there.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..data.datasets import Dataset
from ..models.base import Model
from ..storage.modelfile import load_predictions
from .evaluation import Evaluation, evaluate

#: Dask priority of an evaluation: after the studio's default model, before pupils' runs.
PRIORITY = 5


def kept_evaluation(path: str | Path, dataset: Dataset) -> Evaluation | None:
    """The evaluation the model file keeps, on ``dataset``'s test split; None when the file
    keeps none, or kept it for another number of test images.  ``y_pred`` is exactly a
    fresh :func:`evaluate`'s; ``proba`` (n, 10) float32 within float16's rounding of it."""
    kept = load_predictions(path)
    if kept is None or len(kept[0]) != len(dataset.y_test):
        return None
    predicted, proba = kept
    return Evaluation(dataset.y_test.astype(int), predicted, proba)


def test_split(dataset: Dataset) -> Dataset:
    """``dataset`` without its training images: what a worker needs to evaluate (8 MB for MNIST)."""
    return dataclasses.replace(dataset, x_train=dataset.x_train[:0], y_train=dataset.y_train[:0])


def evaluate_on_worker(model: Model, dataset: Dataset, timeout: float | None = None) -> Evaluation:
    """:func:`evaluate` run by a Dask worker of the studio's cluster, waited for here
    (``timeout`` seconds at most); a lost worker is an error with a sentence, as for a run."""
    from ..training import cluster

    client = cluster.client()
    future = client.submit(evaluate, model, test_split(dataset), pure=False, priority=PRIORITY)
    try:
        result = future.result(timeout=timeout)
    finally:
        future.release()
    return Evaluation(np.asarray(result.y_true), np.asarray(result.y_pred), np.asarray(result.proba))
