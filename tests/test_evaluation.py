import numpy as np

from mnist_core.analysis.evaluation import Evaluation, confusion_matrix, mistaken_for, per_label_table


def make_eval():
    y_true = np.array([7, 7, 7, 7, 1, 1, 2, 9])
    y_pred = np.array([7, 9, 9, 2, 1, 7, 2, 4])
    proba = np.full((8, 10), 0.01, np.float32)
    proba[np.arange(8), y_pred] = [0.9, 0.8, 0.6, 0.7, 0.95, 0.5, 0.9, 0.99]
    return Evaluation(y_true, y_pred, proba)


def test_per_label_table_is_the_tutorials():
    table = per_label_table(np.array([7, 7, 7, 1]), np.array([7, 9, 7, 1]))
    assert table.loc[7, "correct"] == 2 and table.loc[7, "count"] == 3
    assert np.isclose(table.loc[7, "accuracy"], 2 / 3)
    assert table.loc[1, "accuracy"] == 1.0 and np.isnan(table.loc[0, "accuracy"])


def test_confusion_rows_are_true_labels():
    cm = confusion_matrix(np.array([7, 7, 1]), np.array([9, 7, 1]))
    assert cm[7, 9] == 1 and cm[7, 7] == 1 and cm[1, 1] == 1 and cm.sum() == 3


def test_accuracy_errors_and_filters():
    ev = make_eval()
    assert ev.n_errors == 5 and np.isclose(ev.accuracy, 3 / 8)
    sevens_as_nine = ev.misclassified(true_label=7, predicted=9)
    assert list(sevens_as_nine["index"]) == [1, 2]  # most confident first
    assert list(ev.misclassified()["confidence"]) == sorted(ev.misclassified()["confidence"], reverse=True)
    assert ev.misclassified(true_label=0).empty


def test_mistaken_for_counts_like_value_counts():
    counts = mistaken_for(np.array([7, 7, 7, 7, 1]), np.array([9, 9, 2, 7, 7]), 7)
    assert counts.to_dict() == {9: 2, 2: 1}
