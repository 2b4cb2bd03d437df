"""A small detector of drawn non-digits, trained by outlier exposure: the verdict's
fourth score beside its three nearest-neighbour distances.

The distances ask "is this far from every training digit?"; a diagonal line, a plus,
a triangle or a letter is not far enough from some 1, 4, 7 or 4 in any of their
spaces.  A detector that has *seen* such shapes tells them apart much better
(Hendrycks, Mazeika & Dietterich 2019, "Deep anomaly detection with outlier
exposure").  It is a one-hidden-layer network (ReLU, 48 units, sigmoid out) on what
the model would receive: the image pooled 2x2 (where the ink is) and its stroke
directions (:func:`~mnist_core.explain.neighbours.stroke_directions`, which way the
strokes run).  It learns from training images (label 0), mouse-drawn digits (0, so
a pen's even stroke is not what gives a shape away) and generated non-digits of every
kind (1) -- all of them from seeds and rows no measurement uses: the calibration
sample of the :class:`~mnist_core.explain.verdict.DigitSpace` is left out of its
training, so its scores there are honest, and the verdict's threshold is set on them.

It depends on the dataset only, so it lives in the DigitSpace and its cache.
"""
from __future__ import annotations

import numpy as np

from ..data.nondigits import exposure_set
from .neighbours import stroke_directions

#: Hidden units, epochs, Adam's step, batch size and the weight of each generated image.
HIDDEN, EPOCHS, STEP, BATCH, WEIGHT = 48, 10, 2e-3, 128, 4.0
#: Training images the detector learns from (besides the generated ones).
TRAIN_IMAGES = 8000
#: The seed of the generated images it learns from (the measurements use 2026, 2027 and others).
EXPOSURE_SEED = 1


def shape_vectors(images: np.ndarray) -> np.ndarray:
    """(n, h, w) model inputs in [0, 1] -> (n, h*w/4 + 128) float32: the image pooled
    2x2 (an odd side loses its last row and column) beside twice its stroke directions
    (unit vectors, scaled to weigh about as much as the pixels)."""
    x = np.asarray(images, np.float32)
    n, h, w = x.shape
    pooled = x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2).mean(axis=(2, 4)).reshape(n, -1)
    return np.hstack([pooled, 2 * stroke_directions(x)]).astype(np.float32)


def train_detector(digits: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Train on ``digits`` (n, h, w) training images (label 0) and the generated
    :func:`~mnist_core.data.nondigits.exposure_set` of their shape: the weights
    ``w1`` (d, HIDDEN), ``b1``, ``w2`` (HIDDEN, 1), ``b2``, float32 (a few seconds)."""
    bad, good = exposure_set(digits.shape[1:], EXPOSURE_SEED)
    x = shape_vectors(np.concatenate([digits, good, bad]))
    y = np.r_[np.zeros(len(digits) + len(good)), np.ones(len(bad))].astype(np.float32)
    weight = np.r_[np.ones(len(digits)), np.full(len(good) + len(bad), WEIGHT)].astype(np.float32)
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    p = {"w1": rng.normal(0, np.sqrt(2 / d), (d, HIDDEN)).astype(np.float32), "b1": np.zeros(HIDDEN, np.float32),
         "w2": rng.normal(0, np.sqrt(1 / HIDDEN), (HIDDEN, 1)).astype(np.float32), "b2": np.zeros(1, np.float32)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    t = 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for s in range(0, len(x), BATCH):
            b = order[s:s + BATCH]
            h = np.maximum(x[b] @ p["w1"] + p["b1"], 0)
            z = (h @ p["w2"] + p["b2"])[:, 0]
            g = (1 / (1 + np.exp(-z)) - y[b]) * weight[b] / weight[b].sum()  # d(weighted cross-entropy)/dz
            dh = (g[:, None] @ p["w2"].T) * (h > 0)
            grads = {"w2": h.T @ g[:, None], "b2": g.sum(keepdims=True), "w1": x[b].T @ dh + 1e-4 * p["w1"],
                     "b1": dh.sum(axis=0)}
            t += 1
            for k, gk in grads.items():  # Adam
                m[k] = 0.9 * m[k] + 0.1 * gk
                v[k] = 0.999 * v[k] + 0.001 * gk * gk
                p[k] -= (STEP * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)).astype(np.float32)
    return p


def shape_score(weights: dict[str, np.ndarray], images: np.ndarray) -> np.ndarray:
    """(n, h, w) model inputs -> (n,) the detector's log-odds that each is not a digit."""
    h = np.maximum(shape_vectors(images) @ weights["w1"] + weights["b1"], 0)
    return (h @ weights["w2"] + weights["b2"])[:, 0].astype(np.float64)
