"""The first layer in motion: snapshots taken while training, saved with the model
(strictly checked), read back, tiled into one picture, and sent live by a job."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT
from mnist_core.errors import ModelFileError
from mnist_core.explain.snapshots import (MAX_FRAMES, SnapshotRecorder, Snapshots, probe_rows, quantize, sampled_units,
                                          tile)
from mnist_core.explain.units import first_layer_weights
from mnist_core.models import build_model
from mnist_core.storage import ModelStore, load_model
from mnist_core.storage.modelfile import load_snapshots, save_model
from mnist_core.training import JobManager, TrainConfig, cluster, train_model


@pytest.fixture(scope="module")
def run(digits):
    """classic, 3 epochs on the 8x8 digits (a tenth of a second)."""
    return train_model("classic", digits, {"hidden": 80}, TrainConfig(epochs=3, batch_size=16))


def test_a_run_records_the_start_early_frames_and_every_epoch(run, digits):
    s, n = run.snapshots, len(digits.x_train)
    assert s.frames.dtype == np.uint8 and s.frames.shape == (len(s), 64, 8, 8)
    assert s.samples_seen[0] == 0 and s.epoch[0] == 0
    early = s.epoch[(s.epoch > 0) & (s.epoch < 1)]
    assert len(early) == 4 and early[0] <= 1 / 32 and 0.5 <= early[-1] < 0.6  # 1/64 .. 1/2, at the next report
    assert list(s.epoch[-3:]) == [1.0, 2.0, 3.0] and list(s.samples_seen[-3:]) == [n, 2 * n, 3 * n]
    assert np.all(np.diff(s.samples_seen) > 0) and np.array_equal(s.units, sampled_units(80))
    assert np.mean(s.frames[0] != s.frames[-1]) > 0.5  # the units learned something


def test_frames_give_the_weights_back_within_a_step(run):
    s = run.snapshots
    truth, scale = first_layer_weights(run.model)[s.units], s.scales[-1]
    assert np.mean(np.abs(truth) > scale) <= 0.006 < scale / np.abs(truth).max() < 1
    np.testing.assert_allclose(s.images(len(s) - 1), np.clip(truth, -scale, scale), atol=scale / 254 + 1e-6)


def test_save_and_load_round_trip_exactly(run, tmp_path):
    path = save_model(run.model, tmp_path / "m.npz", run.meta, snapshots=run.snapshots)
    back = load_snapshots(path)
    for name, array in run.snapshots.arrays().items():
        assert np.array_equal(getattr(back, name.removeprefix("snapshot_")), array)
        assert getattr(back, name.removeprefix("snapshot_")).dtype == array.dtype
    model, _ = load_model(path)  # the weights load as before, the snapshots ignored
    np.testing.assert_array_equal(model.get_params()["w_ih"], run.model.get_params()["w_ih"])


def test_a_file_without_snapshots_loads(run, tmp_path):
    path = save_model(run.model, tmp_path / "old.npz", run.meta)
    assert load_snapshots(path) is None and load_model(path)[1]["model"] == "classic"


def _rewrite(path, out, change):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    np.savez(out, **arrays)
    return out


BAD = [
    ("oversized", lambda a: a.update(snapshot_frames=np.full((65, 64, 8, 8), 128, np.uint8),
                                     snapshot_scales=np.ones(65, np.float32)), "snapshot_frames is uint8 \\(65"),
    ("floats", lambda a: a.update(snapshot_frames=a["snapshot_frames"].astype(np.float32)), "expected uint8"),
    ("huge images", lambda a: a.update(snapshot_frames=np.zeros((8, 64, 29, 29), np.uint8)), "1..28"),
    ("one missing", lambda a: a.pop("snapshot_epoch"), "snapshot_epoch is missing"),
    ("disagreeing", lambda a: a.update(snapshot_units=a["snapshot_units"][:10]), "disagree"),
    ("9 probabilities", lambda a: a.update(snapshot_probe_proba=a["snapshot_probe_proba"][:, :, :9]), "10..10"),
    ("17 probe images", lambda a: a.update(snapshot_probe_index=np.arange(17), snapshot_probe_labels=np.zeros(17, np.uint8),
                                           snapshot_probe_proba=np.zeros((len(a["snapshot_epoch"]), 17, 10), np.uint8)),
     "1..16"),
    ("float predictions", lambda a: a.update(snapshot_probe_proba=a["snapshot_probe_proba"].astype(np.float16)),
     "expected uint8"),
    ("one probe array missing", lambda a: a.pop("snapshot_probe_labels"), "snapshot_probe_labels is missing"),
    ("predictions of fewer frames", lambda a: a.update(snapshot_probe_proba=a["snapshot_probe_proba"][:2]), "disagree"),
]


@pytest.mark.parametrize("what, change, words", BAD, ids=[b[0] for b in BAD])
def test_bad_snapshots_are_refused_with_a_sentence(run, tmp_path, what, change, words):
    good = save_model(run.model, tmp_path / "good.npz", run.meta, snapshots=run.snapshots)
    bad = _rewrite(good, tmp_path / "bad.npz", change)
    for load in (load_snapshots, load_model):
        with pytest.raises(ModelFileError, match=f"bad.npz: its training snapshots are not valid .*{words}"):
            load(bad)


def test_each_frame_keeps_the_fixed_test_images_predictions(run, digits):
    s = run.snapshots
    rows = probe_rows(digits.y_test)
    assert s.has_predictions and np.array_equal(s.probe_index, rows) and s.probe_proba.shape == (len(s), 16, 10)
    assert np.array_equal(s.probe_labels, digits.y_test[rows])
    images = digits.floats(digits.x_test[rows]).reshape(16, *run.model.image_shape)
    np.testing.assert_allclose(s.probabilities(len(s) - 1), run.model.predict_proba(images), atol=0.5 / 255 + 1e-6)
    assert (np.argmax(s.probabilities(len(s) - 1), 1) == s.probe_labels).mean() > (
        np.argmax(s.probabilities(0), 1) == s.probe_labels).mean()  # it learned to read them


def test_the_first_frame_holds_the_untrained_models_predictions(digits):
    model = build_model("classic", n_inputs=64, hidden=6, seed=3)
    rows = probe_rows(digits.y_test)
    images = digits.floats(digits.x_test[rows])
    heard = []
    recorder = SnapshotRecorder(model, 100, lambda *frame: heard.append(frame), (rows, digits.y_test[rows], images))
    before = model.predict_proba(images)
    s = recorder.finish()
    np.testing.assert_allclose(s.probabilities(0), before, atol=0.5 / 255 + 1e-6)
    assert np.array_equal(heard[0][0].probe_proba[0], s.probe_proba[0])  # what the worker publishes live
    assert np.array_equal(heard[0][0].frames[0], s.frames[0]) and heard[0][0].scales[0] == s.scales[0]


def test_the_probe_images_are_every_digit_in_turn_and_reproducible():
    labels = np.array([3, 1, 1, 0, 2, 5, 4, 6, 7, 8, 9, 9, 3, 0, 2, 2, 5, 6, 1, 4, 7, 8])
    rows = probe_rows(labels)
    assert len(rows) == 16 and set(labels[rows]) == set(range(10)) and np.array_equal(rows, probe_rows(labels))
    assert list(labels[rows]) == sorted(labels[rows]) and 0 in rows and 1 in rows and 2 not in probe_rows(labels, 10)


def test_a_file_saved_before_predictions_loads_without_them(run, tmp_path):
    good = save_model(run.model, tmp_path / "good.npz", run.meta, snapshots=run.snapshots)
    old = _rewrite(good, tmp_path / "old.npz", lambda a: [a.pop(k) for k in list(a) if k.startswith("snapshot_probe")])
    s = load_snapshots(old)
    assert s is not None and not s.has_predictions and len(s) == len(run.snapshots) and load_model(old)[1]


def test_inconsistent_snapshots_cannot_be_made():
    with pytest.raises(ValueError, match="disagree"):
        Snapshots(np.arange(3), np.zeros((2, 4, 8, 8), np.uint8), np.ones(2, np.float32), np.zeros(2, np.int64),
                  np.zeros(2))


def test_models_fitted_at_once_record_nothing(digits):
    assert train_model("logreg", digits, {}, TrainConfig(epochs=1)).snapshots is None


def test_a_long_run_keeps_at_most_64_frames_with_its_start_and_end():
    recorder = SnapshotRecorder(build_model("classic", n_inputs=64, hidden=4), 100)
    for epoch in range(1, 301):
        for seen in range(2, 101, 2):  # 50 reports an epoch
            recorder.on_batch_end((epoch - 1) * 100 + seen, {})
        recorder.on_epoch_end(epoch, {"samples_seen": epoch * 100, "complete": True})
    s = recorder.finish()
    assert len(s) <= MAX_FRAMES and s.samples_seen[0] == 0 and s.epoch[-1] == 300 and len(s.units) == 4
    assert np.all(np.diff(s.epoch) > 0) and list(s.epoch[:6]) == [0, 0.02, 0.08, 0.26, 0.5, 1.0] or s.epoch[5] > 1


def test_quantize_and_tile():
    w = np.zeros((5, 3, 3), np.float32)
    w[0, 0, 0], w[1, 1, 1], w[2, 2, 2] = 2.0, -2.0, np.nan
    frame = quantize(w, 2.0)
    assert frame[0, 0, 0] == 255 and frame[1, 1, 1] == 1 and frame[2, 2, 2] == 128 and frame[3].max() == 128
    assert (quantize(w, 0.0) == 128).all()
    picture = tile(frame, zoom=2)
    assert picture.shape == (2 * 7 - 1, 3 * 7 - 1, 3) and picture.dtype == np.uint8  # 3 columns, 2 rows
    assert list(picture[0, 0]) == [255, 0, 0] and list(picture[2, 9]) == [0, 0, 255]  # red +, blue -
    assert list(picture[6, 6]) == [160, 160, 160] and list(picture[4, 4]) == [255, 255, 255]  # gap, zero


def test_the_cli_saves_them(tmp_path, digits):
    out = tmp_path / "cli.npz"
    subprocess.run([sys.executable, "-m", "mnist_core", "train", "--dataset", "digits", "--epochs", "2",
                    "--hidden", "10", "--out", str(out)], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    s = load_snapshots(out)
    assert s is not None and s.frames.shape[1:] == (10, 8, 8) and list(s.epoch[-2:]) == [1.0, 2.0]


def test_a_running_job_sends_every_frame_and_they_are_the_files(digits, tmp_path):
    os.environ["MNIST_STUDIO_WORKERS"] = "1"
    jobs = JobManager()
    try:
        job = jobs.submit("ws-snap", "classic", digits, {"hidden": 20}, TrainConfig(epochs=1000, batch_size=1),
                          ModelStore(tmp_path))
        deadline, live = time.time() + 90, None
        while live is None or live.epoch[-1] < 2:  # the start's frame, the early ones, two epochs' ends
            assert time.time() < deadline, "no frames from the running job"
            live = jobs.frames(job)
            time.sleep(0.2)
        assert live.frames.dtype == np.uint8 and live.frames.shape[1:] == (20, 8, 8)
        assert live.probe_proba.shape == (len(live), 16, 10) and len(live.probe_index) == 16
        assert live.samples_seen[0] == 0 and np.all(np.diff(live.samples_seen) > 0)
        jobs.stop(job.id)
        while not jobs.snapshot(job).finished:
            assert time.time() < deadline
            time.sleep(0.1)
        saved = load_snapshots(ModelStore(tmp_path).path(jobs.snapshot(job).saved_name))
        assert jobs.frames(job) is None  # ended: the file has them
        # every frame, however fast they came (the start and four early ones within a second)
        assert list(live.samples_seen[live.epoch < 1]) == list(saved.samples_seen[saved.epoch < 1])
        assert (live.epoch < 1).sum() == 5
        for t, seen in enumerate(live.samples_seen):  # the frames played live are the file's
            if seen not in saved.samples_seen:
                continue  # dropped from a long run's file since, as from the page's copy
            i = list(saved.samples_seen).index(seen)
            assert np.array_equal(saved.frames[i], live.frames[t]) and np.array_equal(saved.probe_proba[i],
                                                                                      live.probe_proba[t])
    finally:
        cluster.shutdown()
        os.environ.pop("MNIST_STUDIO_WORKERS", None)
