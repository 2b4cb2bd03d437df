"""The network as one picture, on Draw (after the answer, with every stroke) and on
Inside: the input, every hidden unit coloured by its activation, the outputs, and the
strongest evidence for the followed digit as edges (:mod:`mnist_core.explain.network`).

Cheap on every stroke: the layout (every unit's box) and the Vega-Lite spec around the
picture are built once per model; a stroke renders the picture (Pillow), encodes it as a
data URL and fills the spec's two datasets.  The chart has an invisible point on every
unit, so a click picks it (``on_select="rerun"``); the chooser beside it does the same
and is what always works (AppTest cannot click a chart)."""
from __future__ import annotations

import base64
import io
import time

import numpy as np
import streamlit as st
from PIL import Image

from mnist_core.analysis.prediction import TURNED_SHAPES
from mnist_core.explain.network import Layout, NetworkView, network_layout, network_view, render
from mnist_core.i18n import N_
from mnist_core.storage import ModelRecord

from . import cache, screen, session
from .lang import lang, num, t
from .session import widget_key

#: The widest the picture is shown, in CSS pixels, per page: Draw's fits an 800-pixel-wide screen.
DISPLAY = {"draw": 720, "inside": 760}
#: In presenter mode (a 1920-pixel screen): large enough that the outputs' digits are >= 16 px.
PRESENTING = 1400
#: Words of the models' layer names ("conv 1" -> "conv" + " 1"), in the page's language.
WORDS = {"input": N_("input"), "hidden": N_("hidden"), "output": N_("output"), "conv": N_("conv"),
         "pool": N_("pool"), "dense": N_("dense")}


def layer_label(name: str) -> str:
    """A model's layer name (``"conv 1"``) in the page's language."""
    word, _, number = name.partition(" ")
    return f"{t(WORDS[word]) if word in WORDS else word} {number}".strip()


@st.cache_resource(max_entries=16, show_spinner=False)
def _layout(path: str, mtime: float) -> Layout:
    return network_layout(cache._model(path, mtime)[0])


def layout(record: ModelRecord) -> Layout:
    """Every layer's and unit's place in the picture, once per model file."""
    return _layout(str(record.path), cache.mtime(record))


@st.cache_resource(max_entries=32, show_spinner=False)
def _spec(path: str, mtime: float, language: str, presenting: bool, display: int) -> tuple[dict, list[dict], int]:
    """The chart around the picture (without its data) and one point per unit (layer,
    unit, x, y in the picture's pixels), built once per model, language and screen; and
    the width the picture is shown at, at most (narrower on a narrower page)."""
    lay = _layout(path, mtime)
    scale = min(2.0 if presenting else 1.0, display / lay.width)  # for the back of a room: up to twice
    font = 18 if presenting else 14
    width, height = round(lay.width * scale), round((lay.height + 2 * font) * scale)
    # shown at `width` pixels, or narrower when the page is: every position scales with the picture
    shown = f"min(width, {width})"
    x = {"field": "x", "type": "quantitative", "axis": None,
         "scale": {"domain": [0, lay.width], "range": [0, {"expr": shown}], "nice": False, "zero": False}}
    y = {"field": "y", "type": "quantitative", "axis": None,
         "scale": {"domain": [0, lay.height + 2 * font], "nice": False, "zero": False,
                   "range": [0, {"expr": f"{shown} * {(lay.height + 2 * font) / lay.width}"}]}}
    points, labels = [], []
    for li, block in enumerate(lay.blocks):
        labels.append({"x": float((block.cells[:, 0].min() + block.cells[:, 2].max()) / 2),
                       "y": float(lay.height + font), "text": layer_label(block.name)})
        if li == 0:
            continue  # the input's pixels are not units
        for j, (cx, cy) in enumerate(block.centres):
            points.append({"layer": li, "unit": j, "x": float(cx), "y": float(cy),
                           "name": layer_label(block.name)})
    size = max(30.0, float(np.median([b.cells[0, 2] - b.cells[0, 0] for b in lay.blocks[1:]]) * scale) ** 2)
    tooltip = [{"field": "name", "title": t("layer")}, {"field": "unit", "title": t("unit")},
               {"field": "activation", "title": t("activation"), "format": ".3f"}]
    spec = {
        "width": "container", "height": height, "padding": 0,
        "config": {"view": {"stroke": None}},
        "layer": [
            {"data": {"name": "picture"},
             "mark": {"type": "image", "width": {"expr": shown}, "align": "left", "baseline": "top", "aspect": False,
                      "height": {"expr": f"{shown} * {lay.height / lay.width}"}},
             "encoding": {"x": {**x, "field": "x"}, "y": {**y, "field": "y"}, "url": {"field": "url"}}},
            {"data": {"values": labels}, "mark": {"type": "text", "fontSize": font, "color": "#333"},
             "encoding": {"x": x, "y": y, "text": {"field": "text"}}},
            {"data": {"name": "points"},
             "params": [{"name": "unit", "select": {"type": "point", "fields": ["layer", "unit"], "on": "click"}}],
             "mark": {"type": "square", "opacity": 0.01, "size": size, "cursor": "pointer"},
             "encoding": {"x": x, "y": y, "tooltip": tooltip}},
            {"data": {"name": "chosen"},  # the chosen unit, ringed at the size it is shown (the picture's ring is thin)
             "mark": {"type": "square", "filled": False, "color": "#dc1e1e", "strokeWidth": 3, "size": size * 2.5},
             "encoding": {"x": x, "y": y}},
        ],
    }
    return spec, points, width


