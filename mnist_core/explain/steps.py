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
from ..i18n import N_, Text

Box = tuple[int, int, int, int]


@dataclass(frozen=True, eq=False)  # arrays have no single truth value: identity is equality
class Step:
    """One picture of the pipeline, with what to draw on it.

    ``key`` is a stable id ("canvas", "crop", "fit", "centre", "bitmap", "model") for
    tests and layout; ``title`` and ``why`` are plain text for a person (``why``: one
    sentence on why MNIST, or the UCI digits, needed this step), in English, marked for
    translation (``translate(step.title, lang)`` gives them in another language; a
    title with numbers in it is a :class:`~mnist_core.i18n.Text`).  ``image`` is 2-D
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
        raise ImageError("No preprocessing is known for {height}x{width} images.", height=shape[0], width=shape[1])
    ink = pre.ink_map(image)
    box, crop = pre.ink_box(ink), pre.crop_to_ink(ink)
    if shape == (28, 28):
        return _mnist_steps(ink, box, crop)
    return _digits_steps(ink, box, crop)


def _canvas(ink: np.ndarray, box: Box, why: str) -> Step:
    return Step("canvas", N_("Your drawing, its ink framed"), why, ink, box=box)


def _crop(crop: np.ndarray) -> Step:
    return Step("crop", Text(N_("Cropped to the ink ({height}x{width})"), height=crop.shape[0], width=crop.shape[1]),
                N_("Cutting away the empty paper makes the digit the same wherever it was drawn."), crop)


def _mnist_steps(ink: np.ndarray, box: Box, crop: np.ndarray) -> list[Step]:
    fitted = pre.fit_mnist(crop)
    field = pre.centre_by_mass(fitted)
    cy, cx = ndimage.center_of_mass(field)
    return [
        _canvas(ink, box, N_("MNIST's digits came from scanned forms, so the first job is to find where the ink is "
                             "(red box).")),
        _crop(crop),
        Step("fit", Text(N_("Fitted into 20x20 ({height}x{width})"), height=fitted.shape[0], width=fitted.shape[1]),
             N_("MNIST's digits were size-normalised to fit a 20x20 box, keeping their aspect ratio "
                "(LeCun et al.), so a small 3 and a large 3 look alike."), fitted),
        Step("centre", N_("Centred by mass in 28x28"),
             N_("Then each was placed in a 28x28 field with its centre of mass (red cross) at the centre, "
                "so the network finds strokes where it learned to look for them."), field, point=(float(cy), float(cx))),
        Step("model", N_("What the network reads (28x28)"),
             N_("The network gets these 784 numbers, 0 for paper and 1 for ink, like every MNIST image "
                "it was trained on."), field),
    ]


def _digits_steps(ink: np.ndarray, box: Box, crop: np.ndarray) -> list[Step]:
    bitmap = pre.digits_bitmap(crop)
    return [
        _canvas(ink, box, N_("The UCI 8x8 digits came from scanned forms, so the first job is to find where the ink "
                             "is (red box).")),
        _crop(crop),
        Step("bitmap", N_("A 32x32 bitmap, thick strokes"),
             N_("The UCI digits were 32x32 black-and-white bitmaps of thick pen strokes, so a thin stroke "
                "is thickened to match."), bitmap.astype(np.float32)),
        Step("model", N_("What the network reads (8x8)"),
             N_("Each 4x4 block of the bitmap became the count of its inked cells (0 to 16): the network "
                "gets these 64 numbers, divided by 16."), pre.block_counts(bitmap)),
    ]
