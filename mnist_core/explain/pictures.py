"""Arrays as pictures for the explanations, in NumPy (no matplotlib: a figure takes
~0.2 s to draw, these take microseconds): signed values in blue-white-red, images as
white ink on black like MNIST, heat maps over an image, and grids of many small ones.
Every function returns RGB uint8 (H, W, 3)."""
from __future__ import annotations

import math

import numpy as np

GAP_GREY = 160


def zoom(rgb: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel as a ``factor`` x ``factor`` block (pixels stay visible when enlarged)."""
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1) if factor > 1 else rgb


def grey(image: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """(h, w) ink in [0, vmax] -> white on black."""
    top = float(vmax if vmax is not None else max(float(np.max(image)), 1e-12))
    v = np.clip(np.asarray(image, np.float32) / top, 0, 1)
    return np.repeat((v * 255).round().astype(np.uint8)[..., None], 3, axis=2)


def diverging(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """(h, w) signed values -> red where positive, blue where negative, white at zero;
    ``scale`` (default the largest size) is full colour."""
    v = np.asarray(values, np.float32)
    s = float(scale if scale is not None else np.max(np.abs(v)))
    v = np.clip(v / s, -1, 1) if s > 0 else np.zeros_like(v)
    fade = 1.0 - np.abs(v)
    rgb = np.stack([np.where(v > 0, 1.0, fade), fade, np.where(v < 0, 1.0, fade)], axis=-1)
    return (rgb * 255).round().astype(np.uint8)


def overlay(image: np.ndarray, heat: np.ndarray, scale: float | None = None) -> np.ndarray:
    """The image (h, w) in dim grey, with ``heat`` (h, w) on top: red where positive
    (for the digit), blue where negative (against it), opaque in proportion to its size."""
    base = grey(image).astype(np.float32) * 0.45
    h = np.asarray(heat, np.float32)
    s = float(scale if scale is not None else np.max(np.abs(h)))
    a = np.clip(np.abs(h) / s, 0, 1)[..., None] if s > 0 else np.zeros((*h.shape, 1), np.float32)
    colour = np.where((h > 0)[..., None], np.array([230, 40, 40], np.float32), np.array([40, 90, 230], np.float32))
    return (base * (1 - a) + colour * a).round().astype(np.uint8)


def grid(pictures: list[np.ndarray] | np.ndarray, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """Equal-sized RGB pictures (n, h, w, 3) -> one picture, a near-square grid (or
    ``columns`` wide) with ``gap``-pixel grey lines between them."""
    pics = np.asarray(pictures)
    n, h, w = pics.shape[:3]
    cols = columns or math.ceil(math.sqrt(n))
    rows = -(-n // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, 3), GAP_GREY, np.uint8)
    for i, pic in enumerate(pics):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = pic
    return out
