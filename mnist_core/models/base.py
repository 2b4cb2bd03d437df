"""What every model offers, so training, evaluation, persistence, CLI and app treat
them alike.

A model is built from a frozen dataclass of hyperparameters (its ``config``), takes
images as float32 in [0, 1] of shape (n, h, w) or (n, h*w) and does its own scaling.
Iterative models learn one mini-batch at a time through :meth:`Model.train_batch`;
the generic loop in :mod:`mnist_core.training` shuffles, reports and stops them.
A model whose solver runs in one go (scikit-learn's) sets ``iterative = False`` and
implements :meth:`Model.fit_all` instead.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar

import numpy as np

from ..errors import InvalidParameter


def check_range(name: str, value: float, low: float, high: float, label: str | None = None) -> None:
    """Raise :class:`InvalidParameter` with a sentence unless ``low <= value <= high``."""
    try:
        ok = low <= value <= high and value == value  # NaN fails
    except TypeError:
        ok = False
    if not ok:
        raise InvalidParameter(f"{label or name} must be between {low:g} and {high:g} (got {value!r}).")


class Model:
    """Base class: subclasses set ``kind``, ``Config`` and the methods below."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    Config: ClassVar[type]
    iterative: ClassVar[bool] = True

    def __init__(self, config: Any, seed: int = 0) -> None:
        self.config = config
        self.rng = np.random.default_rng(seed)

    # -- inference -------------------------------------------------------
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(n, h, w) or (n, h*w) floats in [0, 1] -> (n, 10) scores that sum to 1."""
        raise NotImplementedError

    def predict(self, images: np.ndarray) -> np.ndarray:
        """(n, ...) images -> (n,) predicted digits."""
        return np.argmax(self.predict_proba(images), axis=1)

    # -- training ----------------------------------------------------------
    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One update on a mini-batch: x (B, n_inputs) floats, y (B,) labels.
        Returns (summed loss over the batch, number classified right before the update)."""
        raise NotImplementedError

    def fit_all(self, x: np.ndarray, y: np.ndarray, report: Callable[[str], None]) -> None:
        """Non-iterative models: fit on all of x (n, n_inputs), y (n,) at once."""
        raise NotImplementedError

    # -- persistence ---------------------------------------------------------
    def get_params(self) -> dict[str, np.ndarray]:
        """The learned arrays, by name (saved in the .npz)."""
        raise NotImplementedError

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Restore learned arrays; raises KeyError/ValueError on a mismatch."""
        raise NotImplementedError

    def n_parameters(self) -> int:
        return int(sum(np.asarray(v).size for v in self.get_params().values()))

    def hyperparameters(self) -> dict[str, Any]:
        return dataclasses.asdict(self.config)

    def _flat(self, images: np.ndarray) -> np.ndarray:
        """Images as float32 (n, n_inputs), checking the size matches the model."""
        x = np.asarray(images, dtype=np.float32)
        x = x.reshape(len(x), -1)
        n_inputs = getattr(self.config, "n_inputs", x.shape[1])
        if x.shape[1] != n_inputs:
            raise InvalidParameter(
                f"This model takes {n_inputs} pixels per image, got {x.shape[1]}: "
                "it was trained on a dataset of another image size."
            )
        return x


class GradientModel(Model):
    """A model trained by gradient descent on a dict of float32 arrays (MLP, CNN):
    subclasses set ``self.params`` and ``self.optimizer`` and implement
    ``gradients(x, y) -> (summed loss, n_correct, grads by parameter name)``."""

    params: dict[str, np.ndarray]
    optimizer: Any

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int, dict[str, np.ndarray]]:
        raise NotImplementedError

    def on_epoch_start(self, epoch: int, epochs: int) -> None:
        """Set this epoch's learning rate from the schedule (called by the training loop)."""
        from .optim import scheduled_lr

        self.optimizer.lr = scheduled_lr(self.config.lr, self.config.lr_schedule, epoch, epochs)

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        loss, right, grads = self.gradients(self._flat(x), np.asarray(y, np.intp))
        self.optimizer.step(self.params, grads)
        return loss, right

    def get_params(self) -> dict[str, np.ndarray]:
        return dict(self.params)

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        for name, current in self.params.items():
            if params[name].shape != current.shape:
                raise ValueError(f"{name} has shape {params[name].shape}, expected {current.shape}")
        self.params = {name: np.ascontiguousarray(params[name], np.float32) for name in self.params}
