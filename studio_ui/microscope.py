"""A microscope on one unit of the network (Inside's "The network" tab): its incoming
weights as a picture, this image's weighted sum written out with the real numbers, its
weights to the ten outputs, and the 16 training images that excite it most.  For a
feature map: its kernel, the input patch under the position where it fires most, and
the convolution written out, as CNN Explainer does.

Everything comes from the model's own :meth:`~mnist_core.models.base.Model.unit_terms`
and :meth:`~mnist_core.models.base.Model.layer_activations`; nothing here knows a kind."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.explain import pictures
from mnist_core.i18n import N_
from mnist_core.storage import ModelRecord

from . import cache, screen
from .session import MICROSCOPE_MS
from .lang import num, t
from .network import layer_label, layout

#: Training images searched for each unit's strongest (a fixed sample: every model of a dataset sees the same ones).
SAMPLE, TOP, CHUNK = 10_000, 16, 500
#: The terms written out in the sum.
SHOWN = 8
FUNCTIONS = {"sigmoid": N_("sigmoid"), "relu": N_("ReLU"), "softmax": N_("softmax"), "max": N_("max of the window"),
             "sigmoid, normalised": N_("sigmoid, normalised")}


@st.cache_resource(max_entries=8, show_spinner=False)
def _excite(path: str, mtime: float, name: str, folder: str | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sampled training images' indices, and per layer (1 .. outputs) each unit's
    ``TOP`` most exciting of them, (units, TOP) indices into x_train; a feature map is
    ranked by its strongest position.  One pass over the sample, ``CHUNK`` images at a time."""
    model, ds = cache._model(path, mtime)[0], cache._dataset(name, folder)
    n = len(ds.x_train)
    sample = np.sort(np.random.default_rng(0).choice(n, min(n, SAMPLE), replace=False))
    rows: list[list[np.ndarray]] = []
    for start in range(0, len(sample), CHUNK):
        images = ds.floats(ds.x_train[sample[start:start + CHUNK]]).reshape(-1, *model.image_shape)
        acts = [a for _, a in model.layer_activations(images)[1:]]
        rows.append([a.reshape(len(a), a.shape[1], -1).max(2) if a.ndim == 4 else a for a in acts])
    per_layer = [np.concatenate([r[li] for r in rows]) for li in range(len(rows[0]))]
    return sample, [sample[np.argsort(-v, axis=0)[:TOP].T] for v in per_layer]


def excite(record: ModelRecord, layer: int, unit: int) -> np.ndarray:
    """(TOP,) indices into the training images: those that excite ``unit`` of ``layer`` most."""
    with cache.slow(N_("Finding the training images that excite each unit, once...")):
        return _excite(str(record.path), cache.mtime(record), *cache.source(record.meta.get("dataset", "digits")))[1][
            layer - 1][unit]


@st.cache_resource(max_entries=16, show_spinner=False)
def _out_weights(path: str, mtime: float) -> np.ndarray:
    """(units of the last hidden layer, 10): each unit's weight into each output (the
    same for every image: read from the outputs' written-out sums on a blank image)."""
    model = cache._model(path, mtime)[0]
    last = len(model.layer_names()) - 1
    blank = np.zeros(model.image_shape, np.float32)
    columns = []
    for d in range(10):
        terms = model.unit_terms(blank, last, d)["terms"]
        w = np.zeros(max(t[0] for t in terms) + 1, np.float32)
        w[[t[0] for t in terms]] = [t[1] for t in terms]
        columns.append(w)
    return np.stack(columns, 1)


def _describe(index: int, shape: tuple[int, ...], input_layer: bool) -> str:
    """Where term ``index`` of the layer below comes from, in words."""
    if input_layer:
        y, x = divmod(index, int(np.sqrt(np.prod(shape))))
        return t("pixel ({row}, {column})", row=y, column=x)
    if len(shape) == 3:
        c, y, x = np.unravel_index(index, shape)
        return t("map {map} ({row}, {column})", map=int(c), row=int(y), column=int(x))
    return t("unit {unit}", unit=index)


