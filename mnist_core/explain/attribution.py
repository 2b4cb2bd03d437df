"""Which pixels decided: two answers that complement each other.

* **Saliency** (Simonyan et al. 2013): the gradient of the digit's score with respect
  to every pixel -- which pixels, changed a little, would change the score most.  It
  is exact and instant, but local: it says nothing of what removing a stroke does.
* **Occlusion** (Zeiler & Fergus 2014): cover a patch with background, and record how
  much the digit's probability drops.  Slower (one prediction per patch position,
  all in one batch) but it asks the model directly, so it works for any model,
  logistic regression included.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.base import Model
from .gradients import onehot


def saliency(model: Model, image: np.ndarray, digit: int) -> np.ndarray:
    """image (h, w) -> (h, w) float32: d(score of ``digit``)/d(pixel), signed.

    The score is the model's own before the output squashing (the classic network's
    output-node input, the MLP's and CNN's logit, logistic regression's linear score),
    so a confident answer does not flatten the map to zero."""
    return model.input_gradient(image[None], onehot(digit))[0].reshape(image.shape)


@dataclass(frozen=True, eq=False)
class Occlusion:
    """``drops`` (rows, cols): the probability of ``digit`` lost when the patch at each
    position is covered (negative: it rose); ``heat`` (h, w): each pixel's mean drop
    over the patches covering it; ``baseline``: the probability with nothing covered."""

    digit: int
    patch: int
    stride: int
    baseline: float
    drops: np.ndarray
    heat: np.ndarray


def occlusion(model: Model, image: np.ndarray, digit: int, patch: int | None = None,
              stride: int | None = None) -> Occlusion:
    """Slide a ``patch`` x ``patch`` square of background over ``image`` (h, w) with
    ``stride``; by default 6 and 2 on 28x28 (a stroke's width), 2 and 1 on 8x8.

    A patch that covers no ink changes nothing, so it is not even predicted: its drop is 0."""
    h, w = image.shape
    patch = patch or max(2, round(h * 6 / 28))
    stride = stride or max(1, patch // 3)
    tops = list(range(0, h - patch + 1, stride))
    lefts = list(range(0, w - patch + 1, stride))
    base = float(model.predict_proba(image[None])[0][digit])
    drops = np.zeros((len(tops), len(lefts)), np.float32)
    covered, where = [], []
    for r, top in enumerate(tops):
        for c, left in enumerate(lefts):
            if image[top:top + patch, left:left + patch].any():
                hidden = image.copy()
                hidden[top:top + patch, left:left + patch] = 0.0
                covered.append(hidden)
                where.append((r, c))
    if covered:
        proba = model.predict_proba(np.stack(covered))[:, digit]
        for (r, c), p in zip(where, proba):
            drops[r, c] = base - float(p)
    total = np.zeros((h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    for r, top in enumerate(tops):
        for c, left in enumerate(lefts):
            total[top:top + patch, left:left + patch] += drops[r, c]
            count[top:top + patch, left:left + patch] += 1
    return Occlusion(digit, patch, stride, base, drops, total / np.maximum(count, 1))
