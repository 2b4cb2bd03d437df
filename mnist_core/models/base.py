"""What every model offers, so training, evaluation, persistence, CLI and app treat
them alike.

A model is built from a frozen dataclass of hyperparameters (its ``config``, a
:class:`mnist_core.config.Params`), takes images as float32 in [0, 1] of shape
(n, h, w) or (n, h*w) and does its own scaling.  Iterative models learn one
mini-batch at a time through :meth:`Model.train_batch`; the loop in
:mod:`mnist_core.training` shuffles, reports and stops them.  A model whose solver
runs in one go (scikit-learn's) sets ``iterative = False`` and implements
:meth:`Model.fit_all` instead.

Everything a caller may ask of any model has a default here -- the epoch hook, the
BLAS thread count, notes, the description -- so nobody probes with ``hasattr``.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np

from ..config import TrainConfig, param
from ..errors import InvalidParameter


def n_inputs_param(low: int = 1) -> int:
    return param(784, "Input size", "Pixels per image (set from the dataset).", low=low, high=1_000_000, derived=True)


def n_outputs_param() -> int:
    return param(10, "Outputs", "One output per digit.", low=2, high=10, derived=True)


class Model:
    """Base class: subclasses set the class attributes and the methods below."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: A paragraph for the Train page: what the model is and why it works.
    description: ClassVar[str] = ""
    Config: ClassVar[type]
    #: Recommended training on MNIST: the CLI's, the form's and the benchmark's default.
    training: ClassVar[TrainConfig] = TrainConfig()
    iterative: ClassVar[bool] = True
    #: BLAS threads while training: small GEMMs run fastest on one (numpy's and
    #: scipy's OpenBLAS copies spin against each other on two cores).
    blas_threads: ClassVar[int] = 1
    #: Threads a training batch may be split over (:mod:`mnist_core.models.threads`):
    #: the loop sets ``threads`` to this or the usable cores, whichever is fewer.
    max_threads: ClassVar[int] = 1
    threads: int = 1
    #: Images per chunk in :meth:`predict_proba` (bounds the memory of inference).
    predict_chunk: ClassVar[int] = 4096

    def __init__(self, config: Any, seed: int = 0) -> None:
        self.config = config
        self.rng = np.random.default_rng(seed)
        #: Remarks about the last fit (a solver that stopped early), saved with the model.
        self.notes: list[str] = []

    @property
    def image_shape(self) -> tuple[int, int]:
        """(h, w) of the square images the model takes: 28x28 for MNIST, 8x8 for the digits."""
        side = math.isqrt(self.config.n_inputs)
        return side, side

    # -- inference -------------------------------------------------------
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(n, h, w) or (n, h*w) floats in [0, 1] -> (n, 10) scores that sum to 1,
        computed ``predict_chunk`` images at a time."""
        x = self._flat(images)
        out = np.empty((len(x), self.config.n_outputs), np.float32)
        for s in range(0, len(x), self.predict_chunk):
            out[s:s + self.predict_chunk] = self.proba_chunk(x[s:s + self.predict_chunk])
        return out

    def proba_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) float32 -> (B, 10) probabilities."""
        raise NotImplementedError

    def predict(self, images: np.ndarray) -> np.ndarray:
        """(n, ...) images -> (n,) predicted digits."""
        return np.argmax(self.predict_proba(images), axis=1)

    # -- training ----------------------------------------------------------
    def on_epoch_start(self, epoch: int, epochs: int) -> None:
        """Called before each epoch (1-based): models with a learning-rate schedule set it here."""

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One update on a mini-batch: x (B, n_inputs) floats, y (B,) labels.
        Returns (summed loss over the batch, number classified right before the update)."""
        raise NotImplementedError

    def fit_all(self, x: np.ndarray, y: np.ndarray) -> None:
        """Non-iterative models: fit on all of x (n, n_inputs), y (n,) at once."""
        raise NotImplementedError

    # -- persistence ---------------------------------------------------------
    def get_params(self) -> dict[str, np.ndarray]:
        """The learned arrays, by name (saved in the .npz)."""
        raise NotImplementedError

    @classmethod
    def shapes(cls, config: Any) -> dict[str, tuple]:
        """Name -> shape of every learned array, from the config alone (nothing is
        allocated: a model file is checked against it before it is read).  A dimension
        that may vary is a (low, high) pair."""
        raise NotImplementedError

    def param_shapes(self) -> dict[str, tuple]:
        return type(self).shapes(self.config)

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Restore learned arrays; raises KeyError/ValueError on a mismatch."""
        raise NotImplementedError

    def n_parameters(self) -> int:
        return int(sum(math.prod(shape) for shape in self.param_shapes().values()))  # fixed shapes

    def hyperparameters(self) -> dict[str, Any]:
        return dataclasses.asdict(self.config)

    def _flat(self, images: np.ndarray) -> np.ndarray:
        """Images as float32 (n, n_inputs), checking the size matches the model."""
        x = np.asarray(images, dtype=np.float32)
        x = x.reshape(len(x), -1)
        if x.shape[1] != self.config.n_inputs:
            raise InvalidParameter("This model takes {pixels} pixels per image, got {got}: "
                                   "it was trained on a dataset of another image size.",
                                   pixels=self.config.n_inputs, got=x.shape[1])
        return x


def check_shapes(params: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]]) -> None:
    """Raise ValueError unless ``params`` holds every expected array, each of its expected shape
    (arrays beyond those are refused earlier, when a model file is read)."""
    for name, shape in expected.items():
        if name not in params:
            raise ValueError(f"{name} is missing")
        if tuple(params[name].shape) != tuple(shape):
            raise ValueError(f"{name} has shape {params[name].shape}, expected {tuple(shape)}")


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
        from .optim import scheduled_lr

        self.optimizer.lr = scheduled_lr(self.config.lr, self.config.lr_schedule, epoch, epochs)

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        loss, right, grads = self.gradients(self._flat(x), np.asarray(y, np.intp))
        self.optimizer.step(self.params, grads)
        return loss, right

    def get_params(self) -> dict[str, np.ndarray]:
        return dict(self.params)

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        check_shapes(params, self.param_shapes())
        self.params = {name: np.ascontiguousarray(params[name], np.float32) for name in self.params}
