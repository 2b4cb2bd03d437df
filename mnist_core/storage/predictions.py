"""The test set's predictions kept in a model file, so showing how good a model is
never evaluates it in the web server.

Opening Mistakes on the largest allowed CNN evaluated the 10,000 test images inside the
server (155 % CPU, 5.76 GB, about 14 minutes).  So the training loop's last evaluation
of the test set (:attr:`mnist_core.training.loop.History.test_proba`, computed anyway for
the test accuracy, on the worker) is kept in the file beside the weights (:func:`from_proba`):
``test_proba`` float16 (n, 10), each image's probabilities (about 3 significant digits,
200 KB for MNIST before compression), and ``test_predicted`` uint8 (n,), the label the
float32 probabilities chose, so that the answers are exactly those of a fresh evaluation
(a float16 near-tie could pick the other label).  Both are optional: a file without them
(saved before them, an upload) loads, and is evaluated on a worker instead.
"""
from __future__ import annotations

import numpy as np

from ..data.datasets import Dataset
from ..models.base import Model

#: Most test images a kept evaluation may cover (MNIST has 10,000).
MAX_TEST = 100_000
#: The arrays a model file may hold for its kept evaluation: name -> (dtype, shape with ranges).
ARRAYS: dict[str, tuple[str, tuple]] = {
    "test_proba": ("float16", ((1, MAX_TEST), 10)),
    "test_predicted": ("uint8", ((1, MAX_TEST),)),
}


def kept_predictions(model: Model, dataset: Dataset, chunk: int = 2000) -> dict[str, np.ndarray] | None:
    """``{test_proba: float16 (n, 10), test_predicted: uint8 (n,)}`` of ``model`` on
    ``dataset``'s test split, or None when it has no test images or its answers are not
    finite numbers (nothing is kept then; an evaluation says what it can)."""
    n = len(dataset.x_test)
    if not 1 <= n <= MAX_TEST:
        return None
    return from_proba(np.concatenate([np.asarray(model.predict_proba(dataset.floats(dataset.x_test[s:s + chunk])),
                                                 np.float32) for s in range(0, n, chunk)]))


def from_proba(proba: np.ndarray | None) -> dict[str, np.ndarray] | None:
    """The arrays to keep from (n, 10) float32 test probabilities (a training loop's last
    evaluation, :attr:`mnist_core.training.loop.History.test_proba`); None if there are
    none or they are not finite numbers."""
    if proba is None or proba.ndim != 2 or proba.shape[1] != 10 or not 1 <= len(proba) <= MAX_TEST \
            or not np.isfinite(proba).all():
        return None
    proba = proba.astype(np.float32)
    return {"test_proba": proba.astype(np.float16), "test_predicted": proba.argmax(axis=1).astype(np.uint8)}


def check(found: dict[str, tuple[int, ...]], n_test: object) -> str | None:
    """What is wrong with the kept arrays' shapes (``found``: name -> shape), or None:
    both there, agreeing on the number of images, which is the file's ``n_test`` when it says one."""
    absent = [key for key in ARRAYS if key not in found]
    if absent:
        return f"{absent[0]} is missing"
    n = found["test_proba"][0]
    if found["test_predicted"][0] != n:
        return "test_proba and test_predicted disagree on the number of images"
    if isinstance(n_test, int) and n_test != n:
        return f"{n} images, but the model was tested on {n_test}"
    return None
