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


def random_evaluation(n: int = 2000, seed: int = 0) -> Evaluation:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 10, n)
    proba = rng.dirichlet(np.ones(10), n).astype(np.float32)
    proba[np.arange(n), y_true] += rng.random(n).astype(np.float32)  # mostly right
    proba /= proba.sum(axis=1, keepdims=True)
    return Evaluation(y_true, proba.argmax(axis=1), proba)


def test_selection_agrees_with_a_plain_computation():
    ev = random_evaluation()
    conf = ev.proba.max(axis=1)
    for true, pred, lo, hi in [(None, None, 0, 1), (7, None, 0, 1), (None, 9, 0.3, 0.6), (7, 9, 0, 1),
                               (3, 3, 0, 0.5), (4, None, 0.9, 1)]:
        table = ev.select(true, pred, lo, hi)
        expected = [i for i in range(len(ev.y_true))
                    if (ev.y_true[i] == ev.y_pred[i] if true is not None and true == pred else ev.y_true[i] != ev.y_pred[i])
                    and (true is None or ev.y_true[i] == true) and (pred is None or ev.y_pred[i] == pred)
                    and lo <= conf[i] <= hi]
        assert sorted(table["index"]) == expected
        assert list(table["confidence"]) == sorted(table["confidence"], reverse=True)
    least_first = ev.select(3, 3, most_confident_first=False)["confidence"]
    assert list(least_first) == sorted(least_first)  # a diagonal cell: the doubtful right answers first
    assert len(ev.select(7, 9)) == ev.confusion()[7, 9]


def test_pages_cover_every_image_exactly_once():
    from mnist_core.analysis.evaluation import page_of

    table = random_evaluation().select()
    seen, pages = [], page_of(table, 1, 24)[1]
    for page in range(1, pages + 1):
        seen += list(page_of(table, page, 24)[0]["index"])
    assert sorted(seen) == sorted(table["index"]) and len(seen) == len(set(seen))
    assert page_of(table, 10**6, 24)[0].equals(page_of(table, pages, 24)[0])  # clamped into range
