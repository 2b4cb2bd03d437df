"""Several saved models side by side: the tables the Compare page shows.

Each model comes as an :class:`Entry` (its name, its :class:`Evaluation` on the test
set, the metadata saved with it and optionally its file size).  From a list of them:

* :func:`summary_table` -- kind, key hyperparameters, accuracy, time, size;
* :func:`per_label_accuracy` -- one row per label, one column per model;
* :func:`learning_curves` -- test accuracy after each epoch, in long form;
* :func:`right_wrong_matrix` -- entry ``[a, b]``: test images ``a`` gets right and
  ``b`` gets wrong (only for models evaluated on the same test set);
* :func:`most_telling_pair` / :func:`pair_sentence` -- the pair worth a sentence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import MnistError
from ..i18n import N_, Text
from ..models import chosen_hyperparameters
from .evaluation import Evaluation


@dataclass(frozen=True, eq=False)
class Entry:
    """One model to compare."""

    name: str
    evaluation: Evaluation
    meta: dict[str, Any] = field(default_factory=dict)
    size_kib: float | None = None


def _check_names(entries: Sequence[Entry]) -> None:
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise MnistError("Two models to compare share a name ({names}): each needs its own.", names=", ".join(names))


def hyperparameter_text(meta: dict[str, Any]) -> str:
    """The chosen hyperparameters in a short line, e.g. ``hidden=200, lr=0.1``."""
    hyper = chosen_hyperparameters(str(meta.get("model")), meta.get("hyperparameters") or {})
    parts = []
    for key, value in hyper.items():
        if isinstance(value, (list, tuple)):
            value = "x".join(map(str, value))
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def training_text(meta: dict[str, Any]) -> str:
    """How it was trained, e.g. ``5 epochs of batch 16, augmented`` (a :class:`~mnist_core.i18n.Text`)."""
    t = meta.get("training") or {}
    if not t:
        return ""
    epochs = len(meta.get("history") or []) or t.get("epochs")
    if t.get("augment"):
        message = N_("{epochs} epoch of batch {batch}, augmented") if epochs == 1 else \
            N_("{epochs} epochs of batch {batch}, augmented")
    else:
        message = N_("{epochs} epoch of batch {batch}") if epochs == 1 else N_("{epochs} epochs of batch {batch}")
    return Text(message, epochs=epochs, batch=t.get("batch_size"))


def summary_table(entries: Sequence[Entry]) -> pd.DataFrame:
    """One row per model (index: its name): model kind, hyperparameters, training,
    test accuracy (measured now, on the given evaluation), training seconds,
    parameters and file size in KiB (None where not given)."""
    _check_names(entries)
    rows = [{
        "model": e.meta.get("model"),
        "hyperparameters": hyperparameter_text(e.meta),
        "training": training_text(e.meta),
        "test accuracy": e.evaluation.accuracy,
        "train seconds": e.meta.get("train_seconds"),
        "parameters": e.meta.get("n_parameters"),
        "KiB": None if e.size_kib is None else round(e.size_kib, 1),
    } for e in entries]
    return pd.DataFrame(rows, index=pd.Index([e.name for e in entries], name="name"))


def per_label_accuracy(entries: Sequence[Entry]) -> pd.DataFrame:
    """Labels 0-9 as rows, one column of accuracies (0..1) per model."""
    _check_names(entries)
    return pd.DataFrame({e.name: e.evaluation.per_label()["accuracy"] for e in entries},
                        index=pd.Index(range(10), name="label"))


def learning_curves(entries: Sequence[Entry]) -> pd.DataFrame:
    """Columns model, epoch, test_accuracy: one row per model and epoch of its saved
    history (a model without history contributes no rows)."""
    rows = [{"model": e.name, "epoch": int(log["epoch"]), "test_accuracy": float(log["test_accuracy"])}
            for e in entries for log in (e.meta.get("history") or [])
            if "epoch" in log and log.get("test_accuracy") is not None]
    return pd.DataFrame(rows, columns=["model", "epoch", "test_accuracy"])


def check_same_test_set(entries: Sequence[Entry]) -> None:
    """Raise MnistError unless every entry was evaluated on the same test set."""
    kinds = {e.meta.get("dataset") for e in entries}
    if len(kinds) > 1:
        raise MnistError("These models were trained on different datasets ({datasets}): only models of one dataset "
                         "can be compared image by image.", datasets=", ".join(sorted(map(str, kinds))))
    first = entries[0].evaluation.y_true if entries else None
    for e in entries[1:]:
        y = e.evaluation.y_true
        if len(y) != len(first) or not np.array_equal(y, first):
            raise MnistError("{name} was evaluated on a different test set than {first} ({count:,} vs {first_count:,} "
                             "images): they cannot be compared image by image.", name=e.name, first=entries[0].name,
                             count=len(y), first_count=len(first))


def right_wrong_matrix(entries: Sequence[Entry]) -> pd.DataFrame:
    """Square table over the model names: ``[a, b]`` = test images ``a`` classifies
    right and ``b`` wrong (the diagonal is 0).  Raises MnistError when the models
    were not evaluated on the same test set."""
    _check_names(entries)
    check_same_test_set(entries)
    right = np.array([e.evaluation.y_pred == e.evaluation.y_true for e in entries], dtype=np.int64)
    counts = right @ (1 - right).T  # [a, b] = sum over images of right_a * wrong_b
    names = [e.name for e in entries]
    return pd.DataFrame(counts, index=pd.Index(names, name="right here"),
                        columns=pd.Index(names, name="wrong there"))


def most_telling_pair(matrix: pd.DataFrame) -> tuple[str, str, int, int] | None:
    """``(a, b, a_right_b_wrong, b_right_a_wrong)`` for the pair where one model wins
    most clearly over the other (largest ``[a, b] - [b, a]``, then largest
    ``[a, b]``); None with fewer than two models."""
    names = list(matrix.index)
    best = None
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ab, ba = int(matrix.loc[a, b]), int(matrix.loc[b, a])
            if ba > ab:
                a_, b_, ab, ba = b, a, ba, ab
            else:
                a_, b_ = a, b
            key = (ab - ba, ab)
            if best is None or key > best[0]:
                best = (key, (a_, b_, ab, ba))
    return best[1] if best else None


def pair_sentence(matrix: pd.DataFrame) -> str:
    """A sentence about :func:`most_telling_pair`, e.g. "cnn-1 gets 123 test images
    right that classic-1 gets wrong; the reverse: 17." ("" with fewer than two models)."""
    pair = most_telling_pair(matrix)
    if pair is None:
        return ""
    a, b, ab, ba = pair
    if ab == 1:
        return Text(N_("{a} gets {ab:,} test image right that {b} gets wrong; the reverse: {ba:,}."), a=a, ab=ab, b=b,
                    ba=ba)
    return Text(N_("{a} gets {ab:,} test images right that {b} gets wrong; the reverse: {ba:,}."), a=a, ab=ab, b=b,
                ba=ba)
