"""The background training job: progress, stop, failure, saving."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mnist_core.datasets import Dataset, load_digits
from mnist_core.jobs import DONE, FAILED, STOPPED, TrainingJob, error_sentence
from mnist_core.pipeline import default_config, default_training
from mnist_core.errors import MnistError
from mnist_core.store import ModelStore
from mnist_core.training import TrainConfig


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
    import mnist_core.pipeline as pipeline

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nmore")

    monkeypatch.setattr(pipeline, "train_model", boom)
    job = TrainingJob("classic", digits, {}, TrainConfig(epochs=1)).start()
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == FAILED
    assert snap.error == "Training failed unexpectedly (ZeroDivisionError: division by zero)."


def test_error_sentence_keeps_mnist_errors():
    assert error_sentence(MnistError("Plain words.")) == "Plain words."


def test_start_twice_runs_once(digits):
    job = TrainingJob("classic", digits, {}, TrainConfig(epochs=1))
    job.start()
    job.start()
    assert job.wait(30) and job.snapshot().status == DONE


def test_default_training():
    assert default_training("classic", "digits")["epochs"] >= 30
    mnist = default_training("classic", "mnist")
    assert mnist["batch_size"] >= 1 and mnist["epochs"] >= 1
    assert isinstance(default_config("classic", "mnist", seed=3), TrainConfig)


def test_plots_make_figures(digits):
    from mnist_core import plots

    assert plots.image_grid(list(digits.x_test[:5]), ["a"] * 5, columns=3).axes
    assert plots.confusion_heatmap(np.eye(10, dtype=int) * 5).axes
    assert len(plots.mean_images(digits).axes) == 10
    assert plots.digit_with_values(digits.x_test[0], 16).axes
    big = plots.upscale(digits.x_test[0], 64, 16)
    assert big.shape == (64, 64) and big.dtype == np.uint8 and big.max() <= 255
