"""What the network imagines each digit to be: ten images, one per output.

* The classic network: the book's **back-query** (Rashid, "Make Your Own Neural
  Network", part 3).  Set the outputs to a target (0.99 for the digit, 0.01 for the
  others), undo the sigmoid (its inverse is the logit), send the signal back through
  the transposed weights, and squeeze it into 0.01..0.99 at each layer so the next
  logit is defined.  It is what the network would need to see, run backwards.
* MLP and CNN: **class visualisation** (Simonyan et al. 2013).  Start from a blank
  image and climb the gradient of log p(digit), keeping pixels in [0, 1], with a
  small L2 penalty and a light blur now and then so the picture stays smooth.
* Logistic regression: its **weight template** per digit -- the linear model's
  answer is the template that the image matches best.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.special import logit, softmax

from ..i18n import N_
from ..models.base import Model
from .gradients import _logreg_coef, input_gradient, logits, onehot

METHOD = {  # in English, marked for translation
    "classic": N_("back-query: the target run backwards through the transposed weights (the book's method); "
                  "shown is what is brighter than its grey background"),
    "mlp": N_("class visualisation: gradient ascent on log p(digit) from a blank image"),
    "cnn": N_("class visualisation: gradient ascent on log p(digit) from a blank image"),
    "logreg": N_("each digit's weight template (red: ink there raises the digit's score)"),
}


def _rescale(v: np.ndarray) -> np.ndarray:
    """Into 0.01..0.99 along the last axis, as the book does before each inverse sigmoid."""
    lo, hi = v.min(axis=-1, keepdims=True), v.max(axis=-1, keepdims=True)
    return (v - lo) / np.maximum(hi - lo, 1e-12) * 0.98 + 0.01


def back_query(model: Model) -> np.ndarray:
    """Classic network -> (10, h, w) float32 in 0.01..0.99: the book's images, grey where
    the network does not care (see :func:`as_ink` for what it reads as the digit)."""
    n = model.config.n_outputs
    targets = np.full((n, n), 0.01)
    np.fill_diagonal(targets, 0.99)
    hidden = _rescale(logit(targets) @ model.w_ho.astype(np.float64))  # (10, H)
    inputs = _rescale(logit(hidden) @ model.w_ih.astype(np.float64))  # (10, n_inputs) in 0.01..0.99
    return inputs.astype(np.float32).reshape(n, *model.image_shape)


def as_ink(images: np.ndarray) -> np.ndarray:
    """Back-query images (n, h, w) -> what in them is brighter than their background (the
    median pixel), scaled to [0, 1]: the book's images are grey all over, and the grey
    alone reads as an 8 to the network; the ink above it reads as the digit asked for."""
    flat = images.reshape(len(images), -1)
    background = np.median(flat, axis=1, keepdims=True)
    top = flat.max(axis=1, keepdims=True)
    return np.clip((flat - background) / np.maximum(top - background, 1e-12), 0, 1).reshape(images.shape)


def class_visualisation(model: Model, digit: int, steps: int = 200, lr: float = 0.02,
                        l2: float = 1e-4, blur_every: int = 10) -> np.ndarray:
    """A (h, w) float32 image in [0, 1] the model reads as ``digit``: gradient ascent on
    log p(digit) - l2 * |x|^2 from blank, with Adam's per-pixel steps (plain normalised
    steps stall on a wrong digit for some classes: measured on the MLP, 7 reached 0.18).
    Every ``blur_every`` steps a light blur (sigma 0.5) keeps the picture smooth."""
    shape = model.image_shape
    x = np.zeros((1, shape[0] * shape[1]), np.float32)
    mean, square = np.zeros_like(x), np.zeros_like(x)
    target = onehot(digit)
    for step in range(1, steps + 1):
        p = softmax(logits(model, x).astype(np.float64), axis=1).astype(np.float32)
        g = input_gradient(model, x, target - p) - 2 * l2 * x
        mean = 0.9 * mean + 0.1 * g
        square = 0.999 * square + 0.001 * g * g
        move = (mean / (1 - 0.9 ** step)) / (np.sqrt(square / (1 - 0.999 ** step)) + 1e-8)
        x = np.clip(x + lr * move, 0.0, 1.0).astype(np.float32)
        if blur_every and step % blur_every == 0 and step < steps:
            x = ndimage.gaussian_filter(x.reshape(shape), 0.5).reshape(1, -1)
    return x.reshape(shape)


def templates(model: Model) -> np.ndarray:
    """Logistic regression -> (10, h, w) float32: each digit's weights, signed."""
    return _logreg_coef(model).astype(np.float32).reshape(-1, *model.image_shape)


def imagine(model: Model) -> np.ndarray:
    """(10, h, w): the model's picture of every digit (see :data:`METHOD`); signed for
    logistic regression, in [0, 1] otherwise."""
    if model.kind == "classic":
        return as_ink(back_query(model))
    if model.kind == "logreg":
        return templates(model)
    return np.stack([class_visualisation(model, d) for d in range(model.config.n_outputs)])
