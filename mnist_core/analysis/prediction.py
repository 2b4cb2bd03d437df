"""One drawing or picture -> what a model says about it.

:func:`predict_image` is the single path from any image (the Draw page's canvas, an
upload, a file given to ``python -m mnist_core predict``) to a prediction: it
prepares the image the way the model's training images were made -- MNIST's 28x28
or the UCI digits' 8x8, chosen from the model's input size -- and reads it with
:func:`read_proba`.  Given a :class:`~mnist_core.explain.verdict.Judge`, it also says
whether the image is a digit at all.

**How a drawing is read** (:func:`read_proba`, the one place): the model's
probabilities for a drawing are the mean of its probabilities for the prepared image
and for copies of it turned by :data:`READ_TURNS` degrees (test-time augmentation,
one batched call of the model's own ``predict_proba``, whatever its kind).  People
draw digits turned and slanted far more than MNIST's writers wrote them; the network
is left as trained, the reading asks it about a few upright-ish views instead of one.
On the generated development drawings (seed 2026) the classic network's best guess went
from 94.2 % to 95.8 %.  Only drawings and uploaded pictures are read this way:
``evaluate``, the Mistakes page and the verdict's calibration use the plain model on
MNIST's own images, which are already upright and centred (turning them costs as much
as it gains), so the test accuracy stays the network's own.  The verdict's distances
are measured on the prepared image itself, only its probabilities are the reading's.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage
from threadpoolctl import ThreadpoolController

from ..data.preprocess import ink_map, prepare_ink
from ..models.base import Model

if TYPE_CHECKING:
    from ..explain.verdict import Judge, Verdict

#: The turns (degrees, counter-clockwise) of the extra views a drawing is read in, beside
#: the drawing itself (see the module's docstring; +-15 measured best of 8-20 and shifts).
READ_TURNS = (15.0, -15.0)
#: Input shapes read with turned views: MNIST's 28x28 (an 8x8 image turned is mostly blur).
TURNED_SHAPES = ((28, 28),)


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    """The process's BLAS libraries, found once (~1 ms; ``threadpool_limits`` would look
    them up again on every call)."""
    return ThreadpoolController()


def blas_threads(model: Model) -> AbstractContextManager:
    """BLAS at the model's own thread count (``model.blas_threads``, one for every kind
    today) while one drawing is read and judged.  A few images make GEMMs just large
    enough for OpenBLAS to wake its second thread, which spins while it waits: on the
    shared 2-core machine three CNN views took 12 ms with two threads and 0.2 ms with
    one, and the whole Draw answer about half the time (see the README)."""
    return _controller().limit(limits=model.blas_threads, user_api="blas")


def views(images: np.ndarray) -> np.ndarray:
    """(n, h, w) prepared images -> (n, V, h, w): each image, then its turned copies
    (bilinear, about the field's centre, ink outside read as paper); V is 1 for shapes
    outside :data:`TURNED_SHAPES`."""
    x = np.asarray(images, np.float32)
    if tuple(x.shape[1:]) not in TURNED_SHAPES:
        return x[:, None]
    turned = [ndimage.rotate(x, angle, axes=(2, 1), reshape=False, order=1, mode="constant", cval=0.0)
              for angle in READ_TURNS]
    return np.clip(np.stack([x, *turned], axis=1), 0.0, 1.0)


def read_proba(model: Model, images: np.ndarray) -> np.ndarray:
    """(n, h, w) prepared drawings -> (n, 10): the model's probabilities averaged over
    each drawing's :func:`views` (one ``predict_proba`` call on all of them)."""
    v = views(images)
    n, k = v.shape[:2]
    return model.predict_proba(v.reshape(n * k, *v.shape[2:])).reshape(n, k, -1).mean(axis=1)


@dataclass(frozen=True, eq=False)
class Prediction:
    """``image``: what the model saw, (h, w) floats in [0, 1]; ``proba``: (10,), as
    :func:`read_proba` reads it; ``verdict``: blank, not_a_digit, unsure or digit, with its
    evidence (None without a judge); ``ink``: the picture's ink (H, W) before
    preprocessing (what the dot test measured)."""

    image: np.ndarray
    proba: np.ndarray
    verdict: Verdict | None = None
    ink: np.ndarray | None = None

    @property
    def digit(self) -> int:
        return int(np.argmax(self.proba))

    @property
    def confidence(self) -> float:
        return float(self.proba[self.digit])


def predict_image(model: Model, image: np.ndarray, judge: Judge | None = None) -> Prediction:
    """Any grey, RGB or RGBA image (H, W[, C]) -> the model's :class:`Prediction`.
    An image with no ink at all raises :class:`~mnist_core.errors.EmptyImage` (its
    verdict is ``judge.judge(None, None)``: blank)."""
    ink = ink_map(np.asarray(image))  # ink_map never writes to its input: no copy of a large picture
    seen = prepare_ink(ink, model.image_shape)
    with blas_threads(model):
        proba = read_proba(model, seen[None])[0]
        verdict = judge.judge(seen, proba, ink) if judge is not None else None
    return Prediction(seen, proba, verdict, ink)
