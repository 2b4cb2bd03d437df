"""Optimisers and learning-rate schedules shared by the NumPy models (MLP, CNN).

An optimiser owns no parameters: ``step(params, grads)`` updates the arrays of the
``params`` dict *in place* from the same-named ``grads`` and keeps its own state
(moments, velocities) keyed by those names, so a model hands it the same dicts
every batch.  Updates are computed in the parameters' dtype (float32 in training,
float64 in the gradient checks) and written with in-place ufuncs, because on
arrays of ~1 M weights an extra temporary costs as much as the arithmetic.

Schedules are plain functions of the training progress: models call
:func:`scheduled_lr` from their ``on_epoch_start(epoch, epochs)`` hook.
"""
from __future__ import annotations

import math

import numpy as np

from ..config import param

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "cosine", "step")


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum::

        v = momentum * v - lr * g
        p = p + v
    """

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        self.lr = lr
        self.momentum = momentum
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for name, p in params.items():
            g = grads[name]
            if self.momentum == 0.0:
                p -= p.dtype.type(self.lr) * g
                continue
            v = self.velocity.get(name)
            if v is None:
                v = self.velocity[name] = np.zeros_like(p)
            v *= p.dtype.type(self.momentum)
            v -= p.dtype.type(self.lr) * g
            p += v


class Adam:
    """Adam (Kingma & Ba, 2015): per-weight steps scaled by running moments::

        m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
        p -= lr_t * m / (sqrt(v) + eps)  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)

    (the bias correction folded into ``lr_t`` as in the paper's section 2).
    """

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr = lr
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.scratch: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        lr_t = self.lr * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        for name, p in params.items():
            g = grads[name]
            if name not in self.m:
                self.m[name], self.v[name], self.scratch[name] = (np.zeros_like(p) for _ in range(3))
            m, v, s = self.m[name], self.v[name], self.scratch[name]
            f = p.dtype.type
            # Every operation writes into m, v or the scratch buffer, so a step allocates
            # nothing.  It is memory-bound all the same: ~1.3 ms per 400k weights here,
            # a third of an MLP step -- one reason the MLP trains with batches of 256.
            np.subtract(g, m, out=s)
            s *= f(1.0 - b1)
            m += s                      # m = b1 m + (1 - b1) g
            np.multiply(g, g, out=s)
            s -= v
            s *= f(1.0 - b2)
            v += s                      # v = b2 v + (1 - b2) g^2
            np.sqrt(v, out=s)
            s += f(self.eps)
            np.divide(m, s, out=s)
            s *= f(lr_t)
            p -= s


def make_optimizer(name: str, lr: float, momentum: float = 0.9) -> SGD | Adam:
    """``"adam"`` or ``"sgd"`` (with ``momentum``); the config has validated the name."""
    if name == "adam":
        return Adam(lr)
    if name == "sgd":
        return SGD(lr, momentum)
    raise ValueError(f"unknown optimizer {name!r}")


def scheduled_lr(base_lr: float, schedule: str, epoch: int, epochs: int) -> float:
    """Learning rate for ``epoch`` (1-based) of ``epochs``.

    ``constant``: always ``base_lr``.  ``cosine``: half a cosine from ``base_lr`` in
    the first epoch towards 0 after the last (the last epoch still learns, at
    ``base_lr * (1 - cos(pi / epochs)) / 2``).  ``step``: divided by 10 for the last
    third of the epochs and by 100 for a final tenth -- the classic step recipe.
    """
    epochs = max(int(epochs), 1)
    progress = min(max(epoch - 1, 0), epochs - 1) / epochs  # 0 in epoch 1, < 1 in the last
    if schedule == "cosine":
        return base_lr * 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "step":
        if progress >= 0.9 and epochs >= 10:
            return base_lr * 0.01
        return base_lr * (0.1 if progress >= 2 / 3 and epochs >= 3 else 1.0)
    return base_lr


# -- the hyperparameters every gradient-trained model shares, described once ---------

def optimizer_param() -> str:
    return param("adam", "Optimizer", "adam adapts a step per weight; sgd takes plain steps with momentum.",
                 choices=OPTIMIZERS)


def momentum_param() -> float:
    return param(0.9, "Momentum", "SGD only: share of the previous step carried into the next.", low=0.0, high=0.999)


def schedule_param() -> str:
    return param("cosine", "Learning-rate schedule",
                 "How the learning rate falls over the epochs: constant, cosine or step.", choices=SCHEDULES)


def lr_param(default: float) -> float:
    return param(default, "Learning rate", "The step size at the start of training.", low=1e-6, high=10.0)
