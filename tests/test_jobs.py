"""The background training job: progress, stop, failure, saving."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mnist_core.data.datasets import Dataset, load_digits
from mnist_core.errors import MnistError, sentence
from mnist_core.storage import ModelStore
from mnist_core.training import JobStatus, TrainConfig, TrainingJob

DONE, FAILED, STOPPED = JobStatus.DONE, JobStatus.FAILED, JobStatus.STOPPED


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_digits()


def test_job_runs_in_background_and_reports(digits, tmp_path):
    job = TrainingJob("classic", digits, {"hidden": 32}, TrainConfig(epochs=3, batch_size=16),
                      store=ModelStore(tmp_path)).start()
    assert job.wait(60)
    snap = job.snapshot()
    assert snap.status == DONE and snap.error is None
    assert snap.samples_seen == snap.total == 3 * len(digits.x_train)
    assert snap.fraction == 1.0 and snap.eta_seconds == 0.0 and snap.samples_per_second > 0
    assert len(snap.epochs) == 3 and snap.curve and "loss" in snap.curve[-1]
    assert snap.result.test_accuracy > 0.5
    assert snap.saved_name and ModelStore(tmp_path).load(snap.saved_name)[1]["test_accuracy"] == snap.result.test_accuracy


def test_snapshot_is_a_copy(digits):
    job = TrainingJob("classic", digits, {}, TrainConfig(epochs=1)).run()
    snap = job.snapshot()
    snap.curve.clear()
    assert job.snapshot().curve


def test_stop_really_stops(digits):
    gate = threading.Event()

    class Slow:
        def on_batch_end(self, seen, logs):
            gate.set()
            time.sleep(0.01)

        def on_epoch_end(self, epoch, logs):
            pass

    job = TrainingJob("classic", digits, {}, TrainConfig(epochs=200, batch_size=1))
    original = job.on_batch_end
    job.on_batch_end = lambda seen, logs: (original(seen, logs), Slow().on_batch_end(seen, logs))
    job.start()
    assert gate.wait(30)
    job.stop()
    assert job.wait(30)
    snap = job.snapshot()
    assert snap.status == STOPPED and snap.samples_seen < snap.total
    assert snap.result is not None and snap.result.history.stopped


def test_bad_hyperparameter_is_a_sentence(digits):
    snap = TrainingJob("classic", digits, {"lr": -1.0}, TrainConfig(epochs=1)).run().snapshot()
    assert snap.status == FAILED and "Learning rate" in snap.error and "\n" not in snap.error


def test_unexpected_exception_is_not_lost(digits, monkeypatch):
    import mnist_core.training.jobs as jobs

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nmore")

    monkeypatch.setattr(jobs, "train_model", boom)
    job = TrainingJob("classic", digits, {}, TrainConfig(epochs=1)).start()
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == FAILED
    assert snap.error == sentence(ZeroDivisionError("division by zero\nmore"))
    assert "ZeroDivisionError: division by zero)" in snap.error and "\n" not in snap.error


def test_sentence_for_every_exception():
    assert sentence(MnistError("Plain words.")) == "Plain words."
    assert "No space left on device" in sentence(OSError(28, "No space left on device", "/x/m.npz"))
    assert sentence(ValueError("")).startswith("Something unexpected went wrong (ValueError)")


def test_start_twice_runs_once(digits):
    job = TrainingJob("classic", digits, {}, TrainConfig(epochs=1))
    job.start()
    job.start()
    assert job.wait(30) and job.snapshot().status == DONE


def test_job_without_a_config_trains_the_recommended_one(digits):
    job = TrainingJob("classic", digits)
    assert job.train_config.epochs >= 30  # the digits are small: more epochs


def test_plots_make_figures(digits):
    from mnist_core.analysis import plots

    assert plots.confusion_heatmap(np.eye(10, dtype=int) * 5).axes
    assert len(plots.mean_images(digits).axes) == 10
    assert plots.digit_with_values(digits.x_test[0], 16).axes
    big = plots.upscale(digits.x_test[0], 64, 16)
    assert big.shape == (64, 64) and big.dtype == np.uint8 and big.max() <= 255
