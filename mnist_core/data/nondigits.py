"""A development set of things that are NOT digits, drawn the way a person draws with a
mouse on the app's canvas, for measuring how often a verdict rejects them.

A classifier always names a digit; the studio's verdicts (blank, not a digit, unsure,
digit) are only as good as their rejection rate on lines, crosses, stars, letters,
scribbles and empty canvases.  These are made with the stroke model of
:mod:`mnist_core.data.handdrawn` (polylines with round caps and joins, 10-30 px pen,
random placement, scale, rotation and jitter, plus the small wobble of a hand on a
mouse) on the same 280x280 transparent canvas, ink in the alpha channel.  Generated from a
seed, the set is the same on every machine.  A vertical line (a 1) and a circle (a 0)
are left out on purpose: they ARE digits.  :func:`mnist_on_canvas` puts real MNIST
images on that canvas, the positive side of the same measurement.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

KINDS: tuple[str, ...] = ("hline", "diagonal", "plus", "cross", "star", "asterisk", "scribble", "zigzag",
                          "spiral", "triangle", "square", "wave", "letter", "dot", "blank", "glyph")
#: Kinds with no shape to tell (no ink, or a dot): the ``blank`` test's, not a detector's.
TRIVIAL_KINDS = ("dot", "blank")

Line = list[tuple[float, float]]
#: Letters that do not look like digits, as drawn with a mouse (unit box, y down).
#: Left out as digit-like: O, I, l, S, Z, B, G, T, q, g.
LETTERS: dict[str, list[Line]] = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.62), (0.78, 0.62)]],
    "E": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "F": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0)], [(0.1, 0.48), (0.7, 0.48)]],
    "H": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.9, 1.0)], [(0.1, 0.5), (0.9, 0.5)]],
    "K": [[(0.15, 0.0), (0.15, 1.0)], [(0.85, 0.0), (0.15, 0.58)], [(0.38, 0.42), (0.9, 1.0)]],
    "M": [[(0.0, 1.0), (0.1, 0.0), (0.5, 0.65), (0.9, 0.0), (1.0, 1.0)]],
    "N": [[(0.1, 1.0), (0.1, 0.0), (0.9, 1.0), (0.9, 0.0)]],
    "R": [[(0.15, 1.0), (0.15, 0.0), (0.65, 0.0), (0.85, 0.13), (0.85, 0.35), (0.65, 0.5), (0.15, 0.5)],
          [(0.45, 0.5), (0.9, 1.0)]],
    "W": [[(0.0, 0.0), (0.22, 1.0), (0.5, 0.35), (0.78, 1.0), (1.0, 0.0)]],
    "X": [[(0.05, 0.0), (0.95, 1.0)], [(0.95, 0.0), (0.05, 1.0)]],
    "Y": [[(0.05, 0.0), (0.5, 0.5), (0.95, 0.0)], [(0.5, 0.5), (0.5, 1.0)]],
    "h": [[(0.15, 0.0), (0.15, 1.0)], [(0.15, 0.62), (0.4, 0.42), (0.7, 0.42), (0.85, 0.6), (0.85, 1.0)]],
    "m": [[(0.05, 0.35), (0.05, 1.0), (0.05, 0.5), (0.2, 0.35), (0.4, 0.38), (0.5, 0.55), (0.5, 1.0),
           (0.5, 0.55), (0.62, 0.37), (0.82, 0.36), (0.95, 0.52), (0.95, 1.0)]],
    "n": [[(0.15, 0.3), (0.15, 1.0), (0.15, 0.5), (0.35, 0.32), (0.65, 0.3), (0.85, 0.48), (0.85, 1.0)]],
    "u": [[(0.12, 0.2), (0.12, 0.78), (0.3, 1.0), (0.65, 1.0), (0.88, 0.8)], [(0.88, 0.2), (0.88, 1.0)]],
}
_WIDE = {"M", "W", "m"}


def _line(x0: float, y0: float, x1: float, y1: float) -> Line:
    return [(x0, y0), (x1, y1)]


def _scribble(rng: np.random.Generator) -> tuple[list[Line], float]:
    """One of the three scribbles people make (hatching to black out an area, a coil of
    loops, a random tangle), filling a unit box; and its rotation."""
    style, turn = rng.integers(3), rng.uniform(-30, 30)
    if style == 0:
        n = int(rng.integers(6, 16))
        xs = np.where(np.arange(n) % 2, 1.0, 0.0) + rng.normal(0, 0.08, n)
        pts = np.stack([xs, np.linspace(0, 1, n) + rng.normal(0, 0.03, n)], axis=1)
    elif style == 1:
        t = np.linspace(0, rng.uniform(3, 8) * 2 * np.pi, 300)
        r = rng.uniform(0.2, 0.35) * (1 + 0.25 * np.sin(t / rng.uniform(2, 5)))
        xs = rng.uniform(0.3, 0.8) * t / t[-1] + r * np.cos(t)
        pts = np.stack([xs, r * np.sin(t) * rng.uniform(0.7, 1.3)], axis=1)
    else:
        pos, heading, walk, turn = rng.uniform(0.3, 0.7, 2), rng.uniform(0, 2 * np.pi), [], turn * 6
        for _ in range(int(rng.integers(40, 80))):
            heading += rng.normal(0.5, 0.8)            # keeps turning one way: loops that tangle
            pos = np.abs(pos + 0.12 * np.array([np.cos(heading), np.sin(heading)]))
            walk.append(pos := np.where(pos > 1, 2 - pos, pos))  # bouncing off the box's edges
        pts = ndimage.gaussian_filter1d(np.array(walk), 1.0, axis=0)
    pts = (pts - pts.min(axis=0)) / np.maximum(np.ptp(pts, axis=0), 1e-6)
    return [[tuple(p) for p in pts]], turn


def _shape(kind: str, rng: np.random.Generator, ink: float) -> tuple[list[Line], float, float, float, float, float]:
    """A kind -> (polylines in a unit box, rotation in degrees, extent as a fraction of the
    canvas, aspect, slant, vertex jitter): the ranges a person's drawings span.  ``ink`` is
    the pen's width / the canvas's: with a fat pen people draw big and with few turns, or a
    star, spiral or zigzag would be a blob."""
    u = rng.uniform
    big = min(0.9, max(u(0.4, 0.85), 5 * ink))
    if kind in ("hline", "diagonal"):
        turn = u(-10, 10) if kind == "hline" else rng.choice([-1, 1]) * u(25, 65)
        return [_line(0, 0.5, 1, 0.5)], turn, u(0.3, 0.85) if kind == "hline" else u(0.35, 0.9), 1.0, 0.0, 0.015
    if kind == "plus":
        cx, cy = u(0.35, 0.65, 2)
        lines = [_line(0, cy, 1, cy), _line(cx, 0, cx, 1)]
        return lines[::int(rng.choice([-1, 1]))], u(-15, 15), u(0.3, 0.8), u(0.7, 1.4), 0.0, 0.04
    if kind == "cross":
        return [_line(0, 0, 1, 1), _line(1, 0, 0, 1)], u(-15, 15), u(0.3, 0.8), u(0.7, 1.4), 0.0, 0.04
    if kind == "star":
        a = np.deg2rad(-90 + 144 * np.arange(6))
        return [list(zip(0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a)))], u(-25, 25), big, u(0.85, 1.15), 0.0, 0.035
    if kind == "asterisk":
        n = int(rng.integers(3, 5))
        a = np.deg2rad(u(0, 180) + 180 / n * np.arange(n) + rng.normal(0, 6, n))
        c, s = 0.5 * np.cos(a), 0.5 * np.sin(a)
        return [_line(0.5 - c[i], 0.5 - s[i], 0.5 + c[i], 0.5 + s[i]) for i in range(n)], 0.0, \
            min(big, u(0.3, 0.75)), 1.0, 0.0, 0.04
    if kind == "scribble":
        lines, turn = _scribble(rng)
        return lines, turn, big, u(0.6, 1.4), 0.0, 0.0
    if kind == "zigzag":  # 4-8 legs (fewer is an N or a Z), corners at least two pen widths apart
        big = min(0.9, max(big, 8.5 * ink))
        n = max(5, min(int(rng.integers(5, 10)), int(1 + big / (2 * ink))))
        ys = 0.5 + u(0.15, 0.45) * np.where(np.arange(n) % 2, 1, -1)
        return [list(zip(np.linspace(0, 1, n), ys))], u(-30, 30), big, 1.0, 0.0, 0.03
    if kind == "spiral":  # 2-3.5 turns, the rings at least 1.8 pen widths apart
        turns = u(2.0, 3.5)
        t = np.linspace(0, turns * 2 * np.pi, 140)
        r = 0.04 + 0.46 * t / t[-1]
        return [list(zip(0.5 + r * np.cos(t), 0.5 + rng.choice([-1, 1]) * r * np.sin(t)))], u(0, 360), \
            min(0.95, max(big, turns * 1.8 * ink / 0.46)), u(0.8, 1.2), 0.0, 0.005
    if kind == "triangle":
        pts = [(0.5, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.0), (0.7, 0.4)][:int(rng.integers(4, 6))]
        return [pts], u(-30, 30) + (180 if rng.random() < 0.2 else 0), u(0.35, 0.8), u(0.8, 1.3), 0.0, 0.05
    if kind == "square":
        pts = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, -0.08)]
        return [pts], u(-15, 15) + (45 if rng.random() < 0.2 else 0), u(0.35, 0.8), u(0.7, 1.4), 0.0, 0.04
    if kind == "wave":
        x = np.linspace(0, 1, 80)
        y = 0.5 + u(0.08, 0.22) * np.sin(2 * np.pi * u(1.5, 3.5) * x + u(0, 2 * np.pi))
        return [list(zip(x, y))], u(-15, 15), big, 1.0, 0.0, 0.005
    if kind == "letter":
        name = str(rng.choice(list(LETTERS)))
        aspect = u(0.8, 1.25) if name in _WIDE else u(0.55, 1.0)
        return LETTERS[name], u(-12, 12), min(big, u(0.4, 0.8)), aspect, u(-0.25, 0.25), 0.035
    raise ValueError(f"Unknown kind {kind!r}; the kinds are {', '.join(KINDS)}.")


def _wobble(pts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Resample a polyline every ~0.03 units and add the low, smooth tremor of a hand."""
    steps = [np.linspace(a, b, max(2, int(np.ceil(np.hypot(*(b - a)) / 0.03))), endpoint=False)
             for a, b in zip(pts[:-1], pts[1:])]
    dense = np.concatenate(steps + [pts[-1:]])
    return dense + ndimage.gaussian_filter1d(rng.normal(0, 0.016, dense.shape), 2.0, axis=0)


