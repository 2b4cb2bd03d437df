"""The part of a model trained by gradient descent that does not depend on its layers:
one optimiser step per mini-batch, the learning-rate schedule, and its learned arrays as
a dict of float32 arrays.  The MLP and the CNN build on it; each writes its own
``gradients`` (forward and backward pass) beside its forward pass."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Model, check_shapes
from .optim import scheduled_lr


class GradientModel(Model):
    """A model trained by gradient descent on a dict of float32 arrays (MLP, CNN):
    subclasses set ``self.params`` and ``self.optimizer`` and implement
    ``gradients(x, y) -> (summed loss, n_correct, grads by parameter name)``."""

    params: dict[str, np.ndarray]
    optimizer: Any

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int, dict[str, np.ndarray]]:
        raise NotImplementedError

    def on_epoch_start(self, epoch: int, epochs: int) -> None:
        """Set this epoch's learning rate from the schedule."""
        self.optimizer.lr = scheduled_lr(self.config.lr, self.config.lr_schedule, epoch, epochs)

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        loss, right, grads = self.gradients(self.inputs(x), np.asarray(y, np.intp))
        self.optimizer.step(self.params, grads)
        return loss, right

    def get_params(self) -> dict[str, np.ndarray]:
        return dict(self.params)

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        check_shapes(params, self.param_shapes())
        self.params = {name: np.ascontiguousarray(params[name], np.float32) for name in self.params}
