"""A hand-drawn test set made of mouse-like strokes, for measuring what models do on
digits drawn in the app rather than scanned for MNIST.

Each digit is a few polylines in a unit box (how a person draws it with a mouse),
jittered, slanted, stretched, rotated, placed and stroked at random on a 280x280
transparent canvas exactly like the Draw page's (ink in the alpha channel, 10-30 px pen).  The set
is generated from a seed, so it is the same on every machine and needs no files.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .preprocess import prepare

_t = np.linspace(0, 2 * np.pi, 25)
#: digit -> list of polylines, each a list of (x, y) in [0, 1], y pointing down.
STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [list(zip(0.5 + 0.4 * np.sin(_t), 0.5 - 0.5 * np.cos(_t)))],
    1: [[(0.35, 0.15), (0.55, 0.0), (0.55, 1.0)]],
    2: [[(0.12, 0.25), (0.3, 0.04), (0.6, 0.0), (0.85, 0.2), (0.78, 0.45), (0.1, 1.0), (0.95, 1.0)]],
    3: [[(0.12, 0.1), (0.5, 0.0), (0.85, 0.18), (0.7, 0.4), (0.45, 0.47), (0.85, 0.65), (0.75, 0.92),
         (0.45, 1.0), (0.1, 0.9)]],
    4: [[(0.6, 0.0), (0.08, 0.65), (0.95, 0.65)], [(0.68, 0.25), (0.68, 1.0)]],
    5: [[(0.88, 0.0), (0.22, 0.0), (0.15, 0.45), (0.55, 0.38), (0.88, 0.6), (0.75, 0.93), (0.35, 1.0),
         (0.1, 0.88)]],
    6: [[(0.75, 0.0), (0.35, 0.28), (0.15, 0.68), (0.3, 0.97), (0.7, 0.98), (0.85, 0.72), (0.6, 0.5),
         (0.3, 0.55), (0.17, 0.7)]],
    7: [[(0.05, 0.02), (0.95, 0.0), (0.65, 0.45), (0.4, 1.0)]],
    8: [list(zip(0.5 + 0.38 * np.sin(_t) * np.cos(_t) * 1.6, 0.5 - 0.5 * np.cos(_t)))],
    9: [list(zip(0.5 + 0.33 * np.cos(_t[:-1] + np.pi / 2 + 0.3), 0.28 + 0.28 * np.sin(_t[:-1] + np.pi / 2 + 0.3)))
        + [(0.83, 0.25), (0.8, 1.0)]],
}


def draw_digit(digit: int, rng: np.random.Generator, size: int = 280) -> np.ndarray:
    """One randomly styled drawing of ``digit``: RGBA (size, size, 4) uint8, ink in alpha."""
    slant = rng.uniform(-0.4, 0.4)
    turn = np.deg2rad(rng.uniform(-20, 20))
    height = rng.uniform(0.45, 0.8) * size
    width = height * rng.uniform(0.45, 1.0)
    top = rng.uniform(0.05 * size, size - height - 0.05 * size)
    left = rng.uniform(0.1 * size, size - width - 0.1 * size)
    pen = max(2, round(int(rng.integers(10, 31)) * size / 280))  # 10-30 px on the app's 280 px canvas
    canvas = Image.new("L", (size, size), 0)
    pencil = ImageDraw.Draw(canvas)
    for line in STROKES[digit]:
        pts = np.asarray(line, dtype=float) + rng.normal(0, 0.045, (len(line), 2)) - 0.5
        u = pts[:, 0] + slant * -pts[:, 1]
        v = pts[:, 1]
        u, v = u * np.cos(turn) - v * np.sin(turn), u * np.sin(turn) + v * np.cos(turn)
        xs = left + (u + 0.5) * width
        ys = top + (v + 0.5) * height
        pencil.line(list(zip(xs, ys)), fill=255, width=pen, joint="curve")
        r = pen / 2  # round caps, as a canvas pen draws
        for x, y in ((xs[0], ys[0]), (xs[-1], ys[-1])):
            pencil.ellipse((x - r, y - r, x + r, y + r), fill=255)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = np.asarray(canvas)
    return rgba


def handdrawn_set(per_digit: int = 20, seed: int = 2026, size: int = 280) -> tuple[np.ndarray, np.ndarray]:
    """``per_digit`` drawings of each digit: RGBA (n, size, size, 4) uint8 and labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), per_digit).astype(np.uint8)
    return np.stack([draw_digit(int(d), rng, size) for d in labels]), labels


def prepared_set(shape: tuple[int, int] = (28, 28), per_digit: int = 20, seed: int = 2026) -> tuple[np.ndarray, np.ndarray]:
    """The set after :func:`mnist_core.data.preprocess.prepare`: floats (n, h, w), labels (n,)."""
    images, labels = handdrawn_set(per_digit, seed)
    return np.stack([prepare(img, shape) for img in images]), labels
