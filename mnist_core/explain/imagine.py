"""What the network imagines each digit to be: ten images, one per output.

A model that has its own picture of a digit gives it (``Model.imagine_digits``):

* the classic network: the book's **back-query** (Rashid, "Make Your Own Neural
  Network", part 3), the target run backwards through the transposed weights
  (:meth:`~mnist_core.models.classic.ClassicNetwork.back_query`);
* logistic regression: its **weight template** per digit -- the linear model's
  answer is the template that the image matches best.

Any other model (the MLP, the CNN) is asked by **class visualisation** (Simonyan et al.
2013): start from a blank image and climb the gradient of log p(digit) the model
computes itself (``Model.input_gradient``), keeping pixels in [0, 1], with a small L2
penalty and a light blur now and then so the picture stays smooth.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.special import softmax

from ..models import MODELS
from ..models.base import Model
from ..models.classic import as_ink
from .gradients import onehot

#: How each kind imagines, by kind (English, marked where each model declares it:
#: ``Model.imagine_method``).
METHOD = {kind: cls.imagine_method for kind, cls in MODELS.items()}


def back_query(model: Model) -> np.ndarray:
    """The classic network's back-query (10, h, w) in 0.01..0.99 (see ``ClassicNetwork.back_query``)."""
    return model.back_query()


def class_visualisation(model: Model, digit: int, steps: int = 200, lr: float = 0.02,
                        l2: float = 1e-4, blur_every: int = 10) -> np.ndarray:
    """A (h, w) float32 image in [0, 1] the model reads as ``digit``: gradient ascent on
    log p(digit) - l2 * |x|^2 from blank, with Adam's per-pixel steps (plain normalised
    steps stall on a wrong digit for some classes: measured on the MLP, 7 reached 0.18).
    Every ``blur_every`` steps a light blur (sigma 0.5) keeps the picture smooth."""
    shape = model.image_shape
    x = np.zeros((1, shape[0] * shape[1]), np.float32)
    mean, square = np.zeros_like(x), np.zeros_like(x)
    target = onehot(digit)
    for step in range(1, steps + 1):
        p = softmax(model.logits(x).astype(np.float64), axis=1).astype(np.float32)
        g = model.input_gradient(x, target - p) - 2 * l2 * x
        mean = 0.9 * mean + 0.1 * g
        square = 0.999 * square + 0.001 * g * g
        move = (mean / (1 - 0.9 ** step)) / (np.sqrt(square / (1 - 0.999 ** step)) + 1e-8)
        x = np.clip(x + lr * move, 0.0, 1.0).astype(np.float32)
        if blur_every and step % blur_every == 0 and step < steps:
            x = ndimage.gaussian_filter(x.reshape(shape), 0.5).reshape(1, -1)
    return x.reshape(shape)


def templates(model: Model) -> np.ndarray:
    """A linear model's weights per digit as images (10, h, w) float32, signed."""
    return model.first_layer_images()


def imagine(model: Model) -> np.ndarray:
    """(10, h, w): the model's picture of every digit (see ``Model.imagine_method``);
    signed where ``Model.imagined_signed``, in [0, 1] otherwise."""
    own = model.imagine_digits()
    if own is not None:
        return own
    return np.stack([class_visualisation(model, d) for d in range(model.config.n_outputs)])


__all__ = ["METHOD", "as_ink", "back_query", "class_visualisation", "templates", "imagine"]
