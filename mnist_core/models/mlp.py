"""A modern multilayer perceptron in NumPy: what the tutorial's network becomes with
ReLU, biases, softmax cross-entropy, He initialisation and Adam.

    x (B, n_inputs) -> [dense -> ReLU] x len(hidden) -> dense -> softmax (B, 10)

The layers are small pure functions (forward returns what backward needs) so the
CNN reuses them and the tests check each backward pass against finite differences.
Everything is float32 in training (twice the GEMM speed of float64) and
dtype-generic, so the gradient checks run the same code in float64.

Why it beats the classic network (~97.5 %) with the same budget: the softmax
cross-entropy gradient is ``p - t`` (no sigmoid derivative to vanish), ReLU does not
saturate, He initialisation keeps activations at unit scale through the layers, and
Adam adapts a step size per weight.  The default (hidden layers of 384 and 128,
Adam 2e-3 with a cosine decay, batch 256, 8 epochs) reaches ~98.35 % on MNIST
(98.27-98.37 over six seeds) in ~10 s on two cores; 256+128 is ~30 % faster and
~0.1 point worse, a single layer of 512 no better than either and slower.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..errors import InvalidParameter
from .base import GradientModel, check_range
from .optim import OPTIMIZERS, SCHEDULES, make_optimizer

# -- layers -----------------------------------------------------------------------


def dense_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (B, n_in) @ w (n_in, n_out) + b (n_out,) -> (B, n_out)."""
    out = x @ w
    out += b
    return out


def dense_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                   need_dx: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dout (B, n_out) -> dx (B, n_in) (None unless ``need_dx``), dw (n_in, n_out), db (n_out,)."""
    dx = dout @ w.T if need_dx else None
    return dx, x.T @ dout, dout.sum(axis=0)


def relu_forward(x: np.ndarray) -> np.ndarray:
    """max(x, 0), in place: the pre-activation is not needed by backward."""
    return np.maximum(x, 0, out=x)


def relu_backward(dout: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Gradient through ReLU from its *output*: passes where out > 0 (in place on dout)."""
    dout *= out > 0
    return dout


def softmax(logits: np.ndarray) -> np.ndarray:
    """(B, K) -> (B, K) rows summing to 1, shifted by the row max so exp never overflows."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Summed loss -sum log p[y], probabilities p (B, K) and dloss/dlogits = p - onehot(y)."""
    p = softmax(logits)
    rows = np.arange(len(y))
    loss = -float(np.log(np.maximum(p[rows, y], np.finfo(p.dtype).tiny)).sum())
    grad = p.copy()
    grad[rows, y] -= 1
    return loss, p, grad


def he_normal(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...], gain: float = 2.0) -> np.ndarray:
    """normal(0, sqrt(gain / fan_in)) float32: gain 2 keeps ReLU activations at unit
    variance (He et al. 2015); gain 1 for the layer that feeds the softmax."""
    return (rng.standard_normal(shape) * np.sqrt(gain / fan_in)).astype(np.float32)


# -- the model ----------------------------------------------------------------------


