"""The Dataset page's image browser: thumbnails to click, and one image's pixels as a
heatmap and as a table.

The two charts' specs are built once per shape (Altair validates every part, which
takes longer than a click may) and drawn again on each image's or page's data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis import charts

from .cache import source
from .lang import t

COLUMNS = 8  # thumbnails to a row


@st.cache_data(max_entries=8, show_spinner=False)
def _spec(kind: str, *args) -> dict:
    chart = charts.thumbnail_grid(*args) if kind == "thumbnails" else charts.pixel_heatmap(*args)
    spec = chart.to_dict()
    spec.pop("config", None)  # Streamlit's theme, not Altair's
    return spec


@st.cache_data(max_entries=64, show_spinner=False)
def _thumbnails(name: str, folder: str | None, split: str, indices: tuple[int, ...], _images: np.ndarray,
                labels: tuple[int, ...], vmax: int, size: int) -> pd.DataFrame:
    """A page of thumbnails, keyed by where its images come from (not by their pixels)."""
    return charts.thumbnail_frame(_images, indices, labels, vmax, None, COLUMNS, size)


def thumbnails(name: str, split: str, images: np.ndarray, labels: np.ndarray, indices: list[int], vmax: int,
               key: str) -> int:
    """The images ``indices`` (of ``images``, the ``split`` of dataset ``name``) as
    thumbnails to click; returns the one to inspect (shaded): the clicked one when it
    is on this page, else the page's first."""
    state = st.session_state.get(key) or {}
    clicked = [int(p["index"]) for p in (state.get("selection") or {}).get("thumb") or [] if "index" in p]
    inspected = clicked[0] if clicked and clicked[0] in indices else indices[0]
    size = max(48, 2 * images.shape[-1])  # MNIST 56 px, the 8x8 digits 56 too
    frame = _thumbnails(*source(name), split, tuple(indices), images[indices], tuple(int(v) for v in labels[indices]),
                        vmax, size).assign(inspected=[i == inspected for i in indices])
    titles = {"index": t("index"), "label": t("label")}  # the tooltip's, in the page's language
    spec = charts.with_data(_spec("thumbnails", COLUMNS, max(1, -(-len(indices) // COLUMNS)), size, titles),
                            **{charts.THUMBNAILS: frame})
    st.vega_lite_chart(spec, on_select="rerun", selection_mode="thumb", key=key, width="stretch")
    return inspected


def pixel_heatmap(image: np.ndarray, vmax: int) -> None:
    """The image's pixels shaded, each value written in (and in a tooltip)."""
    spec = _spec("pixels", tuple(image.shape), vmax, {"row": t("row"), "column": t("column"), "value": t("value")})
    st.vega_lite_chart(charts.with_data(spec, **{charts.PIXELS: charts.pixel_frame(image)}), width="stretch")


def pixel_table(image: np.ndarray) -> None:
    """All the image's pixel values as one table, columns of equal width, zeros faded:
    MNIST's 28 columns fit the page of a 1400-pixel window without scrolling (a narrower
    page scrolls the table sideways rather than squeeze its numbers)."""
    w = image.shape[1]
    big = w > 16
    styler = pd.DataFrame(np.asarray(image)).style.set_table_styles([
        {"selector": "", "props": f"table-layout: fixed; width: 100%; min-width: {(w + 1) * (28 if big else 40)}px"},
        {"selector": "th, td", "props": f"padding: 1px {3 if big else 8}px; font-size: {13 if big else 14}px; "
                                        "text-align: right; font-variant-numeric: tabular-nums"},
        {"selector": "th", "props": "color: rgba(128, 128, 128, 0.9); font-weight: normal"},
    ]).map(lambda v: "" if v else "color: rgba(128, 128, 128, 0.5)")  # grey on light and dark themes
    st.table(styler)
