"""The map of all the digits on the page (Inside's "Map of the digits", Draw's "Where it
lands"): the training images laid out by how alike the active model sees them
(:mod:`mnist_core.explain.digitmap`), the test images placed on it (the misread ones
crossed), the user's saved handwriting, and the drawing as a big star.

The map is built once per model on a worker (:mod:`mnist_core.training.maps`); until it
is ready a fragment polls its progress every second, never the web process fitting it.
The chart's spec (Altair validates every part: slow) is built once per model, language
and screen; each run only hands it data: the points (one frame per map, so the browser's
message cache keeps them) and the star.  Hovering a point shows its picture in the
chart's corner (an ``image`` mark fed with PNG data URLs); clicking one shows it beside
the chart, and a test image opens on Inside.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis.charts import with_data
from mnist_core.analysis.plots import data_url
from mnist_core.explain.digitmap import DigitMap, cached_map
from mnist_core.i18n import N_
from mnist_core.storage import ModelRecord

from . import cache, handwriting, screen, session
from .lang import lang, num, pct, t
from .text import errors_shown, plain

POINTS, ME, MINE = "points", "me", "mine"  # the chart's named data sets
ASKED = "digit_map_asked"  # session: this user asked for maps (a model without one gets it built)
#: Ten colours a projector keeps apart (Vega's category10, in digit order).
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]
STAGES = {"queued": N_("waiting for a worker"), "features": N_("reading the images"),
          "fit": N_("laying the digits out"), "place": N_("placing the test images"), "done": N_("done")}


@st.cache_resource(max_entries=16, show_spinner=False)
def _kept(path: str, mtime: float, dataset: str) -> dict:
    """Where a model's map is kept once it is ready (``{"map": DigitMap}``), per process."""
    return {}


def ready_map(record: ModelRecord, build: bool = False) -> tuple[DigitMap | None, object]:
    """The active model's map if ready (kept, or in the cache), else its build's state (a
    :class:`MapState`) if one is under way or ``build`` asks for it (then it starts on a
    worker), else ``(None, None)``: nobody asked yet."""
    from mnist_core.training.maps import map_builds  # the cluster's part: only where a map is shown

    kept = _kept(str(record.path), cache.mtime(record), session.active_name())
    if "map" in kept:
        return kept["map"], None
    model, ds = cache.model(record), session.dataset()
    found = cached_map(model, ds)
    if found is not None:
        kept["map"] = found
        return found, None
    if not (build or map_builds().started(model, ds)):
        return None, None
    state = map_builds().state(model, ds)
    if state.map is not None:
        kept["map"] = state.map
    return state.map, state


def map_panel(record: ModelRecord, drawing: np.ndarray | None, compact: bool = False, star: str | None = None) -> None:
    """The map with the ``drawing`` (model input (h, w), or None) as a star named ``star``
    (default "you"): the whole panel on Inside, a smaller chart on Draw (``compact``: no
    hover pictures, its clicks offer Inside)."""
    st.caption(t("Each dot is a training image, placed near the images the model finds alike and coloured by its "
                 "digit; crosses are test images the model misreads; your drawing is the star."))
    with errors_shown():
        the_map, state = ready_map(record)
        if the_map is None and state is None:
            if not st.session_state.get(ASKED):
                st.button(t("Build the map (a minute or more, on a worker)"), icon=":material/scatter_plot:",
                          on_click=st.session_state.__setitem__, args=(ASKED, True),
                          key=session.widget_key("build_map", "draw" if compact else "inside"))
                return
            the_map, state = ready_map(record, build=True)
        if the_map is None:
            st.fragment(_progress, run_every=1.0)(record)
            return
        _chart(record, the_map, drawing, compact, star or t("you"))


def _progress(record: ModelRecord) -> None:
    """Polls the worker's build: a bar while it goes, the whole page again once it is ready."""
    the_map, state = ready_map(record)
    if the_map is not None:
        st.rerun()  # the page draws the map (and stops this timer)
    if state.error:
        st.error(plain(state.error))
        return
    st.progress(min(1.0, state.share), text=t("Building the map of the digits on a worker ({share}): {stage}.",
                                              share=pct(state.share, 0), stage=t(STAGES.get(state.stage, "done"))))