def _url(picture: np.ndarray, scale: float) -> str:
    """The picture as a PNG data URL, shrunk to the size it is shown at."""
    img = Image.fromarray(picture)
    if scale != 1:  # enlarged: units stay sharp squares
        img = img.resize((round(img.width * scale), round(img.height * scale)),
                         Image.BILINEAR if scale < 1 else Image.NEAREST)
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def strongest(view: NetworkView, n_layers: int) -> tuple[int, int]:
    """(layer, unit) that pushed the followed digit hardest: the largest edge into its
    output; a model without hidden units (logistic regression): the output itself."""
    into = [e for e in view.edges if e.layer == n_layers - 1 and e.target == view.digit]
    if n_layers <= 2 or not into:
        return n_layers - 1, view.digit
    return n_layers - 2, max(into, key=lambda e: e.value).source


def _keys(where: str) -> dict[str, str]:
    return {k: widget_key(session.NETWORK, where, k) for k in ("layer", "unit", "auto", "chart", "clicked", "digit")}


def _clicked(keys: dict[str, str]) -> None:
    """A click on the chart picks that unit (read before the chooser is drawn)."""
    event = st.session_state.get(keys["chart"])
    picked = (event or {}).get("selection", {}).get("unit") or []
    if picked and picked != st.session_state.get(keys["clicked"]):
        st.session_state[keys["clicked"]] = picked
        layer, unit = int(picked[0]["layer"]), int(picked[0]["unit"])
        st.session_state[keys["layer"]], st.session_state[keys["unit"]] = layer, unit
        st.session_state[keys["auto"]] = False


def _manual(key: str) -> None:
    st.session_state[key] = False


def _auto(key: str) -> None:
    st.session_state[key] = True


def _look_inside(layer: int, unit: int) -> None:
    """Inside opens on this drawing with the same unit under its microscope."""
    inside = _keys("inside")
    st.session_state[session.INSIDE_SOURCE] = "Your drawing"
    st.session_state[inside["layer"]], st.session_state[inside["unit"]] = layer, unit
    st.session_state[inside["auto"]] = False


