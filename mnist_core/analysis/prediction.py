"""One drawing or picture -> what a model says about it.

:func:`predict_image` is the single path from any image (the Draw page's canvas, an
upload, a file given to ``python -m mnist_core predict``) to a prediction: it
prepares the image the way the model's training images were made -- MNIST's 28x28
or the UCI digits' 8x8, chosen from the model's input size -- and asks the model.
Given a :class:`~mnist_core.explain.verdict.Judge`, it also says whether the image
is a digit at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..data.preprocess import ink_map, prepare_ink
from ..models.base import Model

if TYPE_CHECKING:
    from ..explain.verdict import Judge, Verdict


@dataclass(frozen=True, eq=False)
class Prediction:
    """``image``: what the model saw, (h, w) floats in [0, 1]; ``proba``: (10,);
    ``verdict``: blank, not_a_digit, unsure or digit, with its evidence (None without a judge);
    ``ink``: the picture's ink (H, W) before preprocessing (what the dot test measured)."""

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
    proba = model.predict_proba(seen[None])[0]
    return Prediction(seen, proba, judge.judge(seen, proba, ink) if judge is not None else None, ink)
