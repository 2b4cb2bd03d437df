import numpy as np
import pytest

from mnist_core.errors import InvalidParameter
from mnist_core.models import build_model
from mnist_core.models.base import Model
from mnist_core.training.pipeline import train_model
from mnist_core.training import TrainConfig, train


class Recorder:
    def __init__(self):
        self.batches, self.epochs = [], []

    def on_batch_end(self, samples_seen, logs):
        self.batches.append(samples_seen)

    def on_epoch_end(self, epoch, logs):
        self.epochs.append((epoch, logs))


def test_callbacks_report_progress_and_history_is_returned(digits):
    rec = Recorder()
    model = build_model("classic", n_inputs=64, hidden=50)
    history = train(model, digits, TrainConfig(epochs=3, batch_size=8), [rec])
    assert [e for e, _ in rec.epochs] == [1, 2, 3]
    assert rec.batches == sorted(rec.batches) and rec.batches[-1] == 3 * len(digits.x_train)
    assert len(history.epochs) == 3 and history.samples_seen == 3 * len(digits.x_train)
    assert 0 <= history.test_accuracy <= 1 and history.train_seconds > 0
    assert not history.stopped


def test_training_is_reproducible_from_the_seed(digits):
    runs = []
    for _ in range(2):
        model = build_model("classic", seed=3, n_inputs=64, hidden=30)
        train(model, digits, TrainConfig(epochs=2, seed=3))
        runs.append(model.get_params()["w_ih"])
    np.testing.assert_array_equal(*runs)
    other = build_model("classic", seed=4, n_inputs=64, hidden=30)
    train(other, digits, TrainConfig(epochs=2, seed=4))
    assert not np.array_equal(runs[0], other.get_params()["w_ih"])


def test_should_stop_stops_between_batches(digits):
    calls = []
    model = build_model("classic", n_inputs=64, hidden=30)
    history = train(model, digits, TrainConfig(epochs=50, batch_size=16),
                    should_stop=lambda: calls.append(1) or len(calls) >= 10)
    assert history.stopped and history.samples_seen == 160 and len(history.epochs) == 1


class Exploding(Model):
    kind = "exploding"

    def __init__(self):
        super().__init__(None)

    def train_batch(self, x, y):
        return float("nan"), 0

    def predict_proba(self, images):  # what the loop evaluates the test set with (and keeps)
        return np.full((len(images), 10), 0.1)


def test_a_nan_loss_stops_the_run_with_a_sentence(digits):
    history = train(Exploding(), digits, TrainConfig(epochs=3))
    assert history.stopped and "lower the learning rate" in history.diverged
    assert len(history.epochs) == 1 and not history.epochs[0]["complete"]


def test_an_epoch_at_chance_is_divergence(mnist):
    """The tutorial's network at lr 10 saturates: no NaN, but it learns nothing."""
    result = train_model("classic", mnist, {"lr": 10.0}, TrainConfig(epochs=3))
    assert result.history.diverged and "chance accuracy" in result.history.diverged
    assert len(result.history.epochs) == 1 and result.meta["status"] == "diverged"


def test_a_learning_run_is_not_divergence(digits):
    result = train_model("classic", digits, {}, TrainConfig(epochs=2))
    assert result.history.diverged is None and result.meta["status"] == "done"


@pytest.mark.parametrize("kwargs", [{"epochs": 0}, {"batch_size": 0}, {"epochs": 10**6}])
def test_bad_train_config_is_refused(kwargs):
    with pytest.raises(InvalidParameter):
        TrainConfig(**kwargs)


def test_one_epoch_on_real_mnist_learns(mnist_classic):
    """The tutorial's network after a single epoch: well above 90 % on the test set."""
    assert mnist_classic.test_accuracy > 0.93
    assert mnist_classic.meta["dataset"] == "mnist" and mnist_classic.meta["n_train"] == 60000


def test_pipeline_fits_the_model_to_the_dataset(digits):
    result = train_model("classic", digits, {"hidden": 20}, TrainConfig(epochs=1))
    assert result.model.config.n_inputs == 64
    assert result.meta["image_shape"] == [8, 8] and result.meta["hyperparameters"]["hidden"] == 20