def _canvas(paths: list[np.ndarray], pen: int, size: int) -> np.ndarray:
    """Stroke pixel polylines like the canvas's pen (round caps and joins); RGBA uint8."""
    img = Image.new("L", (size, size), 0)
    pencil = ImageDraw.Draw(img)
    r = pen / 2
    for p in paths:
        pencil.line([tuple(q) for q in p], fill=255, width=pen, joint="curve")
        for x, y in (p[0], p[-1]):
            pencil.ellipse((x - r, y - r, x + r, y + r), fill=255)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = np.asarray(img)
    return rgba


def draw_nondigit(kind: str, rng: np.random.Generator, size: int = 280) -> np.ndarray:
    """One random mouse drawing of ``kind`` (see :data:`KINDS`): RGBA (size, size, 4) uint8,
    white, ink in alpha, like :func:`mnist_core.data.handdrawn.draw_digit`."""
    if kind == "blank":
        return _canvas([], 10, size)
    if kind == "glyph":  # a letter or sign from a system font (mnist_core.data.glyphs)
        from .glyphs import draw_glyph, system_fonts

        return draw_glyph(rng, size) if system_fonts() else draw_nondigit("letter", rng, size)
    pen = max(2, round(int(rng.integers(10, 31)) * size / 280))  # 10-30 px on the app's 280 px canvas
    if kind == "dot":  # a click, or a dab that moved a little: shorter than half a pen width
        start = rng.uniform(0.1 * size, 0.9 * size, 2)
        return _canvas([np.stack([start, start + rng.normal(0, 0.2 * pen, 2).clip(-pen / 2, pen / 2)])], pen, size)
    lines, turn, extent, aspect, slant, jitter = _shape(kind, rng, pen / size)
    c, s = np.cos(np.deg2rad(turn)), np.sin(np.deg2rad(turn))
    paths = []
    for line in lines:
        pts = _wobble(np.asarray(line, float) + rng.normal(0, jitter, (len(line), 2)), rng) - 0.5
        x, y = (pts[:, 0] - slant * pts[:, 1]) * aspect, pts[:, 1]
        paths.append(np.stack([x * c - y * s, x * s + y * c], axis=1) * extent * size)
    lo, hi = np.concatenate(paths).min(axis=0), np.concatenate(paths).max(axis=0)
    margin = pen / 2 + 2
    shrink = min(1.0, (size - 2 * margin) / float((hi - lo).max()))   # too big: fit the canvas
    lo, hi = lo * shrink, hi * shrink
    offset = margin - lo + rng.random(2) * np.maximum(0.0, size - 2 * margin - (hi - lo))
    return _canvas([p * shrink + offset for p in paths], pen, size)