def _weights_picture(terms: list, shape: tuple[int, ...], input_layer: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The incoming weights laid out like their inputs: an image for the pixels, a tile
    per map for feature maps (a kernel: only its patch), a grid for units; and for a
    kernel the input patch under it (grey), else ``None``."""
    idx = np.array([t[0] for t in terms])
    w, x = np.zeros(int(np.prod(shape)), np.float32), np.zeros(int(np.prod(shape)), np.float32)
    w[idx], x[idx] = [t[1] for t in terms], [t[2] for t in terms]
    full = shape if len(shape) == 3 else ((1, *(2 * [int(np.sqrt(w.size))])) if input_layer else None)
    if full is None:  # units: a near-square grid
        side = int(np.ceil(np.sqrt(w.size)))
        grid = np.zeros(side * side, np.float32)
        grid[:w.size] = w
        return pictures.zoom(pictures.diverging(grid.reshape(side, side)), max(2, 160 // side)), None
    c, y, xx = np.unravel_index(idx, full)
    if len(idx) == w.size:  # every input: the whole image or every map
        tiles = w.reshape(full)
        zoom = max(2, 224 // full[1] if full[0] == 1 else 48 // full[1])
        top = np.abs(tiles).max()
        return pictures.grid([pictures.zoom(pictures.diverging(m, top), zoom) for m in tiles], gap=2), None
    box = (slice(y.min(), y.max() + 1), slice(xx.min(), xx.max() + 1))  # a kernel: its patch in each in-channel
    chans = np.unique(c)  # a pool unit reads one map, a kernel every in-channel
    kernels, patches = w.reshape(full)[chans][:, box[0], box[1]], x.reshape(full)[chans][:, box[0], box[1]]
    zoom = max(4, 96 // kernels.shape[1])
    scale = np.abs(kernels).max()
    kern = pictures.grid([pictures.zoom(pictures.diverging(k, scale), zoom) for k in kernels[:16]], gap=2)
    bright = max(float(patches.max()), 1e-6)
    patch = pictures.grid([pictures.zoom(pictures.grey(p, bright), zoom) for p in patches[:16]], gap=2)
    return kern, patch


def microscope(record: ModelRecord, image: np.ndarray, layer: int, unit: int) -> None:
    """Everything about ``unit`` of ``layer`` (a feature-map layer: map ``unit`` at its
    strongest position) for ``image`` (h, w) in [0, 1]."""
    model, lay = cache.model(record), layout(record)
    shapes = [b.shape for b in lay.blocks]
    name = layer_label(lay.blocks[layer].name)
    if len(shapes[layer]) == 3:  # a map: the position where it fires most
        the_map = model.layer_activations(image[None])[layer][1][0][unit]
        y, x = np.unravel_index(int(np.argmax(the_map)), the_map.shape)
        s = model.unit_terms(image, layer, int(np.ravel_multi_index((unit, y, x), shapes[layer])))
        title = t("Layer {layer}, map {map} at row {row}, column {column} (where it fires most): activation {value}",
                  layer=name, map=unit, row=int(y), column=int(x), value=num(s["activation"], 3))
    else:
        s = model.unit_terms(image, layer, unit)
        title = t("Layer {layer}, unit {unit}: activation {value}", layer=name, unit=unit,
                  value=num(s["activation"], 3))
    st.markdown("#### " + title)
    below = shapes[layer - 1]
    weights, patch = _weights_picture(s["terms"], below, layer == 1)
    left, right = screen.columns([1, 2], key="microscope")
    with left:
        st.image(weights, width=min(weights.shape[1], 220))
        st.caption(t("Its incoming weights, laid out like the {inputs} they read (red: positive, blue: negative).",
                     inputs=layer_label(lay.blocks[layer - 1].name)))
        if patch is not None:
            st.image(patch, width=min(patch.shape[1], 220))
            st.caption(t("The input under the kernel at that position (white: strong)."))
    with right:
        _written_out(s, below, layer == 1)
    if layer == len(shapes) - 2 and len(shapes[layer]) == 1:
        _outgoing(record, unit)
    found = excite(record, layer, unit)
    ds = cache.dataset(record.meta.get("dataset", "digits"))
    zoom = max(1, round(56 / ds.x_train.shape[1]))
    st.image([pictures.zoom(pictures.grey(ds.x_train[i], ds.pixel_max), zoom) for i in found],
             caption=[f"{int(ds.y_train[i])}" for i in found], width=zoom * ds.x_train.shape[1])
    st.caption(t("The {count} training images (of a fixed sample of {sample}) that excite this unit most.",
                 count=len(found), sample=num(min(SAMPLE, len(ds.x_train)))))


def _written_out(s: dict, below: tuple[int, ...], input_layer: bool) -> None:
    """The sum with its real numbers: the largest terms, the rest, the bias, the total,
    the function and the activation."""
    terms = sorted(s["terms"], key=lambda term: -abs(term[3]))
    shown, rest = terms[:SHOWN], terms[SHOWN:]
    st.caption(t("This image's weighted sum: each input times its weight, the {shown} largest of {count} terms "
                 "first.", shown=len(shown), count=len(terms)))
    table = pd.DataFrame([{t("input"): _describe(i, below, input_layer), t("weight"): num(w, 3), t("value"): num(x, 3),
                           t("weight x value"): num(p, 3)} for i, w, x, p in shown])
    st.table(table.set_index(t("input")))  # static, written as the sum below writes them (no Styler: tens of ms)
    others = sum(term[3] for term in rest)
    function = t(FUNCTIONS.get(s["function"], s["function"]))
    st.markdown(t("... + {others} (the other {count} terms) + bias {bias} = **{pre}** → {function} → **{value}**",
                  others=num(others, 3) if others >= 0 else f"({num(others, 3)})", count=len(rest),
                  bias=num(s["bias"], 3), pre=num(s["preactivation"], 3),
                  function=function, value=num(s["activation"], 3)))


def _outgoing(record: ModelRecord, unit: int) -> None:
    """The unit's weights into the ten outputs, as bars."""
    w = _out_weights(str(record.path), cache.mtime(record))[unit]
    font = 18 if screen.presenting() else 14
    digit, weight = t("output digit"), t("weight")
    spec = {  # a plain spec: Altair's validation would cost ~30 ms on every run
        "height": 200, "mark": {"type": "bar"},
        "data": {"values": [{"digit": d, "weight": float(v)} for d, v in enumerate(w)]},
        "encoding": {"x": {"field": "digit", "type": "ordinal", "title": digit, "axis": {"labelAngle": 0}},
                     "y": {"field": "weight", "type": "quantitative", "title": weight},
                     "color": {"condition": {"test": "datum.weight >= 0", "value": "#e8781a"}, "value": "#2878eb"},
                     "tooltip": [{"field": "digit", "type": "ordinal", "title": digit},
                                 {"field": "weight", "type": "quantitative", "title": weight, "format": ".3f"}]},
        "config": {"axis": {"labelFontSize": font, "titleFontSize": font}},
    }
    st.vega_lite_chart(spec, width="stretch")
    st.caption(t("Its weights into the ten outputs: how much each unit of its activation adds to each digit's score."))


def network_tab(record: ModelRecord, image: np.ndarray, digit: int) -> None:
    """Inside's "The network": the picture following ``digit``, and the microscope on the chosen unit."""
    from .network import network_panel

    picked = network_panel(record, image, where="inside", digit=digit)
    if picked is not None:
        started = time.perf_counter()
        microscope(record, image, *picked)
        st.session_state[MICROSCOPE_MS] = (time.perf_counter() - started) * 1000