def network_panel(record: ModelRecord, image: np.ndarray | None, where: str = "draw",
                  digit: int | None = None) -> tuple[int, int] | None:
    """The picture of the network for ``image`` (h, w) in [0, 1] with its unit chooser;
    returns the chosen (layer, unit) (a feature-map layer's unit is a map), ``None``
    without an image.  ``digit``: the digit followed (``None``: a chooser, default the answer)."""
    if image is None:
        return None
    started = time.perf_counter()
    keys, model, lay = _keys(where), cache.model(record), layout(record)
    n_layers = len(lay.blocks)
    st.subheader(t("The network"))
    if digit is None:
        digit = st.segmented_control(t("Follow the digit"), list(range(10)), key=keys["digit"])
    view = network_view(model, image, None if digit is None else int(digit))
    _clicked(keys)
    if st.session_state.get(keys["auto"], True):
        st.session_state[keys["layer"]], st.session_state[keys["unit"]] = strongest(view, n_layers)
    layer = min(max(int(st.session_state.get(keys["layer"], n_layers - 1)), 1), n_layers - 1)
    units = len(lay.blocks[layer].cells)
    unit = min(max(int(st.session_state.get(keys["unit"], 0)), 0), units - 1)
    st.session_state[keys["layer"]], st.session_state[keys["unit"]] = layer, unit
    st.caption(t("Left to right: the {side}x{side} image the network sees, each layer's units coloured by how "
                 "strongly they fire (dark: quiet, yellow: strongly), the ten outputs; the lines are the strongest "
                 "contributions to {digit} (orange: for it, blue: against). Click a unit, or choose it below.",
                 side=model.image_shape[0], digit=view.digit))
    if where == "draw" and tuple(model.image_shape) in TURNED_SHAPES:  # the answer is read_proba's, not one pass's
        st.caption(t("The answer above averages this image and two copies of it turned 15° either way; the outputs "
                     "drawn here are this image's alone, so they can differ a little."))
    spec, points, width = _spec(str(record.path), cache.mtime(record), lang(), screen.presenting(),
                          PRESENTING if screen.presenting() else DISPLAY.get(where, 720))
    picture = render(lay, view, selected=(layer, unit))
    values = [np.asarray(a).reshape(len(b.cells), -1).max(1) for a, b in zip(view.activations, lay.blocks)]
    data = [{**p, "activation": float(values[p["layer"]][p["unit"]])} for p in points]
    chosen = [p for p in data if (p["layer"], p["unit"]) == (layer, unit)]
    chart = {**spec, "datasets": {"picture": [{"x": 0, "y": 0, "url": _url(picture, width / lay.width)}],
                                  "points": data, "chosen": chosen}}
    st.vega_lite_chart(chart, width="stretch", theme=None, on_select="rerun", selection_mode="unit", key=keys["chart"])
    pick_layer, pick_unit, back = screen.columns([2, 1, 2], key=f"network_pick_{where}")
    pick_layer.selectbox(t("Layer"), list(range(1, n_layers)), key=keys["layer"], on_change=_manual,
                         args=(keys["auto"],), format_func=lambda li: layer_label(lay.blocks[li].name))
    pick_unit.number_input(t("Map") if lay.blocks[layer].style == "maps" else t("Unit"), 0, units - 1,
                           key=keys["unit"], on_change=_manual, args=(keys["auto"],))
    back.button(t("The unit that pushed hardest"), key=widget_key(keys["auto"], "reset"), on_click=_auto,
                args=(keys["auto"],))
    if where != "inside" and st.button(t("Look inside this unit"), key=widget_key(keys["auto"], "look"),
                                       on_click=_look_inside, args=(layer, unit)):
        st.switch_page("pages/Inside.py")
    st.session_state[session.NETWORK_MS] = (time.perf_counter() - started) * 1000
    if screen.details():
        st.caption(t("The network's picture took {ms} ms on the server.",
                     ms=num(st.session_state[session.NETWORK_MS], 1)))
    return layer, unit
