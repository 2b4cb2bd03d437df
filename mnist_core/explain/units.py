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


def unit_drive(model: Model) -> np.ndarray:
    """(n_units, 10): how strongly each first-layer unit pushes each output, per unit of
    its activation, whatever the image.

    classic: ``w_ho.T`` exactly (output d's input is sum_j w_ho[d, j] h_j).  MLP: the
    product of the later weight matrices, the path a unit's signal takes if every
    ReLU on the way passes it (an upper bound on its reach: the sorting key, not a
    promise; :func:`unit_activity` gives the exact figure for one image)."""
    if model.kind == "classic":
        return np.ascontiguousarray(model.w_ho.T, np.float32)
    if model.kind == "mlp":
        path = model.params["w2"]
        for i in range(3, model.n_layers + 1):
            path = path @ model.params[f"w{i}"]
        return path.astype(np.float32)
    raise ValueError(f"Units to rank are shown for the classic network and the MLP, not a {model.kind!r} model.")


def unit_activity(model: Model, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For one image (h, w): each first-layer unit's activation (n_units,) and how much it
    pushed each output's score (n_units, 10).

    classic: activation h_j times ``w_ho[:, j]``: the outputs' inputs are exactly the
    column sums.  MLP: activation times the gradient of each logit with respect to it
    (exact for a ReLU network up to the biases: the logits are linear in the first
    layer's outputs for this image's pattern of open ReLUs)."""
    x = model._flat(image[None])
    if model.kind == "classic":
        h = model.forward(model.scale_inputs(x))[0][0]
        return h, h[:, None] * model.w_ho.T
    if model.kind == "mlp":
        _, inputs = model.forward(x)
        h = inputs[1][0]  # the first hidden layer's ReLU outputs
        return h, h[:, None] * _mlp_jacobian_at_layer1(model, inputs)
    raise ValueError(f"Unit activity is shown for the classic network and the MLP, not a {model.kind!r} model.")


def _mlp_jacobian_at_layer1(model: Model, inputs: list[np.ndarray]) -> np.ndarray:
    """(H1, 10): d(logit k)/d(first hidden unit j) for one image, all ten outputs in one
    backward pass (the identity as the upstream gradient, one row per output)."""
    d = np.eye(model.config.n_outputs, dtype=np.float32)
    for i in range(model.n_layers, 1, -1):
        d = (d @ model.params[f"w{i}"].T) * (inputs[i - 1][0] > 0)
    return d.T


def feature_maps(model: Model, image: np.ndarray) -> list[np.ndarray]:
    """CNN: each conv block's maps for one image (h, w), after its ReLU and before its
    pooling: a list of (C_i, h_i, w_i) float32, one per block."""
    from ..models.layers import conv_forward, maxpool_forward, relu_forward

    if model.kind != "cnn":
        raise ValueError(f"Feature maps are shown for the CNN, not a {model.kind!r} model.")
    x = model._flat(image[None]).reshape(1, model.side, model.side, 1)
    maps = []
    for i in range(1, len(model.config.channels) + 1):
        conv, _ = conv_forward(x, model.params[f"conv{i}_w"], model.params[f"conv{i}_b"], model.pad)
        maps.append(np.maximum(conv[0], 0).transpose(2, 0, 1).copy())
        x = relu_forward(maxpool_forward(conv, need_grad=False)[0])
    return maps