def nondigit_set(per_kind: int = 20, seed: int = 2027, size: int = 280) -> tuple[np.ndarray, list[str]]:
    """``per_kind`` drawings of every kind, in :data:`KINDS` order: RGBA (n, size, size, 4)
    uint8 and the kind of each; the same for the same seed."""
    rng = np.random.default_rng(seed)
    kinds = [k for k in KINDS for _ in range(per_kind)]
    return np.stack([draw_nondigit(k, rng, size) for k in kinds]), kinds


def exposure_set(shape: tuple[int, int], seed: int, shapes: int = 1500, digits: int = 600,
                 size: int = 84) -> tuple[np.ndarray, np.ndarray]:
    """What a detector of non-digits learns from (outlier exposure, Hendrycks et al. 2019):
    ``shapes`` non-digits of every kind but the trivial ones, in turn, and ``digits``
    mouse-drawn digits (:mod:`mnist_core.data.handdrawn`, so that a pen's stroke alone
    is not taken for a non-digit), drawn on a ``size`` canvas (84 px: the same images
    after preprocessing as on 280, ~5x faster) and prepared for a model of ``shape``:
    (non-digits (n, h, w), digits (m, h, w)) floats.  Give it seeds no measurement uses."""
    from .handdrawn import draw_digit
    from .preprocess import prepare

    rng = np.random.default_rng(seed)
    kinds = [k for k in KINDS if k not in TRIVIAL_KINDS] + ["glyph", "letter"]  # the most varied kinds twice
    bad = [prepare(draw_nondigit(kinds[i % len(kinds)], rng, size), shape) for i in range(shapes)]
    good = [prepare(draw_digit(i % 10, rng, size), shape) for i in range(digits)]
    return np.stack(bad).astype(np.float32), np.stack(good).astype(np.float32)


def mnist_on_canvas(images: np.ndarray, size: int = 280) -> np.ndarray:
    """MNIST-style (n, 28, 28) images (floats in [0, 1] or uint8 0-255) as if drawn on the
    canvas: upscaled bilinearly to size x size, white, ink in alpha, RGBA (n, size, size, 4)
    uint8 -- the digits a rejection rule must let through, in the same form as the rest."""
    x = np.asarray(images, dtype=np.float32)
    if np.asarray(images).dtype == np.uint8 or x.max(initial=0.0) > 1.0:
        x = x / 255.0
    out = np.zeros((len(x), size, size, 4), np.uint8)
    out[..., :3] = 255
    for i, img in enumerate(np.clip(x, 0.0, 1.0)):
        big = Image.fromarray(img).resize((size, size), Image.Resampling.BILINEAR)
        out[i, ..., 3] = np.clip(np.rint(np.asarray(big) * 255), 0, 255).astype(np.uint8)
    return out
