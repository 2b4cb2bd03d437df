"""How good a model is, and where it goes wrong -- the tutorial's tables, computed once.

:func:`evaluate` runs the model over the test set a single time and keeps the
predictions and probabilities; every table (per-label accuracy, confusion matrix,
misclassified images, what a label is mistaken for) is derived from that.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.datasets import Dataset
from ..models.base import Model


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Predictions of one model on one dataset's test split.

    ``y_true``, ``y_pred``: (n,) ints; ``proba``: (n, 10) float32.
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.y_true == self.y_pred)) if len(self.y_true) else 0.0

    @property
    def n_errors(self) -> int:
        return int(np.count_nonzero(self.y_true != self.y_pred))

    @property
    def confidence(self) -> np.ndarray:
        """(n,) the probability the model gave its own answer."""
        return self.proba[np.arange(len(self.y_pred)), self.y_pred]

    def per_label(self) -> pd.DataFrame:
        """The tutorial's table: for each true label, correct, count and accuracy."""
        return per_label_table(self.y_true, self.y_pred)

    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.y_true, self.y_pred)

    def select(self, true_label: int | None = None, predicted: int | None = None, min_confidence: float = 0.0,
               max_confidence: float = 1.0, most_confident_first: bool = True) -> pd.DataFrame:
        """Test images as a table (index into the test set, true, predicted, confidence),
        sorted by confidence, within [min_confidence, max_confidence].

        Which images: the mistakes, narrowed by true and/or predicted label -- a cell of
        the confusion matrix off its diagonal -- or, when ``true_label == predicted``, the
        images of that label read right (a cell on the diagonal)."""
        chosen = (self.y_true == self.y_pred) if true_label is not None and true_label == predicted \
            else (self.y_true != self.y_pred)
        if true_label is not None:
            chosen &= self.y_true == true_label
        if predicted is not None:
            chosen &= self.y_pred == predicted
        chosen &= (self.confidence >= min_confidence) & (self.confidence <= max_confidence)
        idx = np.flatnonzero(chosen)
        table = pd.DataFrame({
            "index": idx,
            "true": self.y_true[idx].astype(int),
            "predicted": self.y_pred[idx].astype(int),
            "confidence": self.confidence[idx].astype(float),
        })
        return table.sort_values(["confidence", "index"], ascending=[not most_confident_first, True],
                                 kind="stable").reset_index(drop=True)

    def misclassified(self, true_label: int | None = None, predicted: int | None = None) -> pd.DataFrame:
        """Wrong answers, most confident first (see :meth:`select`)."""
        table = self.select(true_label, predicted)
        return table[table["true"] != table["predicted"]].reset_index(drop=True)

    def mistaken_for(self, label: int) -> pd.Series:
        """What images of ``label`` were taken for, most frequent first (the tutorial's 7)."""
        return mistaken_for(self.y_true, self.y_pred, label)


def page_of(table: pd.DataFrame, page: int, per_page: int) -> tuple[pd.DataFrame, int]:
    """Rows of page ``page`` (1-based, clamped into range) and the number of pages:
    the pages cover every row exactly once."""
    pages = max(1, -(-len(table) // per_page))
    page = min(max(int(page), 1), pages)
    return table.iloc[(page - 1) * per_page: page * per_page], pages


def per_label_table(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> pd.DataFrame:
    count = np.bincount(y_true, minlength=n_classes)
    correct = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(count > 0, correct / np.maximum(count, 1), np.nan)
    return pd.DataFrame({"correct": correct, "count": count, "accuracy": acc},
                        index=pd.Index(range(n_classes), name="label"))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """(10, 10) counts: row = true label, column = predicted label."""
    flat = np.asarray(y_true, np.int64) * n_classes + np.asarray(y_pred, np.int64)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def mistaken_for(y_true: np.ndarray, y_pred: np.ndarray, label: int) -> pd.Series:
    wrong = y_pred[(y_true == label) & (y_pred != label)].astype(int)
    counts = pd.Series(wrong).value_counts()
    counts.index.name = "predicted"
    counts.name = "count"
    return counts


def evaluate(model: Model, dataset: Dataset, chunk: int = 2000) -> Evaluation:
    """Run ``model`` once over the test split."""
    parts = [model.predict_proba(dataset.floats(dataset.x_test[s:s + chunk]))
             for s in range(0, len(dataset.x_test), chunk)]
    proba = np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 10), np.float32)
    return Evaluation(dataset.y_test.astype(int), proba.argmax(axis=1), proba)
