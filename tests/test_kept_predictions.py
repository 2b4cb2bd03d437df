"""The test set's answers kept in a model file by the worker that trained it: read back
as the same evaluation a fresh ``evaluate`` gives, strictly checked, and an older file
(without them) still evaluated -- on a worker, never in the calling process."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from mnist_core.analysis import evaluate
from mnist_core.analysis.kept import evaluate_on_worker, kept_evaluation
from mnist_core.errors import ModelFileError
from mnist_core.storage import ModelStore, load_model
from mnist_core.storage.modelfile import load_predictions
from mnist_core.storage.modelwrite import save_model
from mnist_core.storage.predictions import kept_predictions
from mnist_core.training import JobManager, TrainConfig, cluster
from mnist_core.training.pipeline import train_model


@pytest.fixture(scope="module")
def trained(digits):
    return train_model("classic", digits, {"hidden": 16}, TrainConfig(epochs=2))


def same(kept, fresh):
    assert np.array_equal(kept.y_true, fresh.y_true) and np.array_equal(kept.y_pred, fresh.y_pred)
    assert kept.accuracy == fresh.accuracy and np.array_equal(kept.confusion(), fresh.confusion())
    assert kept.proba.dtype == np.float32 and np.allclose(kept.proba, fresh.proba, atol=1e-3)


def test_kept_predictions_are_a_fresh_evaluation(trained, digits, tmp_path):
    path = save_model(trained.model, tmp_path / "m.npz", trained.meta, snapshots=trained.snapshots,
                      predictions=kept_predictions(trained.model, digits))
    same(kept_evaluation(path, digits), evaluate(trained.model, digits))
    assert load_model(path)[0].n_parameters() == trained.model.n_parameters()  # the weights load as before


def test_an_old_file_keeps_none_and_is_evaluated_on_a_worker(trained, digits, tmp_path):
    path = save_model(trained.model, tmp_path / "old.npz", trained.meta)
    assert load_predictions(path) is None and kept_evaluation(path, digits) is None
    os.environ["MNIST_STUDIO_WORKERS"] = "1"
    try:
        on_worker = evaluate_on_worker(load_model(path)[0], digits, timeout=120)
    finally:
        cluster.shutdown()
        os.environ.pop("MNIST_STUDIO_WORKERS", None)
    fresh = evaluate(trained.model, digits)
    assert np.array_equal(on_worker.y_pred, fresh.y_pred) and np.allclose(on_worker.proba, fresh.proba)


@pytest.mark.parametrize("change, why", [
    (lambda k: {**k, "test_proba": k["test_proba"].astype(np.float32)}, "is float32"),
    (lambda k: {**k, "test_predicted": k["test_predicted"][:-1]}, "disagree"),
    (lambda k: {"test_proba": k["test_proba"]}, "test_predicted is missing"),
    (lambda k: {n: a[:-1] for n, a in k.items()}, "but the model was tested on"),
    (lambda k: {**k, "test_predicted": np.full_like(k["test_predicted"], 11)}, "out of range"),
])
def test_kept_predictions_are_checked_strictly(trained, digits, tmp_path, change, why):
    path = save_model(trained.model, tmp_path / "bad.npz", trained.meta, predictions=
                      change(kept_predictions(trained.model, digits)))
    with pytest.raises(ModelFileError, match=why):
        load_predictions(path)


def test_a_run_keeps_its_test_predictions(digits, tmp_path):
    os.environ["MNIST_STUDIO_WORKERS"] = "1"
    manager = JobManager()
    try:
        store = ModelStore(tmp_path)
        job = manager.submit("ws-kept", "classic", digits, {"hidden": 16}, TrainConfig(epochs=2), store)
        deadline = time.time() + 120
        while not manager.snapshot(job).finished and time.time() < deadline:
            time.sleep(0.1)
        snap = manager.snapshot(job)
        assert snap.status == "done", snap.error
        path = store.path(snap.saved_name)
        same(kept_evaluation(path, digits), evaluate(load_model(path)[0], digits))
    finally:
        manager.close(wait=1)
        cluster.shutdown()
        os.environ.pop("MNIST_STUDIO_WORKERS", None)


def test_publishing_keeps_the_kept_predictions(trained, digits, tmp_path, monkeypatch):
    from mnist_core.storage import publish, workspace_store
    from mnist_core.storage.workspaces import create_workspace

    monkeypatch.setenv("MNIST_STUDIO_HOME", str(tmp_path / "home"))
    ws = create_workspace("kept-42")
    mine = workspace_store(ws.key).save(trained.model, trained.meta,
                                        predictions=kept_predictions(trained.model, digits))
    shared = publish(mine, ws.key)
    same(kept_evaluation(shared.path, digits), evaluate(trained.model, digits))
