"""Letters and signs rendered from the fonts the system ships, stroked like a pen: the
non-digits a person writes most often, in more styles than hand-made polylines give.

Each glyph is drawn with PIL from a TrueType font (DejaVu and Liberation on Debian,
found by :func:`system_fonts`), its outline thickened by half the pen width so every
stroke is about one pen wide, then slanted, turned, scaled and placed at random on a
transparent canvas like the app's (ink in the alpha channel).  Characters that look
like digits (O, I, l, S, Z, B, G, T, q, g, b ...) are left out.  Without fonts the
generator falls back to no glyphs (:func:`system_fonts` is empty) and callers skip it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: Letters and signs that are not digits as a mouse draws them.
GLYPHS = "ACEFHKLMNPRUVWXYacdefhkmnprtuvwxy#@=%&?<>"
#: Where the system keeps its TrueType fonts (Debian's fonts-dejavu and fonts-liberation).
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")


@lru_cache(maxsize=1)
def system_fonts() -> tuple[str, ...]:
    """The TrueType files found in :data:`FONT_DIRS`, sorted (the same list on every
    machine with the same fonts installed); empty without any."""
    return tuple(sorted(str(p) for d in FONT_DIRS for p in Path(d).glob("*.ttf") if "Bold" not in p.name))


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def draw_glyph(rng: np.random.Generator, size: int = 280, text: str | None = None) -> np.ndarray:
    """One random letter or sign of :data:`GLYPHS` (or ``text``) from a random system font,
    stroked with a 10-30 px pen (scaled to ``size``): RGBA (size, size, 4) uint8, ink in alpha."""
    fonts = system_fonts()
    if not fonts:
        raise FileNotFoundError("No TrueType fonts found in " + ", ".join(FONT_DIRS))
    char = text or str(rng.choice(list(GLYPHS)))
    font_path = str(rng.choice(list(fonts)))
    pen = max(2, round(int(rng.integers(10, 31)) * size / 280))
    height = rng.uniform(0.4, 0.85) * size
    glyph_size = max(8, int(height * 1.2))
    font = _font(font_path, glyph_size)
    big = 2 * glyph_size + 4 * pen
    img = Image.new("L", (big, big), 0)
    ImageDraw.Draw(img).text((pen * 2, pen * 2), char, font=font, fill=255,
                             stroke_width=max(1, pen // 2 - glyph_size // 25), stroke_fill=255)
    slant = rng.uniform(-0.3, 0.3)
    img = img.transform(img.size, Image.Transform.AFFINE, (1, slant, -slant * big / 2, 0, 1, 0),
                        resample=Image.Resampling.BILINEAR)
    img = img.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BILINEAR, expand=True)
    a = np.asarray(img)
    rows, cols = np.flatnonzero(a.max(axis=1) > 0), np.flatnonzero(a.max(axis=0) > 0)
    if rows.size == 0:
        return np.dstack([np.full((size, size, 3), 255, np.uint8), np.zeros((size, size), np.uint8)])
    crop = Image.fromarray(a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    scale = min(1.0, (size - 4) / max(crop.size))
    if scale < 1.0:
        crop = crop.resize((max(1, int(crop.width * scale)), max(1, int(crop.height * scale))),
                           Image.Resampling.BILINEAR)
    out = np.zeros((size, size), np.uint8)
    top = int(rng.integers(2, max(3, size - crop.height - 1)))
    left = int(rng.integers(2, max(3, size - crop.width - 1)))
    out[top:top + crop.height, left:left + crop.width] = np.asarray(crop)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = out
    return rgba
