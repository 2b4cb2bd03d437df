"""Ready experiments: a few runs that differ in one setting, queued together and then
compared side by side (the app's Train page lists them; the CLI could run them too).

Each :class:`Experiment` names its runs as ``(model kind, hyperparameters)``; everything
else is the kind's recommended training (:func:`mnist_core.models.recommended_training`)
with short runs: :attr:`Experiment.epochs` epochs on MNIST, so that a class sees the
result in seconds to half a minute, and on a small training set (the 8x8 digits) as
many as :data:`~mnist_core.models.MIN_SAMPLES_SEEN` samples need (32).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import TrainConfig
from ..data.datasets import Dataset
from ..errors import InvalidParameter
from ..i18n import N_
from ..models import MIN_SAMPLES_SEEN, model_class, recommended_training
from ..storage import ModelStore
from .job_state import Job
from .jobs import JobManager


@dataclass(frozen=True)
class Experiment:
    """Runs that differ in one setting."""

    key: str
    title: str
    #: What to look for on Compare, one sentence.
    question: str
    #: ``(model kind, hyperparameters)`` per run, in the order Compare shows them.
    runs: tuple[tuple[str, dict[str, Any]], ...]
    #: Epochs on MNIST (a small training set gets more, see the module docstring).
    epochs: int

    def plan(self, n_train: int) -> list[tuple[str, dict[str, Any], TrainConfig]]:
        """``(kind, hyperparameters, TrainConfig)`` of each run on ``n_train`` training images."""
        planned = []
        for kind, hyper in self.runs:
            epochs = max(self.epochs, -(-MIN_SAMPLES_SEEN // n_train)) if model_class(kind).iterative else None
            planned.append((kind, dict(hyper), recommended_training(kind, n_train, epochs=epochs)))
        return planned


#: The ready experiments, by key.  On MNIST, on 2 cores: the first two take a few
#: seconds, the third about half a minute (the CNN's two epochs).
EXPERIMENTS: dict[str, Experiment] = {e.key: e for e in (
    Experiment("hidden", N_("Hidden nodes: 10 vs 50 vs 200"),
               N_("Does a bigger hidden layer read more digits, and which labels gain most?"),
               tuple(("classic", {"hidden": h}) for h in (10, 50, 200)), epochs=3),
    Experiment("lr", N_("Learning rate: 0.01 vs 0.1 vs 1"),
               N_("Too small learns slowly, too large overshoots: which curve climbs fastest, which ends highest?"),
               tuple(("classic", {"lr": lr}) for lr in (0.01, 0.1, 1.0)), epochs=3),
    Experiment("architectures", N_("Classic vs MLP vs CNN"),
               N_("The tutorial's network, a modern MLP and a CNN with their own recommended settings: "
                  "how far apart are they, and on which images?"),
               (("classic", {}), ("mlp", {}), ("cnn", {})), epochs=2),
)}


def experiment(key: str) -> Experiment:
    try:
        return EXPERIMENTS[key]
    except KeyError:
        raise InvalidParameter("Unknown experiment {key!r}: choose one of {known}.", key=key,
                               known=", ".join(EXPERIMENTS)) from None


def queue(jobs: JobManager, workspace: str, exp: Experiment, dataset: Dataset,
          store: ModelStore | None = None) -> list[Job]:
    """Queue the experiment's runs on ``dataset`` for ``workspace`` (all or, with a
    sentence, none: see :meth:`JobManager.submit_many`), in the order of its runs."""
    return jobs.submit_many(workspace, dataset, exp.plan(len(dataset.x_train)), store)