@st.cache_resource(max_entries=8, show_spinner=False)
def _points(_the_map: DigitMap, path: str, mtime: float, dataset: str, language: str, pictures: bool) -> pd.DataFrame:
    """One row per point: x, y, digit, kind (translated), split, index, the model's answer, and (``pictures``) a PNG."""
    ds = session.dataset()
    m = _the_map
    wrong = m.test_pred != m.test_labels
    frame = pd.DataFrame({
        "x": np.concatenate([m.train_xy[:, 0], m.test_xy[:, 0]]), "y": np.concatenate([m.train_xy[:, 1], m.test_xy[:, 1]]),
        "digit": np.concatenate([m.train_labels, m.test_labels]).astype(str),
        "split": ["train"] * len(m.train_index) + ["test"] * len(m.test_index),
        "index": np.concatenate([m.train_index, m.test_index]).astype(int),
        "answer": np.concatenate([m.train_labels, m.test_pred]).astype(int),
        "kind": [t("training image")] * len(m.train_index) + [t("misread test image") if w else t("test image")
                                                                for w in wrong]})
    if pictures:
        images = np.concatenate([ds.x_train[m.train_index], ds.x_test[m.test_index]])
        frame["url"] = [data_url(im, im.shape[0], ds.pixel_max) for im in images]
    return frame


@st.cache_resource(max_entries=16, show_spinner=False)
def _spec(language: str, presenting: bool, compact: bool) -> dict:
    """The chart without its data (``to_dict``), built once: see :func:`mapchart`."""
    return mapchart(16 if presenting else 13, compact).to_dict()


def mapchart(font: int, compact: bool) -> alt.LayerChart:
    """Layers on named data: the points (:data:`POINTS`, coloured by digit, shaped by
    kind, click selection ``pick`` on split and index, hover ``hover``), black crosses on
    the misread ones, the saved handwriting (:data:`MINE`, diamonds), the drawing
    (:data:`ME`, a star) and, unless ``compact``, the hovered point's picture."""
    kinds = [t("training image"), t("test image"), t("misread test image")]
    pick = alt.selection_point(name="pick", fields=["split", "index"], on="click", clear=False, toggle=False)
    hover = alt.selection_point(name="hover", fields=["split", "index"], on="pointerover", nearest=True,
                                empty=False, clear="pointerout")
    plain_axis = alt.Axis(labels=False, ticks=False, title=None, grid=False, domain=False)
    free = alt.Scale(zero=False, nice=False)
    base = alt.Chart(alt.NamedData(POINTS)).encode(x=alt.X("x:Q", axis=plain_axis, scale=free),
                                                   y=alt.Y("y:Q", axis=plain_axis, scale=free))
    digits = alt.Scale(domain=[str(d) for d in range(10)], range=COLOURS)
    colour = alt.Color("digit:N", scale=digits, legend=alt.Legend(
        title=t("digit"), orient="right", symbolSize=200, labelFontSize=font, titleFontSize=font))
    dots = base.mark_point(filled=True, cursor="pointer").encode(
        color=colour, shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=["circle", "square", "cross"]),
                                      legend=alt.Legend(title=None, orient="bottom", symbolSize=160,
                                                        labelFontSize=font, symbolFillColor="#555")),
        size=alt.when(alt.datum.kind == kinds[2]).then(alt.value(110)).when(alt.datum.kind == kinds[1])
        .then(alt.value(24)).otherwise(alt.value(14)),
        opacity=alt.value(0.7),
        tooltip=[alt.Tooltip("kind:N", title=t("what")), alt.Tooltip("digit:N", title=t("label")),
                 alt.Tooltip("answer:N", title=t("the model reads")),
                 alt.Tooltip("index:Q", format="d", title=t("image number"))]).add_params(pick, hover)
    crosses = base.mark_point(shape="cross", filled=False, color="black", size=130, strokeWidth=1.5).transform_filter(
        alt.datum.kind == kinds[2])
    mine = alt.Chart(alt.NamedData(MINE)).mark_point(shape="diamond", filled=True, size=260, stroke="black",
                                                     strokeWidth=1.5).encode(
        x="x:Q", y="y:Q", color=alt.Color("digit:N", scale=digits, legend=None),
        tooltip=[alt.Tooltip("digit:N", title=t("your handwriting, labelled"))])
    me = alt.Chart(alt.NamedData(ME)).encode(x="x:Q", y="y:Q")
    star = me.mark_point(shape="M0,-1L0.24,-0.33L0.95,-0.31L0.38,0.12L0.59,0.81L0,0.4L-0.59,0.81L-0.38,0.12L-0.95,"
                              "-0.31L-0.24,-0.33Z", filled=True, size=1400 if not compact else 900, fill="#ffd700",
                         stroke="black", strokeWidth=2, opacity=1).encode(
        tooltip=[alt.Tooltip("answer:N", title=t("your drawing, read as"))])
    you = me.mark_text(dy=-30, fontSize=font + 2, fontWeight="bold", stroke="white", strokeWidth=0.4).encode(
        text="text:N")
    layers = [dots, crosses, mine, star, you]
    if not compact:
        layers.append(base.mark_image(width=84, height=84).encode(
            x=alt.value(46), y=alt.value(46), url="url:N").transform_filter(hover))
    return alt.layer(*layers).properties(height=360 if compact else 560).configure_legend(
        labelFontSize=font, titleFontSize=font).configure_view(strokeWidth=0)


