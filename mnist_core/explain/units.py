"""What the hidden units of a network look for, and what they do with one image.

A first-layer unit of the classic network or the MLP has one weight per pixel, so
its weights *are* an image: where they are positive, ink makes the unit fire.  A CNN's
first-layer filters are small images too (k x k), slid over the whole picture.
"""
from __future__ import annotations

import numpy as np

from ..models.base import Model


def first_layer_weights(model: Model) -> np.ndarray:
    """The first layer's weights as images, float32 (n_units, h, w).

    classic: the rows of ``w_ih`` (H, side, side); MLP: the columns of ``w1``;
    CNN: the ``conv1`` filters (C, k, k); logreg: one weight template per class (10, side, side)."""
    side = model.image_shape[0]
    params = model.get_params()
    if model.kind == "classic":
        w = params["w_ih"]
    elif model.kind == "mlp":
        w = params["w1"].T
    elif model.kind == "cnn":
        k = params["conv1_w"].shape[0]
        return np.ascontiguousarray(params["conv1_w"][:, :, 0, :].transpose(2, 0, 1), np.float32).reshape(-1, k, k)
    elif model.kind == "logreg":
        w = params["coef_"]
    else:
        raise ValueError(f"No first layer is known for a {model.kind!r} model.")
    return np.ascontiguousarray(w, np.float32).reshape(len(w), side, side)
