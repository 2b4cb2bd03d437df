"""What the teacher's Class page reads: every workspace with its models and runs, the
class's handwriting (only drawings shared with the class), the leaderboard, the reset."""
from __future__ import annotations

import numpy as np
import pytest

from mnist_core.data.handdrawn import draw_digit
from mnist_core.data.handwriting import HandwritingStore
from mnist_core.errors import MnistError
from mnist_core.storage import gallery, publish, workspace_store
from mnist_core.storage.classroom import class_handwriting, class_overview, leaderboard, reset_class
from mnist_core.storage.publishing import class_default, default_model, make_class_default
from mnist_core.storage.teacher import as_teacher
from mnist_core.storage.workspaces import create_workspace, list_workspaces, open_workspace
from mnist_core.training import TrainConfig, train_model

KEY = "a teacher key for tests"


@pytest.fixture(scope="module")
def trained(digits):
    return {h: train_model("classic", digits, {"hidden": h}, TrainConfig(epochs=e)) for h, e in ((8, 1), (32, 3))}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MNIST_STUDIO_TEACHER_KEY", KEY)


def drawings(ws, digits, shared, seed=0):
    rng, hw = np.random.default_rng(seed), HandwritingStore(ws.handwriting_root)
    return [hw.save(draw_digit(d, rng), d, shared=shared) for d in digits]


def test_the_share_flag_is_kept_with_a_drawing_and_defaults_to_private():
    ws = create_workspace("anna")
    private, = drawings(ws, [3], shared=False)
    hw = HandwritingStore(ws.handwriting_root)
    shared = hw.save(draw_digit(4, np.random.default_rng(1)), 4)  # not ticked: not shared
    assert not private.shared and not shared.shared and not any(d.shared for d in hw.list())
    hw.set_shared(shared.id, True)
    assert [d.shared for d in hw.list()] == [False, True]
    hw.relabel(shared.id, 5)  # a relabel keeps the choice
    assert [(d.label, d.shared) for d in hw.list()] == [(3, False), (5, True)]
    hw.add(np.zeros((1, 28, 28), np.uint8), np.array([1], np.uint8))  # an import is private
    assert [d.shared for d in hw.list()] == [False, True, False]


def test_the_class_handwriting_pools_only_shared_drawings():
    anna, ben, cleo = create_workspace("anna"), create_workspace("ben"), create_workspace("cléo")
    drawings(anna, [1, 2, 3], shared=True)
    drawings(anna, [4], shared=False)
    drawings(ben, [5, 6], shared=False)
    drawings(cleo, [7], shared=True)
    pool = class_handwriting()
    assert sorted(pool.labels.tolist()) == [1, 2, 3, 7] and len(pool) == 4
    assert pool.contributors() == {"anna": 3, "cléo": 1}
    assert all(d.shared for d in pool.drawings)


def test_every_workspace_by_name_with_its_models_and_runs(trained):
    teacher = as_teacher(KEY)
    anna, ben = create_workspace("anna"), create_workspace("ben")
    workspace_store(anna.key).save(trained[8].model, trained[8].meta)
    drawings(ben, [1, 2], shared=True)
    runs = {anna.key: ["run-a"], ben.key: []}
    views = class_overview(teacher, runs_of=lambda key: runs[key])  # the job manager's jobs, in the app
    assert [v.workspace.name for v in views] == ["anna", "ben"]
    assert [len(v.models) for v in views] == [1, 0] and [v.runs for v in views] == [["run-a"], []]
    assert [v.shared_drawings for v in views] == [0, 2]
    with pytest.raises(MnistError, match="Only the teacher"):
        class_overview("anna")


def test_the_leaderboard_scores_every_gallery_model(trained, digits):
    anna = create_workspace("anna")
    small = publish(workspace_store(anna.key).save(trained[8].model, trained[8].meta), anna)
    large = publish(workspace_store(anna.key).save(trained[32].model, trained[32].meta), anna)
    empty = leaderboard()
    assert {e.record.name for e in empty} == {small.name, large.name}
    assert all(e.handwriting_accuracy is None for e in empty)  # nobody shared a drawing yet
    drawings(anna, list(range(10)), shared=True)
    board = leaderboard()
    by_name = {e.record.name: e for e in board}
    for record, result in ((small, trained[8]), (large, trained[32])):
        entry = by_name[record.name]
        pool = class_handwriting()
        expected = np.mean(result.model.predict(np.stack([d.seen_as((8, 8)) for d in pool.drawings])) == pool.labels)
        assert entry.handwriting_accuracy == pytest.approx(expected)
        assert entry.test_accuracy == result.meta["test_accuracy"] and entry.n_parameters == result.model.n_parameters()
        assert entry.train_seconds == result.meta["train_seconds"] and entry.error is None
    assert [e.test_accuracy for e in board] == sorted((e.test_accuracy for e in board), reverse=True)
    assert len({e.label for e in board}) == 2
    pool = class_handwriting()
    assert pool.inputs((8, 8)) is pool.inputs((8, 8)) and pool.inputs((8, 8)).shape == (10, 8, 8)  # once per shape


def test_reset_the_class_keeps_only_the_studios_own_model(trained):
    teacher = as_teacher(KEY)
    studio = gallery().save(trained[8].model, {**trained[8].meta, "published_by": "studio"})
    anna = create_workspace("anna")
    drawings(anna, [1], shared=True)
    theirs = publish(workspace_store(anna.key).save(trained[32].model, trained[32].meta), anna)
    make_class_default(theirs, by=teacher)
    with pytest.raises(MnistError, match="Only the teacher"):
        reset_class(anna.key)
    assert reset_class(teacher) == {"workspaces": 1, "models": 1}
    assert list_workspaces() == [] and len(class_handwriting()) == 0
    assert [r.name for r in gallery().list()] == [studio.name]
    assert class_default("digits") is None and default_model("digits").name == studio.name
    with pytest.raises(MnistError):
        open_workspace(anna.key)