@st.cache_resource(max_entries=16, show_spinner=False)
def _handwriting_xy(_the_map: DigitMap, _record: ModelRecord, path: str, mtime: float, ids: tuple,
                    _found: list) -> pd.DataFrame:
    model = cache.model(_record)
    seen = handwriting._inputs(ids, model.image_shape, _found)
    xy = _the_map.place_images(model, seen) if len(seen) else np.zeros((0, 2), np.float32)
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "digit": [str(d.label) for d in _found]})


def placed(record: ModelRecord, the_map: DigitMap, drawing: np.ndarray | None, text: str = "") -> pd.DataFrame:
    """The drawing's point (0 or 1 row: x, y, the model's answer, ``text``): ~1 ms beside its features."""
    if drawing is None:
        return pd.DataFrame({"x": [], "y": [], "answer": [], "text": []})
    model = cache.model(record)
    xy = the_map.place_images(model, drawing[None])
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "answer": [int(model.predict(drawing[None])[0])],
                         "text": [text]})


def _chart(record: ModelRecord, the_map: DigitMap, drawing: np.ndarray | None, compact: bool, star: str) -> None:
    path, mtime, dataset = str(record.path), cache.mtime(record), session.active_name()
    points = _points(the_map, path, mtime, dataset, lang(), not compact)
    found = [d for d in handwriting.drawings()]
    mine = _handwriting_xy(the_map, record, path, mtime, tuple(d.id for d in found), found)
    spec = with_data(_spec(lang(), screen.presenting(), compact), **{POINTS: points, ME: placed(record, the_map, drawing, star),
                                                                   MINE: mine})
    key = session.widget_key("digit_map", "draw" if compact else "inside")
    chart, side = (st.container(), st.container()) if compact else screen.columns([4, 1], key="map_row")
    with chart:
        st.vega_lite_chart(spec, on_select=_opened, selection_mode=["pick"], key=key, width="stretch")
    with side:
        _clicked(key, compact)
    wrong = int((the_map.test_pred != the_map.test_labels).sum())
    st.caption(t("{train} training images and {test} test images ({wrong} misread), laid out with t-SNE of the "
                 "model's own features.", train=num(len(the_map.train_index)), test=num(len(the_map.test_index)),
                 wrong=num(wrong)))


def _pick(key: str) -> dict | None:
    state = st.session_state.get(key)
    rows = ((state or {}).get("selection") or {}).get("pick") or []
    return rows[0] if rows and "split" in rows[0] else None


def _opened() -> None:
    """A click on a test image of Inside's map: Inside explains that test image (before the page reruns)."""
    row = _pick(session.widget_key("digit_map", "inside"))
    if row is not None and row["split"] == "test":
        st.session_state[session.INSIDE_TEST] = int(row["index"])
        st.session_state[session.INSIDE_SOURCE] = "A test image"


def _clicked(key: str, compact: bool) -> None:
    """The clicked point's picture and what it is; a test image opens on Inside."""
    row = _pick(key)
    if row is None:
        st.caption(t("Click a dot to see its image."))
        return
    ds, index = session.dataset(), int(row["index"])
    images, labels = (ds.x_test, ds.y_test) if row["split"] == "test" else (ds.x_train, ds.y_train)
    if index >= len(images):
        return
    st.image(data_url(images[index], 112, ds.pixel_max), width=112)
    st.caption(t("Test image {index}, labelled {label}", index=num(index), label=int(labels[index]))
               if row["split"] == "test" else
               t("Training image {index}, labelled {label}", index=num(index), label=int(labels[index])))
    if row["split"] == "test" and compact and st.button(t("Open it on Inside"), key=session.widget_key(key, "open")):
        st.switch_page("pages/Inside.py", query_params={"test": str(index)})
