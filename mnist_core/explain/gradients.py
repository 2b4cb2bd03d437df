"""Two things every explanation needs from a model: its own view of an image (the last
hidden layer, where the digits are far apart) and how its scores change with each pixel
(the gradient of a score with respect to the input).

Both follow the forward pass of each model kind written out in ``mnist_core.models``;
the gradient is the training backward pass taken one step further, to the pixels.
Images are float (n, h, w) or (n, h*w) in [0, 1] as everywhere in the engine.
"""
from __future__ import annotations

import numpy as np

from ..i18n import N_
from ..models.base import Model
from ..models.layers import conv_backward, maxpool_backward

#: What :func:`features` is, by model kind, for the page to say (in English, marked for translation).
FEATURE_SPACE = {
    "classic": N_("the hidden layer's sigmoid outputs"),
    "mlp": N_("the last hidden layer's ReLU outputs"),
    "cnn": N_("the dense layer's ReLU outputs"),
    "logreg": N_("its ten class scores (it has no hidden layer)"),
}


def features(model: Model, images: np.ndarray) -> np.ndarray:
    """(n, ...) images -> (n, F) float32: the last hidden layer, in chunks of ``predict_chunk``."""
    x = model._flat(images)
    parts = [_features_chunk(model, x[s:s + model.predict_chunk]) for s in range(0, len(x), model.predict_chunk)]
    return np.concatenate(parts).astype(np.float32, copy=False) if parts else np.zeros((0, 1), np.float32)


def _features_chunk(model: Model, x: np.ndarray) -> np.ndarray:
    if model.kind == "classic":
        return model.forward(model.scale_inputs(x))[0]
    if model.kind == "mlp":
        return model.forward(x)[1][-1]  # the input of the output layer
    if model.kind == "cnn":
        return model.forward(x)[1][-1]
    if model.kind == "logreg":
        return np.log(np.maximum(model.proba_chunk(x), 1e-12))
    raise ValueError(f"No feature space is known for a {model.kind!r} model.")


def logits(model: Model, images: np.ndarray) -> np.ndarray:
    """(n, 10) scores before the output squashing (sigmoid or softmax): what saliency differentiates."""
    x = model._flat(images)
    if model.kind == "classic":
        h = model.forward(model.scale_inputs(x))[0]
        return h @ model.w_ho.T
    if model.kind in ("mlp", "cnn"):
        return model.forward(x)[0]
    return np.log(np.maximum(model.predict_proba(x), 1e-12))


def input_gradient(model: Model, images: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    """d(sum(upstream * logits)) / d(pixels): images (n, ...), upstream (n, 10) -> (n, h*w) float32.

    With ``upstream`` one-hot on digit d this is the saliency of d's score; with
    ``onehot - softmax`` it is the gradient of log p(d), which class visualisation climbs."""
    x = model._flat(images)
    g = np.asarray(upstream, np.float32)
    if model.kind == "classic":
        h = model.forward(model.scale_inputs(x))[0]  # z = w_ho h, h = sigmoid(w_ih (0.99 x + 0.01))
        return np.float32(0.99) * ((g @ model.w_ho) * h * (1 - h)) @ model.w_ih
    if model.kind == "mlp":
        _, inputs = model.forward(x)
        d = g
        for i in range(model.n_layers, 0, -1):
            d = d @ model.params[f"w{i}"].T
            if i > 1:
                d = d * (inputs[i - 1] > 0)  # through the ReLU whose output fed layer i
        return d
    if model.kind == "cnn":
        return _cnn_input_gradient(model, x, g)
    if model.kind == "logreg":
        coef = _logreg_coef(model)  # score_d = log p_d; for one digit's saliency we take its linear score
        return (g @ coef).astype(np.float32) * np.float32(model.config.pixel_scale)
    raise ValueError(f"No gradient is known for a {model.kind!r} model.")


def _cnn_input_gradient(model: Model, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    p, n_conv = model.params, len(model.config.channels)
    _, caches = model.forward(x, train=True)  # train: keep the pooling masks backward needs
    d = g
    for j in range(model.n_fc, 0, -1):
        d = d @ p[f"fc{j}_w"].T
        d = d * (caches[n_conv + j - 1] > 0)  # its input is a ReLU output (dense, or the last pool)
    for i in range(n_conv, 0, -1):
        x_in, cols, conv_shape, route = caches[i - 1]
        d = d.reshape(conv_shape[0], conv_shape[1] // 2, conv_shape[2] // 2, conv_shape[3])
        d = maxpool_backward(d, route, conv_shape)
        d = conv_backward(d, cols, x_in.shape, p[f"conv{i}_w"], model.pad)[0]
        if i > 1:
            d = d * (x_in > 0)
    return d.reshape(len(x), -1)


def _logreg_coef(model: Model) -> np.ndarray:
    """(10, n_inputs): each digit's weights (a digit missing from training has zeros)."""
    params = model.get_params()
    coef = np.zeros((model.config.n_outputs, model.config.n_inputs), np.float64)
    classes = np.asarray(params["classes_"], np.intp)
    if len(params["coef_"]) == 1:  # two classes: one classifier, positive for the second
        coef[classes[1]], coef[classes[0]] = params["coef_"][0], -params["coef_"][0]
    else:
        coef[classes] = params["coef_"]
    return coef


def onehot(digit: int, n: int = 1, classes: int = 10) -> np.ndarray:
    out = np.zeros((n, classes), np.float32)
    out[:, digit] = 1.0
    return out
