"""How a drawing becomes a model's input, one picture per preprocessing step.

The Draw page shows these steps so that a learner sees why the network is given a
small, centred, size-normalised digit and not the canvas itself: every network here
was trained on images made that way, and reads a drawing well only when it is made
the same way.  Each step is computed by the very functions :func:`~mnist_core.data.
preprocess.prepare` is built from, so the last picture *is* the model's input (a
copy of the pipeline could drift from it unnoticed).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..data import preprocess as pre
from ..errors import ImageError

Box = tuple[int, int, int, int]


@dataclass(frozen=True, eq=False)  # arrays have no single truth value: identity is equality
class Step:
    """One picture of the pipeline, with what to draw on it.

    ``key`` is a stable id ("canvas", "crop", "fit", "centre", "bitmap", "model") for
    tests and layout; ``title`` and ``why`` are plain text for a person (``why``: one
    sentence on why MNIST, or the UCI digits, needed this step).  ``image`` is 2-D
    float in [0, 1], ink bright.  ``box`` (top, left, bottom, right; bottom and right
    exclusive, like slices) frames the ink; ``point`` (row, col, pixel centres at whole
    numbers) marks the centre of mass.
    """

    key: str
    title: str
    why: str
    image: np.ndarray
    box: Box | None = None
    point: tuple[float, float] | None = None


def preprocessing_steps(image: np.ndarray, shape: tuple[int, int] = (28, 28)) -> list[Step]:
    """Any grey, RGB or RGBA image (see :func:`~mnist_core.data.preprocess.ink_map`) -> the
    steps that turn it into the input of a model of ``shape``: (28, 28) for MNIST's
    models, (8, 8) for the UCI digits'.  The last step's image equals
    ``prepare(image, shape)``; a blank image raises EmptyImage, as ``prepare`` does."""
    shape = (int(shape[0]), int(shape[1]))
    if shape not in ((28, 28), (8, 8)):
        raise ImageError(f"No preprocessing is known for {shape[0]}x{shape[1]} images.")
    ink = pre.ink_map(image)
    box, crop = pre.ink_box(ink), pre.crop_to_ink(ink)
    if shape == (28, 28):
        return _mnist_steps(ink, box, crop)
    return _digits_steps(ink, box, crop)


def _canvas(ink: np.ndarray, box: Box, source: str) -> Step:
    return Step("canvas", "Your drawing, its ink framed",
                f"{source} came from scanned forms, so the first job is to find where the ink is (red box).",
                ink, box=box)


def _crop(crop: np.ndarray) -> Step:
    return Step("crop", f"Cropped to the ink ({crop.shape[0]}x{crop.shape[1]})",
                "Cutting away the empty paper makes the digit the same wherever it was drawn.", crop)


def _mnist_steps(ink: np.ndarray, box: Box, crop: np.ndarray) -> list[Step]:
    fitted = pre.fit_mnist(crop)
    field = pre.centre_by_mass(fitted)
    cy, cx = ndimage.center_of_mass(field)
    return [
        _canvas(ink, box, "MNIST's digits"),
        _crop(crop),
        Step("fit", f"Fitted into 20x20 ({fitted.shape[0]}x{fitted.shape[1]})",
             "MNIST's digits were size-normalised to fit a 20x20 box, keeping their aspect ratio "
             "(LeCun et al.), so a small 3 and a large 3 look alike.", fitted),
        Step("centre", "Centred by mass in 28x28",
             "Then each was placed in a 28x28 field with its centre of mass (red cross) at the centre, "
             "so the network finds strokes where it learned to look for them.", field, point=(float(cy), float(cx))),
        Step("model", "What the network reads (28x28)",
             "The network gets these 784 numbers, 0 for paper and 1 for ink, like every MNIST image "
             "it was trained on.", field),
    ]


def _digits_steps(ink: np.ndarray, box: Box, crop: np.ndarray) -> list[Step]:
    bitmap = pre.digits_bitmap(crop)
    return [
        _canvas(ink, box, "The UCI 8x8 digits"),
        _crop(crop),
        Step("bitmap", "A 32x32 bitmap, thick strokes",
             "The UCI digits were 32x32 black-and-white bitmaps of thick pen strokes, so a thin stroke "
             "is thickened to match.", bitmap.astype(np.float32)),
        Step("model", "What the network reads (8x8)",
             "Each 4x4 block of the bitmap became the count of its inked cells (0 to 16): the network "
             "gets these 64 numbers, divided by 16.", pre.block_counts(bitmap)),
    ]