def as_int_tuple(value: object, name: str) -> tuple[int, ...]:
    """JSON gives lists, the CLI may give "512,256": both become a tuple of ints."""
    if isinstance(value, str):
        value = [v for v in value.replace(" ", "").split(",") if v]
    try:
        out = tuple(int(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a list of whole numbers such as 512,256 (got {value!r}).") from None
    return out


def check_choice(name: str, value: str, choices: tuple[str, ...], label: str) -> None:
    if value not in choices:
        raise InvalidParameter(f"{label} must be one of {', '.join(choices)} (got {value!r}).")


@dataclass(frozen=True)
class MLPConfig:
    """Hyperparameters, saved with the weights (JSON-friendly: ``hidden`` is rebuilt
    as a tuple from the list JSON gives back)."""

    n_inputs: int = 784
    hidden: tuple[int, ...] = field(default=(384, 128))
    n_outputs: int = 10
    optimizer: str = "adam"
    lr: float = 2e-3
    momentum: float = 0.9
    lr_schedule: str = "cosine"
    weight_decay: float = 0.0
    dropout: float = 0.0

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"optimizer": OPTIMIZERS, "lr_schedule": SCHEDULES}
    HELP: ClassVar[dict[str, str]] = {
        "hidden": "Sizes of the hidden ReLU layers, e.g. 512 or 512,256.",
        "optimizer": "adam adapts a step per weight; sgd uses plain steps with momentum.",
        "lr": "Learning rate: the step size at the start of training.",
        "momentum": "SGD only: share of the previous step carried into the next.",
        "lr_schedule": "How the learning rate falls over the epochs: constant, cosine or step.",
        "weight_decay": "L2 penalty pulling weights towards zero (0 = off).",
        "dropout": "Share of hidden units switched off at random in each training step (0 = off).",
    }

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", as_int_tuple(self.hidden, "Hidden layers"))
        check_range("n_inputs", self.n_inputs, 1, 1_000_000, "Input size")
        check_range("hidden layers", len(self.hidden), 1, 5, "Number of hidden layers")
        for h in self.hidden:
            check_range("hidden", h, 1, 8192, "Hidden layer size")
        check_choice("optimizer", self.optimizer, OPTIMIZERS, "Optimizer")
        check_range("lr", self.lr, 1e-6, 10.0, "Learning rate")
        check_range("momentum", self.momentum, 0.0, 0.999, "Momentum")
        check_choice("lr_schedule", self.lr_schedule, SCHEDULES, "Learning-rate schedule")
        check_range("weight_decay", self.weight_decay, 0.0, 1.0, "Weight decay")
        check_range("dropout", self.dropout, 0.0, 0.9, "Dropout")


class MLP(GradientModel):
    """Weights ``w1, b1, ..., wL, bL``; ``w_i`` is (fan_in, fan_out) so ``x @ w``."""

    kind = "mlp"
    title = "Multilayer perceptron (ReLU, softmax, Adam)"
    Config = MLPConfig
    blas_threads: ClassVar[int] = 1  # measured: 2 threads were erratic, 1.5-5x slower in the loop

    def __init__(self, config: MLPConfig = MLPConfig(), seed: int = 0) -> None:
        super().__init__(config, seed)
        sizes = (config.n_inputs, *config.hidden, config.n_outputs)
        self.params: dict[str, np.ndarray] = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            gain = 1.0 if i == len(sizes) - 1 else 2.0
            self.params[f"w{i}"] = he_normal(self.rng, n_in, (n_in, n_out), gain)
            self.params[f"b{i}"] = np.zeros(n_out, np.float32)
        self.n_layers = len(sizes) - 1
        self.optimizer = make_optimizer(config.optimizer, config.lr, config.momentum)

    def forward(self, x: np.ndarray, train: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
        """x (B, n_inputs) -> logits (B, 10) and the inputs of every dense layer.

        In training, dropout zeroes a random share of each hidden layer's outputs and
        scales the rest by 1 / (1 - dropout), so inference needs no rescaling."""
        inputs = []
        for i in range(1, self.n_layers + 1):
            inputs.append(x)
            x = dense_forward(x, self.params[f"w{i}"], self.params[f"b{i}"])
            if i < self.n_layers:
                x = relu_forward(x)
                if train and self.config.dropout:
                    keep = self.rng.random(x.shape, dtype=np.float32) >= self.config.dropout
                    x *= keep * np.float32(1.0 / (1.0 - self.config.dropout))
        return x, inputs

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        x = self._flat(images)
        return np.concatenate([softmax(self.forward(x[s:s + 4096])[0]) for s in range(0, len(x), 4096)]) \
            if len(x) else np.zeros((0, self.config.n_outputs), np.float32)

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int, dict[str, np.ndarray]]:
        """Summed loss, number right, and the gradient of the *mean* loss for every parameter."""
        logits, inputs = self.forward(x, train=True)
        loss, p, d = softmax_cross_entropy(logits, y)
        right = int(np.count_nonzero(p.argmax(axis=1) == y))
        d /= len(y)  # mean loss: the step size does not depend on the batch size
        grads: dict[str, np.ndarray] = {}
        for i in range(self.n_layers, 0, -1):
            d_in, grads[f"w{i}"], grads[f"b{i}"] = dense_backward(d, inputs[i - 1], self.params[f"w{i}"], i > 1)
            if i > 1:
                d = relu_backward(d_in, inputs[i - 1])  # inputs[i-1] is the ReLU (and dropout) output
                if self.config.dropout:
                    d *= np.float32(1.0 / (1.0 - self.config.dropout))
        if self.config.weight_decay:
            for i in range(1, self.n_layers + 1):
                grads[f"w{i}"] += self.config.weight_decay * self.params[f"w{i}"]
        return loss, right, grads
