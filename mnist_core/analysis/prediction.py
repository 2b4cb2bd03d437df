"""One drawing or picture -> what a model says about it.

:func:`predict_image` is the single path from any image (the Draw page's canvas, an
upload, a file given to ``python -m mnist_core predict``) to a prediction: it
prepares the image the way the model's training images were made -- MNIST's 28x28
or the UCI digits' 8x8, chosen from the model's input size -- and asks the model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.preprocess import prepare
from ..models.base import Model


@dataclass(frozen=True, eq=False)
class Prediction:
    """``image``: what the model saw, (h, w) floats in [0, 1]; ``proba``: (10,)."""

    image: np.ndarray
    proba: np.ndarray

    @property
    def digit(self) -> int:
        return int(np.argmax(self.proba))

    @property
    def confidence(self) -> float:
        return float(self.proba[self.digit])


def predict_image(model: Model, image: np.ndarray) -> Prediction:
    """Any grey, RGB or RGBA image (H, W[, C]) -> the model's :class:`Prediction`.
    A blank image raises :class:`~mnist_core.errors.EmptyImage`."""
    seen = prepare(np.array(image, copy=True), model.image_shape)
    return Prediction(seen, model.predict_proba(seen[None])[0])
