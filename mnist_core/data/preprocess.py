"""From any picture of a digit to what a model was trained on.

The same functions serve the CLI's ``predict`` and the app's drawing canvas and
upload, so a digit gets identical treatment wherever it comes from:

1. :func:`ink_map` -- any image (grey, RGB, RGBA; dark ink on light, light ink on
   dark, or ink on a transparent background) -> float ink intensity in [0, 1].
2. :func:`mnist_style` -- the way MNIST itself was made (LeCun et al.): crop the ink,
   fit it into 20x20 keeping its aspect ratio (anti-aliased), place it in a 28x28
   field so that its centre of mass is at the centre.
3. :func:`digits_style` -- the way scikit-learn's 8x8 digits were made (UCI optdigits):
   fit the ink into a 32x32 bitmap, then count the inked cells of each 4x4 block (0-16).

:func:`prepare` picks 2 or 3 from the size a model expects.  Both are built from public
step functions (:func:`ink_box`, :func:`crop_to_ink`, :func:`fit_mnist`,
:func:`centre_by_mass`, :func:`digits_bitmap`, :func:`block_counts`), so
:mod:`mnist_core.explain.steps` can show each step of the real pipeline.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage

from .. import settings
from ..errors import EmptyImage, ImageError
from ..i18n import N_, Text
from ..settings import MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE  # larger pictures are refused before they are decoded

#: Ink weaker than this (after normalising to a peak of 1) is treated as paper noise.
NOISE_FLOOR = 0.1


#: What a picture of one digit may be: larger ones are refused before they are decoded.
MAX_SIDE = settings.MAX_IMAGE_SIDE
MAX_PIXELS = settings.MAX_IMAGE_PIXELS
#: Formats accepted, by content (the file's name and extension do not matter).
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")


def load_image(source: str | Path | bytes | BinaryIO) -> np.ndarray:
    """Read a PNG, JPEG, GIF, WebP or BMP (file, bytes or upload) into uint8 RGBA (H, W, 4),
    at most :data:`~mnist_core.settings.IMAGE_WORK_SIDE` pixels a side.

    The header is read first: an image over :data:`MAX_IMAGE_SIDE` pixels a side or
    :data:`MAX_IMAGE_PIXELS` in all is refused with a sentence before any pixel is decoded
    (a 165 KB PNG can claim 13000x13000 pixels and take gigabytes); of an animation
    only the first frame is read.  A large picture is made small while it is decoded
    (a JPEG at a fraction of its size, :meth:`Image.draft`; others in their own mode,
    then averaged down by a whole factor, :meth:`Image.reduce`), so the full-size image
    exists once, in its file's mode, and never as RGBA or floats: a 4096x3906 PNG once
    took 180 MB more than a 280x280 one."""
    name = Path(source).name if isinstance(source, (str, Path)) else getattr(source, "name", Text(N_("The image")))
    try:
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the sizes are checked here
            img = Image.open(source, formats=FORMATS)
        with img:
            width, height = img.size
            if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                raise ImageError("{name} is {width}x{height} pixels: too large for a picture of one digit "
                                 "(at most {side} pixels a side and {megapixels} megapixels).", name=name,
                                 width=width, height=height, side=MAX_IMAGE_SIDE, megapixels=MAX_IMAGE_PIXELS // 1_000_000)
            img.seek(0)  # an animation: its first frame
            return np.asarray(_small(img).convert("RGBA"))
    except FileNotFoundError as err:
        raise ImageError("{name}: no such file.", name=name) from err
    except Image.DecompressionBombError as err:  # Pillow's own limit, beyond ours: too large all the same
        raise ImageError("{name} is too large for a picture of one digit (at most {side} pixels a side and "
                         "{megapixels} megapixels).", name=name, side=MAX_SIDE, megapixels=MAX_PIXELS // 1_000_000) from err
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as err:
        raise ImageError("{name} is not an image that can be read (PNG, JPEG, GIF, WebP or BMP).", name=name) from err


def _small(img: Image.Image) -> Image.Image:
    """The decoded image, its longer side at most :data:`~mnist_core.settings.IMAGE_WORK_SIDE`
    (whole-factor box averages: the anti-aliasing MNIST's own shrinking used)."""
    side = settings.IMAGE_WORK_SIDE
    if img.format == "JPEG" and max(img.size) > side:
        img.draft(img.mode if img.mode in ("L", "RGB") else "RGB", (side, side))  # decoded at 1/2, 1/4 or 1/8
    img.load()
    if img.mode not in ("L", "LA", "RGB", "RGBA"):  # palette, bilevel...: grey (as ink_map would), a byte or two
        img = img.convert("LA" if "transparency" in img.info or "A" in img.getbands() else "L")
    factor = -(-max(img.size) // side)
    return _reduce(img, factor) if factor > 1 else img


def _reduce(img: Image.Image, factor: int) -> Image.Image:
    """``img.reduce(factor)`` a band of rows at a time: Pillow reduces RGBA and LA through a
    premultiplied copy of the whole image, which would double the full size's cost."""
    width, height = img.size
    out = Image.new(img.mode, (-(-width // factor), -(-height // factor)))
    rows = factor * max(1, 256 // factor)
    for top in range(0, height, rows):
        out.paste(img.crop((0, top, width, min(height, top + rows))).reduce(factor), (0, top // factor))
    return out


def ink_map(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 3) or (H, W, 4) uint8 -> (H, W) float32 ink in [0, 1], peak 1.

    With a transparent background the ink is the alpha channel (the canvas's case);
    otherwise the paper colour is the median of the border and ink is the distance
    from it, so either polarity works.  An image with no ink raises EmptyImage.
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)) or min(img.shape[:2]) < 1:
        raise ImageError("Expected a grey, RGB or RGBA image, got an array of shape {shape}.", shape=img.shape)
    img = img.astype(np.float32) / (255.0 if img.dtype == np.uint8 or img.max() > 1.0 else 1.0)
    if img.ndim == 3 and img.shape[2] == 4 and img[..., 3].min() < 0.98:
        ink = img[..., 3].copy()
    else:
        grey = img if img.ndim == 2 else img[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
        ink = np.abs(grey - np.median(border))
    peak = float(ink.max())
    if peak < 0.05:
        raise EmptyImage("The image is blank: draw or upload a digit.")
    ink /= peak
    ink[ink < NOISE_FLOOR] = 0.0
    return ink


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """The ink's bounding box (top, left, bottom, right), bottom and right exclusive
    like slice bounds; an ink map with no ink raises EmptyImage."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise EmptyImage("The image is blank: draw or upload a digit.")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The ink map cut to :func:`ink_box`: where on the page a digit was written stops mattering."""
    top, left, bottom, right = ink_box(ink)
    return ink[top:bottom, left:right]


def _fit(ink: np.ndarray, box: int) -> np.ndarray:
    """Resize so the longer side is ``box`` pixels, keeping the aspect ratio.

    Shrinking averages areas (as MNIST's anti-aliasing did); enlarging a tiny image
    interpolates bilinearly.
    """
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    out = np.asarray(Image.fromarray(ink.astype(np.float32)).resize(size, resample), dtype=np.float32)
    return np.clip(out, 0.0, 1.0)


def _paste_centered(small: np.ndarray, size: int) -> np.ndarray:
    field = np.zeros((size, size), np.float32)
    h, w = small.shape
    top, left = (size - h) // 2, (size - w) // 2
    field[top:top + h, left:left + w] = small
    return field


def fit_mnist(crop: np.ndarray) -> np.ndarray:
    """MNIST's first step on a cropped digit: its longer side fitted to 20 pixels (aspect
    ratio kept, anti-aliased), ink scaled to a peak of 1."""
    digit = _fit(crop, 20)
    peak = digit.max()
    if peak <= 0:
        raise EmptyImage("The image is blank: draw or upload a digit.")
    return digit / peak


def centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """MNIST's second step: the fitted digit in a 28x28 field, moved by whole pixels so
    its centre of mass is at the centre."""
    field = _paste_centered(digit, 28)
    # MNIST's centres of mass sit at pixel index (14, 14) on average (measured over the
    # test set), not at the geometric centre 13.5: match the data, not the description.
    cy, cx = ndimage.center_of_mass(field)
    shift = (round(14.0 - cy), round(14.0 - cx))
    if shift != (0, 0):
        field = ndimage.shift(field, shift, order=0, mode="constant", cval=0.0)
    return field


def mnist_style(ink: np.ndarray) -> np.ndarray:
    """Ink (H, W) -> (28, 28) float32 in [0, 1], made the way MNIST was."""
    return centre_by_mass(fit_mnist(crop_to_ink(ink)))


#: Stroke width, in pixels of the 32x32 bitmap, to thicken thin pens to (the UCI 1s are
#: 2-3 blocks of 4 wide; 6 reads hand-drawn digits best): a mouse stroke shrunk to 32 px is ~3 px.
DIGITS_STROKE = 6.0


def digits_style(ink: np.ndarray) -> np.ndarray:
    """Ink (H, W) -> (8, 8) float32 in [0, 1], made the way the UCI 8x8 digits were:
    a 32x32 bitmap of the ink, then the count of set cells in each 4x4 block / 16.

    The UCI bitmaps have thick strokes (~7 px of 32, ~313 set cells whatever the
    digit); a thin pen is thickened to that width, or a drawn 1 becomes a sliver.
    """
    return block_counts(digits_bitmap(crop_to_ink(ink)))


def digits_bitmap(crop: np.ndarray) -> np.ndarray:
    """The UCI digits' first step on a cropped digit: a (32, 32) bool bitmap of it, a thin
    stroke thickened to :data:`DIGITS_STROKE` pixels (see :func:`digits_style`)."""
    bitmap = _paste_centered(_fit(crop, 32), 32) >= 0.5
    if not bitmap.any():
        raise EmptyImage("The image is blank: draw or upload a digit.")
    depth = ndimage.distance_transform_edt(np.pad(bitmap, 1))[1:-1, 1:-1]
    width = 4.0 * float(depth[bitmap].mean()) - 2.0  # a band w pixels wide has mean depth ~ w/4 + 1/2
    grow = (DIGITS_STROKE - width) / 2
    if grow >= 0.5:
        inner = max(4, round(32 - 2 * grow))
        skeleton = _paste_centered(_fit(crop, inner), 32) >= 0.5
        bitmap = ndimage.distance_transform_edt(~skeleton) <= grow
    return bitmap


def block_counts(bitmap: np.ndarray) -> np.ndarray:
    """The UCI digits' second step: the set cells of each 4x4 block of a (32, 32) bitmap,
    as a fraction of 16 -> (8, 8) float32."""
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3))
    return counts.astype(np.float32) / 16.0


def prepare(image: np.ndarray, shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """Any image (see :func:`ink_map`) -> the (h, w) float input a model of ``shape`` takes."""
    return prepare_ink(ink_map(image), shape)


def prepare_ink(ink: np.ndarray, shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """An ink map (H, W) in [0, 1] -> the (h, w) float input a model of ``shape`` takes."""
    if tuple(shape) == (28, 28):
        return mnist_style(ink)
    if tuple(shape) == (8, 8):
        return digits_style(ink)
    raise ImageError("No preprocessing is known for {height}x{width} images.", height=shape[0], width=shape[1])
