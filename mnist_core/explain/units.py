"""What the units of a network look for, and what they do with one image.

A first-layer unit of the classic network or the MLP has one weight per pixel, so
its weights *are* an image: where they are positive, ink makes the unit fire.  A CNN's
first-layer filters are small images too (k x k), slid over the whole picture.  Each
model kind computes these itself (see :mod:`mnist_core.models.base`); this module
names them for the pages and the CLI, and puts a network's layers in JSON's terms.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..models.base import Model


def first_layer_weights(model: Model) -> np.ndarray:
    """The first layer's weights as images, float32 (n_units, h, w): classic: the rows of
    ``w_ih``; MLP: the columns of ``w1``; CNN: the ``conv1`` filters (C, k, k);
    logreg: one weight template per class (10, h, w)."""
    return model.first_layer_images()


def unit_drive(model: Model) -> np.ndarray:
    """(n_units, 10): how strongly each first-layer unit pushes each output, per unit of
    its activation, whatever the image (a dense first layer; else InvalidParameter)."""
    return model.unit_drive()


def unit_activity(model: Model, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For one image (h, w): each first-layer unit's activation (n_units,) and how much it
    pushed each output's score (n_units, 10)."""
    return model.unit_activity(image)


def feature_maps(model: Model, image: np.ndarray) -> list[np.ndarray]:
    """Each convolution's maps for one image (h, w), after its ReLU and before its
    pooling: a list of (C_i, h_i, w_i) float32; empty for a model without convolutions."""
    return model.feature_maps(image)


def has_hidden_units(model: Model) -> bool:
    """False for a model whose one layer is its outputs (logistic regression)."""
    return len(model.layer_names()) > 2


def layers(model: Model, image: np.ndarray) -> list[dict[str, Any]]:
    """One image (h, w) -> ``[{"name", "activations"}]`` from the input the network sees
    (its own scaling applied) through each hidden layer to the outputs, as ``explain
    --json`` gives them: each layer's activations one flat list (a CNN's feature maps in
    (c, h, w) order), to 6 decimals."""
    return [{"name": name, "activations": [round(float(v), 6) for v in a[0].ravel()]}
            for name, a in model.layer_activations(np.asarray(image)[None])]


def unit(model: Model, image: np.ndarray, layer: int, index: int) -> dict[str, Any]:
    """One unit's weighted sum for one image, as ``explain --json`` gives it: ``{"layer",
    "index", "terms": [[input_index, weight, input, product], ...], "bias", "preactivation",
    "function", "activation"}`` (layer 0 is the input; see ``Model.unit_terms``)."""
    terms = model.unit_terms(image, layer, index)
    return {"layer": terms["layer"], "index": terms["index"],
            "terms": [[int(i), float(w), float(x), float(p)] for i, w, x, p in terms["terms"]],
            "bias": float(terms["bias"]), "preactivation": float(terms["preactivation"]),
            "function": terms["function"], "activation": float(terms["activation"])}
