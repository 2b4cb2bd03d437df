"""Two things every explanation needs from a model: its own view of an image (the last
hidden layer, where the digits are far apart) and how its scores change with each pixel
(the gradient of a score with respect to the input).

Each model kind answers both itself, beside its forward and backward passes (see
:mod:`mnist_core.models.base`); these are the names the rest of the engine calls.
Images are float (n, h, w) or (n, h*w) in [0, 1] as everywhere in the engine.
"""
from __future__ import annotations

import numpy as np

from ..models import MODELS
from ..models.base import Model

#: What :func:`features` is, by model kind, for a page to say (English, marked for
#: translation where each model declares it: ``Model.feature_space``).
FEATURE_SPACE = {kind: cls.feature_space for kind, cls in MODELS.items()}


def features(model: Model, images: np.ndarray) -> np.ndarray:
    """(n, ...) images -> (n, F) float32: the last hidden layer (``Model.features``)."""
    return model.features(images)


def logits(model: Model, images: np.ndarray) -> np.ndarray:
    """(n, 10) scores before the output squashing (sigmoid or softmax): what saliency differentiates."""
    return model.logits(images)


def input_gradient(model: Model, images: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """d(sum(upstream * logits)) / d(pixels): images (n, ...), upstream (n, 10) -> (n, h*w) float32.

    With ``upstream`` one-hot on digit d this is the saliency of d's score; with
    ``onehot - softmax`` it is the gradient of log p(d), which class visualisation climbs."""
    return model.input_gradient(images, upstream)


def onehot(digit: int, n: int = 1, classes: int = 10) -> np.ndarray:
    out = np.zeros((n, classes), np.float32)
    out[:, digit] = 1.0
    return out
