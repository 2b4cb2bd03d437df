"""mnist_core.analysis.comparison on synthetic evaluations with hand-counted answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mnist_core.analysis.comparison import (Entry, hyperparameter_text, learning_curves, most_telling_pair,
                                   pair_sentence, per_label_accuracy, right_wrong_matrix, summary_table)
from mnist_core.errors import MnistError
from mnist_core.analysis.evaluation import Evaluation

# 20 test images, labels 0..9 twice.
Y = np.array(list(range(10)) * 2)


def ev(wrong: list[int], y: np.ndarray = Y) -> Evaluation:
    """An evaluation that is right everywhere except at the indices ``wrong``."""
    pred = y.copy()
    pred[wrong] = (y[wrong] + 1) % 10
    proba = np.eye(10, dtype=np.float32)[pred]
    return Evaluation(y.copy(), pred, proba)


def meta(kind: str, dataset: str = "digits", accs: tuple[float, ...] = (), **extra) -> dict:
    return {"model": kind, "dataset": dataset, "train_seconds": 1.5, "n_parameters": 100,
            "hyperparameters": {"n_inputs": 64, "hidden": 16, "lr": 0.1, "layers": [32, 16]},
            "training": {"epochs": len(accs) or 1, "batch_size": 16, "seed": 0, "shuffle": True, "augment": False},
            "history": [{"epoch": i + 1, "loss": 0.5, "test_accuracy": a} for i, a in enumerate(accs)],
            **extra}


@pytest.fixture
def entries() -> list[Entry]:
    # a: wrong on 0, 1, 2;  b: wrong on 2, 3;  c: wrong on 0, 11, 12, 13
    return [Entry("a", ev([0, 1, 2]), meta("classic", accs=(0.5, 0.85)), size_kib=10.0),
            Entry("b", ev([2, 3]), meta("cnn", accs=(0.7, 0.8, 0.9))),
            Entry("c", ev([0, 11, 12, 13]), meta("logreg", accs=(0.8,)), size_kib=2.34)]


def test_right_wrong_matrix_counts(entries):
    m = right_wrong_matrix(entries)
    # [a, b]: a right & b wrong: b wrong on {2, 3}, a right on 3 -> 1
    expected = pd.DataFrame([[0, 1, 3],   # a right, c wrong: {11, 12, 13}
                             [2, 0, 4],   # b right & a wrong: {0, 1}; b right & c wrong: {0, 11, 12, 13}
                             [2, 2, 0]],  # c right & a wrong: {1, 2}; c right & b wrong: {2, 3}
                            index=["a", "b", "c"], columns=["a", "b", "c"])
    assert (m.to_numpy() == expected.to_numpy()).all()
    assert list(m.index) == ["a", "b", "c"] and list(m.columns) == ["a", "b", "c"]
    # [a, b] - [b, a] = (#a right) - (#b right): the matrix agrees with the accuracies
    assert m.loc["b", "a"] - m.loc["a", "b"] == 3 - 2


def test_most_telling_pair_and_sentence(entries):
    m = right_wrong_matrix(entries)
    # net wins: b over a 2-1=1, b over c 4-2=2, c over a 2-3=-1 -> a over c 1
    assert most_telling_pair(m) == ("b", "c", 4, 2)
    assert pair_sentence(m) == "b gets 4 test images right that c gets wrong; the reverse: 2."
    assert pair_sentence(right_wrong_matrix(entries[:1])) == ""


def test_pair_sentence_singular():
    m = right_wrong_matrix([Entry("x", ev([])), Entry("y", ev([5]))])
    assert pair_sentence(m) == "x gets 1 test image right that y gets wrong; the reverse: 0."


def test_different_datasets_are_refused(entries):
    other = Entry("m", ev([]), meta("classic", dataset="mnist"))
    with pytest.raises(MnistError, match="different datasets"):
        right_wrong_matrix([*entries, other])


def test_different_test_sets_are_refused(entries):
    shorter = Entry("s", ev([], y=Y[:10]), meta("classic"))
    with pytest.raises(MnistError, match="different test set"):
        right_wrong_matrix([entries[0], shorter])
    shuffled = Entry("t", ev([], y=Y[::-1].copy()), meta("classic"))
    with pytest.raises(MnistError, match="different test set"):
        right_wrong_matrix([entries[0], shuffled])


def test_duplicate_names_are_refused(entries):
    with pytest.raises(MnistError, match="share a name"):
        summary_table([entries[0], entries[0]])


def test_summary_table(entries):
    t = summary_table(entries)
    assert list(t.index) == ["a", "b", "c"]
    assert list(t["model"]) == ["classic", "cnn", "logreg"]
    assert list(t["test accuracy"]) == [17 / 20, 18 / 20, 16 / 20]
    assert t.loc["a", "hyperparameters"] == "hidden=16, lr=0.1, layers=32x16"  # n_inputs left out
    assert t.loc["b", "training"] == "3 epochs of batch 16"
    assert t.loc["c", "training"] == "1 epoch of batch 16"
    assert list(t["parameters"]) == [100, 100, 100] and list(t["train seconds"]) == [1.5, 1.5, 1.5]
    assert t.loc["a", "KiB"] == 10.0 and t.loc["c", "KiB"] == 2.3
    assert pd.isna(t.loc["b", "KiB"])


def test_hyperparameter_and_training_text():
    m = meta("mlp")
    m["training"]["augment"] = True
    assert summary_table([Entry("x", ev([]), m)]).loc["x", "training"] == "1 epoch of batch 16, augmented"
    assert hyperparameter_text({}) == ""
    assert hyperparameter_text({"model": "logreg", "hyperparameters": {"C": 1.0, "solver": "lbfgs", "pixel_scale": 16.0}}) \
        == "C=1, solver=lbfgs"


def test_per_label_accuracy(entries):
    t = per_label_accuracy(entries)
    assert list(t.index) == list(range(10)) and list(t.columns) == ["a", "b", "c"]
    # a is wrong on images 0, 1, 2 = labels 0, 1, 2 (once each, of two)
    assert list(t["a"]) == [0.5, 0.5, 0.5] + [1.0] * 7
    assert list(t["b"]) == [1.0, 1.0, 0.5, 0.5] + [1.0] * 6
    assert list(t["c"]) == [0.5, 0.5, 0.5, 0.5] + [1.0] * 6  # images 0, 11, 12, 13 = labels 0, 1, 2, 3


def test_learning_curves(entries):
    c = learning_curves(entries)
    assert list(c.columns) == ["model", "epoch", "test_accuracy"]
    assert list(c["model"]) == ["a", "a", "b", "b", "b", "c"]
    assert list(c["epoch"]) == [1, 2, 1, 2, 3, 1]
    assert list(c["test_accuracy"]) == [0.5, 0.85, 0.7, 0.8, 0.9, 0.8]
    empty = learning_curves([Entry("x", ev([]), {})])
    assert empty.empty and list(empty.columns) == ["model", "epoch", "test_accuracy"]
