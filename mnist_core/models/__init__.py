"""The model registry: one entry per kind, so CLI, app and persistence share one list."""
from __future__ import annotations

import dataclasses
import sys
from typing import Any

from ..errors import InvalidParameter
from .base import Model
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

#: Recommended training per kind on real MNIST, read by the CLI, the app and
#: :mod:`mnist_core.benchmarks`: TrainConfig's ``epochs`` and ``batch_size``, plus any
#: hyperparameter that should differ from its Config default (none: the defaults are
#: the tuned values).  Measured on 2 cores, seed 0 (``python -m mnist_core.benchmarks``):
#: logreg 92.6 % in ~17 s (it ignores epochs and batch size), mlp 98.4 % in ~10 s,
#: cnn 99.2 % in ~77 s.
DEFAULT_TRAINING: dict[str, dict[str, Any]] = {
    "classic": {"epochs": 5, "batch_size": 16},
    "logreg": {"epochs": 1, "batch_size": 256},
    "mlp": {"epochs": 8, "batch_size": 256},
    "cnn": {"epochs": 6, "batch_size": 64},
}


def model_class(kind: str) -> type[Model]:
    try:
        return MODELS[kind]
    except KeyError:
        raise InvalidParameter(f"Unknown model {kind!r}: choose one of {', '.join(MODELS)}.") from None


def config_fields(kind: str) -> list[dataclasses.Field]:
    """The hyperparameters of a kind (for CLI flags and the Train form)."""
    return list(dataclasses.fields(model_class(kind).Config))


def build_model(kind: str, seed: int = 0, **hyperparameters: Any) -> Model:
    """A fresh model; unknown or out-of-range hyperparameters raise InvalidParameter."""
    cls = model_class(kind)
    names = {f.name for f in dataclasses.fields(cls.Config)}
    unknown = set(hyperparameters) - names
    if unknown:
        raise InvalidParameter(f"Model {kind!r} has no hyperparameter {', '.join(sorted(unknown))}.")
    try:
        config = cls.Config(**hyperparameters)
    except TypeError as err:
        raise InvalidParameter(f"Bad hyperparameters for {kind!r}: {err}") from err
    return cls(config, seed=seed)


#: What the Train page says about a kind beyond its docstring.
KIND_NOTES = {
    "logreg": "Solver liblinear reproduces the second tutorial exactly (96.1 % on the 8x8 digits, "
              "scikit-learn 0.21's default, one-vs-rest); lbfgs is today's default (multinomial).",
}


def kind_description(kind: str) -> str:
    """The model class's title, the first paragraph of its module's docstring, and the
    kind's note (KIND_NOTES) as a second paragraph."""
    cls = model_class(kind)
    doc = (sys.modules[cls.__module__].__doc__ or "").strip().split("\n\n")[0]
    text = f"**{cls.title}.** " + " ".join(doc.split())
    return text + (f"\n\n{KIND_NOTES[kind]}" if kind in KIND_NOTES else "")


__all__ = ["MODELS", "DEFAULT_TRAINING", "Model", "ClassicConfig", "ClassicNetwork", "LogisticRegressionModel",
           "LogRegConfig", "MLP", "MLPConfig", "CNN", "CNNConfig", "build_model", "model_class", "config_fields"]
