"""The models, and the registry that names them: one entry per kind, so the CLI, the
app and the model files share one list.

Each model class carries what callers need to know about it: its ``Config`` (whose
fields describe themselves, see :mod:`mnist_core.config`), its recommended
``training``, a ``title`` and a ``description``.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from ..config import TrainConfig, derived_names
from ..errors import InvalidParameter
from .base import Model
from .gradient import GradientModel
from .classic import ClassicConfig, ClassicNetwork
from .cnn import CNN, CNNConfig
from .logreg import LogisticRegressionModel, LogRegConfig
from .mlp import MLP, MLPConfig

#: kind -> Model subclass.  New models register here.
MODELS: dict[str, type[Model]] = {
    ClassicNetwork.kind: ClassicNetwork,
    LogisticRegressionModel.kind: LogisticRegressionModel,
    MLP.kind: MLP,
    CNN.kind: CNN,
}

#: Small datasets get more epochs: at least this many samples seen in all (32 epochs
#: of the 1,437 training digits), or a few hundred mini-batches are too few to learn from.
MIN_SAMPLES_SEEN = 45_000


def model_class(kind: str) -> type[Model]:
    try:
        return MODELS[kind]
    except KeyError:
        raise InvalidParameter("Unknown model {kind!r}: choose one of {kinds}.", kind=kind,
                               kinds=", ".join(MODELS)) from None


def recommended_training(kind: str, n_train: int | None = None, **overrides: Any) -> TrainConfig:
    """The kind's recommended TrainConfig (``Model.training``); on a small training set
    of ``n_train`` images, enough epochs to see :data:`MIN_SAMPLES_SEEN` samples
    (iterative models only).  ``overrides`` replace fields (None values are ignored)."""
    cls = model_class(kind)
    config = cls.training
    if n_train and cls.iterative:
        config = dataclasses.replace(config, epochs=max(config.epochs, -(-MIN_SAMPLES_SEEN // n_train)))
    return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})


def build_model(kind: str, seed: int = 0, **hyperparameters: Any) -> Model:
    """A fresh model; unknown or out-of-range hyperparameters raise InvalidParameter."""
    cls = model_class(kind)
    unknown = set(hyperparameters) - {f.name for f in dataclasses.fields(cls.Config)}
    if unknown:
        raise InvalidParameter("Model {kind!r} has no hyperparameter {names}.", kind=kind,
                               names=", ".join(sorted(unknown)))
    try:
        config = cls.Config(**hyperparameters)
    except TypeError as err:
        raise InvalidParameter("Bad hyperparameters for {kind!r}: {reason}", kind=kind, reason=str(err)) from err
    return cls(config, seed=seed)


def chosen_hyperparameters(kind: str, hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """The hyperparameters a person chose (those that do not follow from the dataset)."""
    derived = derived_names(model_class(kind).Config) if kind in MODELS else frozenset()
    return {k: v for k, v in hyperparameters.items() if k not in derived}


__all__ = ["MODELS", "MIN_SAMPLES_SEEN", "Model", "GradientModel", "ClassicConfig", "ClassicNetwork",
           "LogisticRegressionModel", "LogRegConfig", "MLP", "MLPConfig", "CNN", "CNNConfig", "build_model",
           "model_class", "recommended_training", "chosen_hyperparameters"]
