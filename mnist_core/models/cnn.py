"""A small convolutional network in NumPy: LeNet's idea with today's parts.

    x (B, H, W, 1) -> [conv KxK -> maxpool 2x2 -> ReLU] per entry of ``channels``
    -> flatten -> dense -> ReLU -> dense -> softmax (B, 10)

The default (16 and 32 maps of 5x5, 'valid' on 28x28: 28 -> 24 -> 12 -> 8 -> 4,
dense 128, Adam 3e-3 with a cosine decay, batch 64, 3 epochs) reaches ~99.35 % on
MNIST (99.30-99.36 for seeds 0-2) in 0.4x the time of the former recipe (Adam 1e-3,
6 epochs: 99.23 %); 3 epochs at 2e-3 were less steady (99.06-99.33).  Predicting one
digit takes well under a millisecond.

The layers (im2col convolution and 2x2 max-pooling, fused in training) are in
:mod:`mnist_core.models.layers`.  The bias and the ReLU come *after* the pool: the
max of conv + b is the max of conv, + b, and ReLU and max commute (both monotonic),
so the result is that of conv + bias -> ReLU -> pool, on a quarter of the values.
A training batch is computed in two halves, on two cores when there are: the second
in a forked helper process (:mod:`mnist_core.models.part_helpers`), or where there is no
fork in a thread (:mod:`mnist_core.models.threads`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..config import Params, TrainConfig, param
from ..errors import InvalidParameter
from ..i18n import N_
from .base import UnitTerms, n_inputs_param, n_outputs_param
from .gradient import GradientModel
from .layers import (conv_forward, conv_out_side, conv_pool_backward, conv_pool_forward, dense_backward,
                     dense_forward, he_normal, maxpool_forward, relu_backward, relu_forward, softmax,
                     softmax_cross_entropy)
from .optim import lr_param, make_optimizer, momentum_param, optimizer_param, schedule_param
from .terms import conv_terms, dense_terms, pool_terms, unit_sum
from .threads import split_gradients

# -- the model ----------------------------------------------------------------------

PADDINGS = ("auto", "valid", "same")


def plan_blocks(side: int, n_blocks: int, k: int, padding: str) -> tuple[int, int]:
    """(padding in pixels, side of the last pooled map) for a ``side``x``side`` image.

    'valid' (LeNet's: 28 -> 24 -> 12 -> 8 -> 4 with k=5) leaves the second conv a third
    of the positions of 'same' (28 -> 14 -> 7) and measured 2.3x faster per epoch, but
    leaves nothing of an 8x8 image; 'auto' takes 'valid' where it fits, else 'same'."""
    for mode in (("valid", "same") if padding == "auto" else (padding,)):
        pad, s = (0 if mode == "valid" else k // 2), side
        for _ in range(n_blocks):
            s = max(conv_out_side(s, k, pad), 0) // 2
        if s >= 1:
            return pad, s
    raise InvalidParameter("A {side}x{side} image is too small for {blocks} conv blocks of {kernel}x{kernel} "
                           "with {padding!r} padding: use fewer blocks, a smaller kernel or 'same' padding.",
                           side=side, blocks=n_blocks, kernel=k, padding=padding)


@dataclass(frozen=True)
class CNNConfig(Params):
    """Hyperparameters, saved with the weights (``channels`` rebuilt as a tuple)."""

    n_inputs: int = n_inputs_param(low=4)
    channels: tuple[int, ...] = param((16, 32), "Channels", "Feature maps of each conv+pool block, e.g. 16,32 "
                                      "(each block halves the image).", low=1, high=256, count=(1, 4))
    kernel_size: int = param(5, "Kernel size", "Width of the square convolution kernels, an odd number "
                             "(5 = LeNet's).", low=1, high=9)
    padding: str = param("auto", "Padding", "valid shrinks each map by kernel-1 (faster), same keeps its size; "
                         "auto: valid if it fits.", choices=PADDINGS)
    hidden: int = param(128, "Dense layer", "Size of the dense ReLU layer before the output (0 = none).",
                        low=0, high=4096)
    n_outputs: int = n_outputs_param()
    optimizer: str = optimizer_param()
    lr: float = lr_param(3e-3)
    momentum: float = momentum_param()
    lr_schedule: str = schedule_param()

    def check(self) -> None:
        side = math.isqrt(self.n_inputs)
        if side * side != self.n_inputs:
            raise InvalidParameter("The CNN needs square images; {pixels} pixels are not a square.", pixels=self.n_inputs)
        if self.kernel_size % 2 == 0:
            raise InvalidParameter("Kernel size must be odd (got {kernel}).", kernel=self.kernel_size)
        plan_blocks(side, len(self.channels), self.kernel_size, self.padding)


class CNN(GradientModel):
    """Conv weights ``conv{i}_w`` (k, k, C_in, C_out) and ``conv{i}_b``; dense ``fc{j}_w``
    (fan_in, fan_out) and ``fc{j}_b``."""

    kind = "cnn"
    title = N_("Convolutional network (LeNet-style, NumPy)")
    description = N_("LeNet's idea with today's parts: small convolution kernels slide over the image and "
                     "learn strokes and corners wherever they are, max-pooling halves each map, and a dense "
                     "layer reads the result.")
    Config = CNNConfig
    training = TrainConfig(epochs=3, batch_size=64)
    predict_chunk = 256  # the im2col rows of 256 images are ~80 MB
    feature_space = N_("the dense layer's ReLU outputs")
    max_threads = 2  # a batch in halves, on two cores when there are: mnist_core.models.threads

    def __init__(self, config: CNNConfig = CNNConfig(), seed: int = 0) -> None:
        super().__init__(config, seed)
        c, k = config, config.kernel_size
        self.side = math.isqrt(c.n_inputs)
        self.pad, last_side = plan_blocks(self.side, len(c.channels), k, c.padding)
        self.params: dict[str, np.ndarray] = {}
        c_in = 1
        for i, c_out in enumerate(c.channels, start=1):
            self.params[f"conv{i}_w"] = he_normal(self.rng, k * k * c_in, (k, k, c_in, c_out))
            self.params[f"conv{i}_b"] = np.zeros(c_out, np.float32)
            c_in = c_out
        flat = last_side ** 2 * c_in
        sizes = (flat, c.hidden, c.n_outputs) if c.hidden else (flat, c.n_outputs)
        self.n_fc = len(sizes) - 1
        for j, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"fc{j}_w"] = he_normal(self.rng, n_in, (n_in, n_out), 1.0 if j == self.n_fc else 2.0)
            self.params[f"fc{j}_b"] = np.zeros(n_out, np.float32)
        self.optimizer = make_optimizer(c.optimizer, c.lr, c.momentum)

    @classmethod
    def shapes(cls, config: CNNConfig) -> dict[str, tuple]:
        k, side = config.kernel_size, math.isqrt(config.n_inputs)
        _, last_side = plan_blocks(side, len(config.channels), k, config.padding)
        out: dict[str, tuple] = {}
        c_in = 1
        for i, c_out in enumerate(config.channels, start=1):
            out[f"conv{i}_w"], out[f"conv{i}_b"] = (k, k, c_in, c_out), (c_out,)
            c_in = c_out
        flat = last_side ** 2 * c_in
        sizes = (flat, config.hidden, config.n_outputs) if config.hidden else (flat, config.n_outputs)
        for j, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            out[f"fc{j}_w"], out[f"fc{j}_b"] = (n_in, n_out), (n_out,)
        return out

    def forward(self, x: np.ndarray, train: bool = False) -> tuple[np.ndarray, list[tuple]]:
        """x (B, n_inputs) -> logits (B, 10) and, when training, what backward needs."""
        p, caches = self.params, []
        x = x.reshape(len(x), self.side, self.side, 1)
        for i in range(1, len(self.config.channels) + 1):
            # Conv and pool in one (the bias after the pool, on a quarter of the values).
            pooled, cache = conv_pool_forward(x, p[f"conv{i}_w"], p[f"conv{i}_b"], self.pad, need_grad=train)
            caches.append((x, cache))
            x = relu_forward(pooled)
        x = x.reshape(len(x), -1)
        for j in range(1, self.n_fc + 1):
            caches.append(x)
            x = dense_forward(x, p[f"fc{j}_w"], p[f"fc{j}_b"])
            if j < self.n_fc:
                x = relu_forward(x)
        return x, caches

    def proba_chunk(self, x: np.ndarray) -> np.ndarray:
        return softmax(self.forward(x)[0])

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int, dict[str, np.ndarray]]:
        """Summed loss, number right, and d(mean loss)/d(every parameter), the batch
        in two halves, on two cores when the loop allows: in a forked helper process
        (:mod:`mnist_core.models.part_helpers`) or else a thread (:mod:`mnist_core.models.threads`)."""
        return split_gradients(self.part_gradients, x, y, self.max_threads, self.threads, self.helpers)

    def part_gradients(self, x: np.ndarray, y: np.ndarray, batch: int) -> tuple[float, int, dict[str, np.ndarray]]:
        """x (b, n_inputs), y (b,), part of a batch of ``batch`` images -> summed loss,
        number right, and this part's share of d(the batch's mean loss)/d(every parameter)."""
        p, n_conv = self.params, len(self.config.channels)
        logits, caches = self.forward(x, train=True)
        loss, prob, d = softmax_cross_entropy(logits, y)
        right = int(np.count_nonzero(prob.argmax(axis=1) == y))
        d /= batch
        grads: dict[str, np.ndarray] = {}
        for j in range(self.n_fc, 0, -1):
            x_in = caches[n_conv + j - 1]
            d, grads[f"fc{j}_w"], grads[f"fc{j}_b"] = dense_backward(d, x_in, p[f"fc{j}_w"])
            d = relu_backward(d, x_in)  # x_in is a ReLU output (of a dense layer or the last pool)
        for i in range(n_conv, 0, -1):  # no gradient for the image: conv1's dx is skipped
            x_in, cache = caches[i - 1]
            d, grads[f"conv{i}_w"], grads[f"conv{i}_b"] = conv_pool_backward(
                d.reshape(self._pooled_shape(i, len(x_in))), cache, x_in.shape, p[f"conv{i}_w"], self.pad, i > 1)
            if i > 1:
                d = relu_backward(d, x_in)  # x_in is the ReLU output of block i - 1
        return loss, right, grads

    # -- explanations (see mnist_core.models.base) ---------------------------------------
    def backward_to_input(self, d: np.ndarray, caches: list[tuple]) -> np.ndarray:
        """d = d(loss)/d(logits) (B, 10) -> d(loss)/d(pixels) (B, n_inputs): the path of
        :meth:`gradients`, with ``caches`` of ``forward(x, train=True)``, taken one step
        further (through conv1 to the image) and without the parameters' gradients."""
        p, n_conv = self.params, len(self.config.channels)
        for j in range(self.n_fc, 0, -1):
            d = relu_backward(d @ p[f"fc{j}_w"].T, caches[n_conv + j - 1])  # its input is a ReLU output
        for i in range(n_conv, 0, -1):
            x_in, cache = caches[i - 1]
            d = conv_pool_backward(d.reshape(self._pooled_shape(i, len(x_in))), cache, x_in.shape,
                                   p[f"conv{i}_w"], self.pad)[0]
            if i > 1:
                d = relu_backward(d, x_in)  # x_in is the ReLU output of block i - 1
        return d.reshape(len(d), -1)

    def _pooled_shape(self, block: int, n: int) -> tuple[int, int, int, int]:
        """(n, h, w, C) of conv block ``block``'s pooled output (1-based)."""
        side, k = self.side, self.config.kernel_size
        for _ in range(block):
            side = conv_out_side(side, k, self.pad) // 2
        return n, side, side, self.config.channels[block - 1]

    def features_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) -> the input of the output layer: the dense layer's ReLU outputs
        (B, hidden), or the last pooled maps flattened when there is no dense layer."""
        return self.forward(x)[1][-1]

    def logits_chunk(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[0]

    def input_gradient(self, images: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        """(n, ...) images, upstream (n, 10) -> (n, n_inputs): :meth:`backward_to_input`."""
        _, caches = self.forward(self.inputs(images), train=True)  # train: keep the pooling masks
        return self.backward_to_input(np.asarray(upstream, np.float32), caches)

    def layer_names(self) -> list[str]:
        blocks = [f"{stage} {i}" for i in range(1, len(self.config.channels) + 1) for stage in ("conv", "pool")]
        return ["input", *blocks, *(f"dense {j}" for j in range(1, self.n_fc)), "output"]

    def layer_activations(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """input (n, n_inputs); per block, ``conv i`` (n, C_i, h, w) after its ReLU and
        ``pool i`` (n, C_i, h/2, w/2); each dense layer (n, units); softmax (n, 10).
        A few images at a time: nothing is chunked."""
        p, x = self.params, self.inputs(images)
        out: list[np.ndarray] = [x]
        a = x.reshape(len(x), self.side, self.side, 1)
        for i in range(1, len(self.config.channels) + 1):
            conv, _ = conv_forward(a, p[f"conv{i}_w"], p[f"conv{i}_b"], self.pad)
            out.append(np.ascontiguousarray(np.maximum(conv, 0).transpose(0, 3, 1, 2)))
            a = relu_forward(maxpool_forward(conv, need_grad=False)[0])  # = pool of the ReLU'd conv
            out.append(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))
        a = a.reshape(len(a), -1)
        for j in range(1, self.n_fc + 1):
            a = dense_forward(a, p[f"fc{j}_w"], p[f"fc{j}_b"])
            out.append(relu_forward(a).copy() if j < self.n_fc else softmax(a))
        return list(zip(self.layer_names(), out))

    def unit_terms(self, image: np.ndarray, layer: int, index: int) -> UnitTerms:
        """A conv unit is one position (c, y, x) of one feature map: kernel weight times the
        input patch under it over every in-channel (padding adds nothing and is left out),
        plus the map's bias, then ReLU.  A pool unit is the max over its 2x2 window (weight
        1 on the value taken, 0 on the others).  A dense unit reads the last pooled maps,
        ``input_index`` counted in their (c, h, w) order."""
        acts = self.layer_activations(np.asarray(image)[None])
        n_conv = len(self.config.channels)
        self._check_unit(layer, index, acts[min(max(layer, 1), len(acts) - 1)][1][0].size)
        prev, here = acts[layer - 1][1][0].astype(np.float64), acts[layer][1][0]
        if layer == 1:
            prev = prev.reshape(1, self.side, self.side)
        if layer > 2 * n_conv:
            j = layer - 2 * n_conv
            terms = dense_terms(self.params[f"fc{j}_w"][:, index], prev)
            bias, function = float(self.params[f"fc{j}_b"][index]), "relu" if j < self.n_fc else "softmax"
        elif layer % 2 == 0:
            terms, bias, function = pool_terms(prev, np.unravel_index(index, here.shape)), 0.0, "max"
        else:
            c, y, x = np.unravel_index(index, here.shape)
            terms = conv_terms(self.params[f"conv{(layer + 1) // 2}_w"][..., c], prev, y - self.pad, x - self.pad)
            bias, function = float(self.params[f"conv{(layer + 1) // 2}_b"][c]), "relu"
        return unit_sum(layer, index, terms, bias, function, float(here.ravel()[index]))

    def first_layer_images(self) -> np.ndarray:
        """The conv1 filters (C, k, k)."""
        return np.ascontiguousarray(self.params["conv1_w"][:, :, 0, :].transpose(2, 0, 1), np.float32)

    def feature_maps(self, image: np.ndarray) -> list[np.ndarray]:
        """Each conv block's maps (C_i, h_i, w_i) after its ReLU, before its pooling."""
        acts = self.layer_activations(np.asarray(image)[None])
        return [a[0] for _, a in acts[1:2 * len(self.config.channels):2]]

    @classmethod
    def run_cost(cls, config: CNNConfig, training: TrainConfig, n_train: int) -> tuple[float, float]:
        """Weights as the default counts them; per image, each conv block's im2col rows
        (Ho*Wo*k*k*C_in) and maps (Ho*Wo*C_out, with the pooled copy and the routes) twice
        (forward, and their gradients backward), and its multiply-adds (2 FLOPs each, 3 passes)."""
        weights, dense_flops = super().run_cost(config, training, n_train)
        k, side, c_in = config.kernel_size, math.isqrt(config.n_inputs), 1
        pad, _ = plan_blocks(side, len(config.channels), k, config.padding)
        values = macs = 0.0
        for c_out in config.channels:
            out = conv_out_side(side, k, pad)
            values += out * out * (k * k * c_in + 3 * c_out)
            macs += out * out * k * k * c_in * c_out
            side, c_in = out // 2, c_out
        batch = max(training.batch_size, cls.predict_chunk)
        return weights + 4.0 * 2 * batch * values, dense_flops + 6.0 * macs * n_train * training.epochs
