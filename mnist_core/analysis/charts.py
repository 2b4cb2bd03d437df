"""Altair charts the app draws: learning curves, per-label accuracy side by side, the
right-here-wrong-there matrix.  Plain chart objects (no Streamlit), one colour per
model in every chart given the same ``order``.  A model's name never wraps or widens
an axis or a legend: it is cut at :data:`NAME_PIXELS` with an ellipsis, and every mark
that stands for a model has the full name in its tooltip."""
from __future__ import annotations

import altair as alt
import pandas as pd

#: Widest a model's name is drawn on an axis or in a legend, in pixels (about 24 characters).
NAME_PIXELS = 160
#: Most characters of a name under a column.  Names under columns are cut in characters,
#: as many as the column fits (about 6.5 px each), never more than this: Vega centres a
#: label its pixel limit cut as if it were whole, so neighbours would overlap.
NAME_CHARS = 28
_FIT = f"clamp(floor((bandwidth('x') - 10) / 6.5), 4, {NAME_CHARS})"
_CUT = f"length(datum.label) > {_FIT} ? substring(datum.label, 0, {_FIT} - 1) + '…' : datum.label"


def epoch_chart(curves: pd.DataFrame, color: str | None = None, height: int = 280,
                order: list[str] | None = None, titles: dict[str, str] | None = None) -> alt.Chart:
    """Test accuracy (column ``test_accuracy``) per ``epoch``, one line per ``color``
    value (colours assigned in ``order``, as model_colors does); the y axis is fitted
    to the data rather than 0..1, where it looks flat.  ``titles`` names ``epoch``,
    ``test_accuracy`` and ``color`` on the axes and in the tooltip (see :func:`titled`)."""
    titles = {"epoch": "epoch", "test_accuracy": "test accuracy", **(titles or {})}
    lo, hi = float(curves["test_accuracy"].min()), float(curves["test_accuracy"].max())
    pad = max((hi - lo) * 0.15, 0.005)
    scale = alt.Scale(domain=[max(0.0, lo - pad), min(1.0, hi + pad)], zero=False, nice=False)
    tooltip = [alt.Tooltip("epoch:Q", **titled(titles, "epoch")),
               alt.Tooltip("test_accuracy:Q", format=".2%", **titled(titles, "test_accuracy"))]
    enc = {"x": alt.X("epoch:Q", axis=alt.Axis(format="d", tickMinStep=1), **titled(titles, "epoch")),
           "y": alt.Y("test_accuracy:Q", scale=scale, axis=alt.Axis(format=".1%"), **titled(titles, "test_accuracy")),
           "tooltip": tooltip}
    if color:
        enc["color"] = model_colors(f"{color}:N", order)
        enc["tooltip"] = [alt.Tooltip(f"{color}:N", **titled(titles, color)), *tooltip]
    return alt.Chart(curves).mark_line(point=True).encode(**enc).properties(height=height)


def model_colors(field: str, order: list[str] | None = None) -> alt.Color:
    """A colour per model (tableau10: distinct hues), the same in every chart given the
    same ``order``; legend below."""
    scale = alt.Scale(domain=order, scheme="tableau10") if order else alt.Scale(scheme="tableau10")
    return alt.Color(field, scale=scale, sort=order or "ascending", title=None,
                     legend=alt.Legend(orient="bottom", columns=2, labelLimit=NAME_PIXELS * 3 // 2))


def per_label_chart(per_label: pd.DataFrame, order: list[str], floor: float,
                    titles: dict[str, str] | None = None) -> alt.Chart:
    """Grouped bars: per label (rows of ``per_label``), one bar per model (columns);
    the accuracy axis starts at ``floor`` so differences of a percent show.  ``titles``
    names ``label``, ``accuracy`` and ``model`` on the axes and in the tooltip."""
    titles = {"label": "label", "accuracy": "accuracy", **(titles or {})}
    long = per_label.reset_index().melt("label", var_name="model", value_name="accuracy")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("label:O", axis=alt.Axis(labelAngle=0), **titled(titles, "label")),
        xOffset=alt.XOffset("model:N", sort=order),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[floor, 1.0], clamp=True),
                axis=alt.Axis(format=".0%"), **titled(titles, "accuracy")),
        color=model_colors("model:N", order),
        tooltip=[alt.Tooltip("model:N", **titled(titles, "model")), alt.Tooltip("label:O", **titled(titles, "label")),
                 alt.Tooltip("accuracy:Q", format=".2%", **titled(titles, "accuracy"))],
    ).properties(height=320)


def right_wrong_chart(matrix: pd.DataFrame, titles: dict[str, str] | None = None) -> alt.LayerChart:
    """The right-here-wrong-there matrix as a heatmap with the counts written in.
    ``titles`` names the axes (``here``, ``there``) and the tooltip's ``right``,
    ``wrong`` and ``count``; English by default."""
    titles = {"here": "right here", "there": "wrong there", "right": "right", "wrong": "wrong", **(titles or {})}
    names = list(matrix.index)
    long = matrix.rename_axis(index="here", columns="there").stack().rename("count").reset_index()
    long = long[long["here"] != long["there"]]
    base = alt.Chart(long).encode(  # one line per name, cut short (the tooltip has it whole)
        x=alt.X("there:N", sort=names, title=titles["there"],
                axis=alt.Axis(orient="bottom", labelAngle=0, labelOverlap=False, labelFlush=False, labelExpr=_CUT,
                              labelLimit=1000)),
        y=alt.Y("here:N", sort=names, title=titles["here"], axis=alt.Axis(labelLimit=NAME_PIXELS)))
    peak = max(int(long["count"].max()), 1) if len(long) else 1
    rect = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="greens", domain=[0, peak]), legend=None),
        tooltip=[alt.Tooltip("here:N", title=titles["right"]), alt.Tooltip("there:N", title=titles["wrong"]),
                 alt.Tooltip("count:Q", **titled(titles, "count"))])
    text = base.mark_text(fontSize=15).encode(
        text=alt.Text("count:Q", format=","),
        color=alt.condition(alt.datum.count > peak / 2, alt.value("white"), alt.value("black")))
    # the height includes the axes (Streamlit fits the whole chart): one line of names
    return (rect + text).properties(height=56 * len(names) + 70)


def named(titles: dict[str, str] | None, english: str) -> str:
    """What the page calls a chart's text (an axis title, a legend's entry) written
    ``english`` here: ``titles[english]`` when ``titles`` has it, else the English."""
    return titles.get(english, english) if titles else english


def confusion_chart(matrix, height: int = 420, titles: dict[str, str] | None = None) -> alt.LayerChart:
    """The confusion matrix as a heatmap to click: rows true label, columns predicted,
    the count and the share of the row written in each cell.  Its point selection is
    named ``cell`` (fields ``true`` and ``predicted``); the chosen cell is outlined.
    ``titles`` gives the axis titles and tooltips in the page's language, keyed by their
    English ("predicted label", "true label", "true", "predicted", "count", "share of the
    row"; see :func:`named`)."""
    counts = pd.DataFrame([{"true": t, "predicted": p, "count": int(matrix[t][p])}
                           for t in range(len(matrix)) for p in range(len(matrix[t]))])
    totals = counts.groupby("true")["count"].transform("sum").clip(lower=1)
    counts["share"] = counts["count"] / totals
    counts["text"] = [f"{c:,}" if c else "" for c in counts["count"]]
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear="dblclick")
    base = alt.Chart(counts).encode(
        x=alt.X("predicted:O", title=named(titles, "predicted label"), axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("true:O", title=named(titles, "true label")))
    rect = base.mark_rect(stroke="black").encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", type="sqrt", domain=[0, 1]), legend=None),
        strokeWidth=alt.condition(cell, alt.value(3), alt.value(0)),
        tooltip=[alt.Tooltip("true:O", title=named(titles, "true")),
                 alt.Tooltip("predicted:O", title=named(titles, "predicted")),
                 alt.Tooltip("count:Q", format=",", title=named(titles, "count")),
                 alt.Tooltip("share:Q", title=named(titles, "share of the row"), format=".1%")],
    ).add_params(cell)
    text = base.mark_text(fontSize=13).encode(
        text="text:N", color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("black")))
    return (rect + text).properties(height=height)


def probability_chart(proba, true_label: int, height: int = 220, titles: dict[str, str] | None = None) -> alt.Chart:
    """A model's 10 probabilities for one image, the true label's bar marked (none: -1).
    ``titles`` gives the axis titles, tooltips and legend in the page's language, keyed
    by their English ("digit", "probability", "true label", "other"; see :func:`named`)."""
    marked, other = named(titles, "true label"), named(titles, "other")
    frame = pd.DataFrame({"digit": range(len(proba)), "probability": [float(p) for p in proba]})
    frame["label"] = [marked if d == true_label else other for d in frame["digit"]]
    digit, probability = named(titles, "digit"), named(titles, "probability")
    x = alt.X("digit:O", title=digit, axis=alt.Axis(labelAngle=0))
    y = alt.Y("probability:Q", title=probability, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%"))
    tooltip = [alt.Tooltip("digit:O", title=digit), alt.Tooltip("probability:Q", title=probability, format=".2%")]
    if true_label not in range(len(proba)):  # a drawing: no true label to mark
        return alt.Chart(frame).mark_bar(color="#1f77b4").encode(x=x, y=y, tooltip=tooltip).properties(height=height)
    return alt.Chart(frame).mark_bar().encode(
        x=x, y=y,
        color=alt.Color("label:N", scale=alt.Scale(domain=[marked, other], range=["#2e7d32", "#9e9e9e"]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=tooltip).properties(height=height)


def titled(titles: dict[str, str] | None, field: str) -> dict[str, str]:
    """``title=`` for a field's axis or tooltip when ``titles`` (field -> what the page
    calls it, in its language) names it; else nothing, and the field's own name shows."""
    return {"title": titles[field]} if titles and field in titles else {}


def bars(frame: pd.DataFrame, x: str, y: str, y_format: str = "", height: int = 240,
         floor: float | None = None, titles: dict[str, str] | None = None) -> alt.Chart:
    """Plain bars of ``y`` per ``x`` (per-label accuracy, what a label is mistaken for);
    ``floor`` starts the axis there (up to 1) so that differences of a percent show;
    ``titles`` names ``x`` and ``y`` on the axes and in the tooltip (see :func:`titled`)."""
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    scale = alt.Scale(domain=[floor, 1.0], clamp=True) if floor is not None else alt.Scale()
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{x}:O", axis=alt.Axis(labelAngle=0), **titled(titles, x)),
        y=alt.Y(f"{y}:Q", axis=axis, scale=scale, **titled(titles, y)),
        tooltip=[alt.Tooltip(x, **titled(titles, x)),
                 alt.Tooltip(f"{y}:Q", format=y_format or ",", **titled(titles, y))]).properties(height=height)


# The image browser's two charts leave their data out, so their specs (slow to build:
# Altair validates every part) can be built once and drawn again and again on other
# data: ``with_data(chart.to_dict(), name=frame)`` for ``st.vega_lite_chart``.
THUMBNAILS, PIXELS = "thumbnails", "pixels"


def with_data(spec: dict, **frames: pd.DataFrame) -> dict:
    """A copy of ``spec`` (a chart's ``to_dict()``) given its named data sets."""
    return {**spec, "datasets": {**spec.get("datasets", {}), **frames}}


def thumbnail_frame(images, indices, labels, vmax: float, inspected: int | None = None,
                    columns: int = 8, size: int = 56) -> pd.DataFrame:
    """The data of :func:`thumbnail_grid`: each image's ``index``, ``label``, place in the
    grid, caption ``#index: label``, a PNG data URL, and whether it is the ``inspected`` one."""
    from .plots import data_url

    n = len(indices)
    return pd.DataFrame({
        "index": [int(i) for i in indices], "label": [int(y) for y in labels],
        "col": [k % columns for k in range(n)], "row": [k // columns for k in range(n)],
        "caption": [f"#{int(i)}: {int(y)}" for i, y in zip(indices, labels)],
        "url": [data_url(img, size, vmax) for img in images],
        "inspected": [int(i) == inspected for i in indices]})


def thumbnail_grid(columns: int = 8, rows: int = 4, size: int = 56,
                   titles: dict[str, str] | None = None) -> alt.LayerChart:
    """Thumbnails to click, ``columns`` to a row, each captioned, drawn from the data set
    named ``thumbnails`` (:func:`thumbnail_frame`).  Its point selection is named
    ``thumb`` (field ``index``); the clicked and the ``inspected`` thumbnails are shaded.
    Images shrink to fit a narrow column and never grow past ``size`` pixels.  ``titles``
    names ``index`` and ``label`` in the tooltip (see :func:`titled`)."""
    pick = alt.selection_point(name="thumb", fields=["index"], on="click", clear=False, toggle=False)
    base = alt.Chart(alt.NamedData(THUMBNAILS)).encode(
        x=alt.X("col:O", axis=None, scale=alt.Scale(domain=list(range(columns)), paddingInner=0.06)),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(domain=list(range(rows)), paddingInner=0.06)),
        tooltip=[alt.Tooltip("index:Q", format="d", **titled(titles, "index")),
                 alt.Tooltip("label:Q", format="d", **titled(titles, "label"))])
    shade = alt.value("#ff4b4b40")
    cell = base.mark_rect(cornerRadius=4, cursor="pointer").encode(
        fill=alt.when(pick, empty=False).then(shade).when(alt.datum.inspected).then(shade)
        .otherwise(alt.value("transparent"))).add_params(pick)
    side = f"max(8, min({size}, bandwidth('x') - 6, bandwidth('y') - 24))"
    image = base.mark_image(width=alt.expr(side), height=alt.expr(side), cursor="pointer",
                            yOffset=-8).encode(url="url:N")
    caption = base.mark_text(baseline="top", fontSize=12, cursor="pointer",
                             yOffset=alt.expr(f"{side} / 2 - 6")).encode(text="caption:N")
    return (cell + image + caption).properties(height=rows * (size + 30))


def pixel_frame(image) -> pd.DataFrame:
    """The data of :func:`pixel_heatmap`: one row per pixel (``row``, ``column``,
    ``value``, and ``text``: the value, blank for 0)."""
    import numpy as np

    img = np.asarray(image)
    rows, cols = np.indices(img.shape)
    values = img.ravel()
    return pd.DataFrame({"row": rows.ravel(), "column": cols.ravel(), "value": values,
                         "text": [str(v) if v else "" for v in values.tolist()]})


def pixel_heatmap(shape: tuple[int, int], vmax: float = 255, titles: dict[str, str] | None = None) -> alt.LayerChart:
    """An image's pixels as a grid, drawn from the data set named ``pixels``
    (:func:`pixel_frame`): each cell shaded by its value (0 black, ``vmax`` white) with
    the value written in it, and a tooltip with its row, column and value (``titles``
    names ``row``, ``column`` and ``value`` there, see :func:`titled`).  The numbers
    grow with the cells (up to 16 px) and give way to the tooltip when cells are too
    narrow for them."""
    h, w = shape
    base = alt.Chart(alt.NamedData(PIXELS)).encode(
        x=alt.X("column:O", title=None, scale=alt.Scale(domain=list(range(w))),
                axis=alt.Axis(orient="top", labelAngle=0, labelFontSize=10, ticks=False, domain=False)),
        y=alt.Y("row:O", title=None, scale=alt.Scale(domain=list(range(h))),
                axis=alt.Axis(labelFontSize=10, ticks=False, domain=False)))
    rect = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=alt.Scale(domain=[0, vmax], range=["black", "white"]), legend=None),
        tooltip=[alt.Tooltip("row:O", **titled(titles, "row")), alt.Tooltip("column:O", **titled(titles, "column")),
                 alt.Tooltip("value:Q", format="d", **titled(titles, "value"))])
    digits = len(str(int(vmax)))
    size = f"min(16, bandwidth('x') / {0.55 * digits + 0.3:g}, bandwidth('y') * 0.65)"
    text = base.mark_text(fontSize=alt.expr(size), opacity=alt.expr(f"{size} >= 8 ? 1 : 0")).encode(
        text="text:N", color=alt.when(alt.datum.value > vmax / 2).then(alt.value("black"))
        .otherwise(alt.value("white")))
    return (rect + text).properties(height=22 * h if h > 10 else 40 * h)


def push_chart(table: pd.DataFrame, units: list[int], activations: list[float], height: int = 320,
               titles: dict[str, str] | None = None) -> alt.LayerChart:
    """Hidden units (rows, in the given order, labelled with how strongly each fired) x
    outputs (columns): how much each unit pushed each output's score, red towards, blue away.
    ``table`` has columns unit, output, push.  ``titles`` gives the texts in the page's
    language, keyed by their English ("output digit", "unit", "output", "push", and the
    rows' label "unit {unit} (fires {activity:.2f})", a template; see :func:`named`)."""
    frame = table.copy()
    row = named(titles, "unit {unit} (fires {activity:.2f})")
    names = {u: row.format(unit=u, activity=a) for u, a in zip(units, activations)}
    frame["unit"] = frame["unit"].map(names)
    size = float(frame["push"].abs().max()) or 1.0
    frame["text"] = [f"{p:+.1f}" if abs(p) >= 0.05 * size else "" for p in frame["push"]]
    base = alt.Chart(frame).encode(
        x=alt.X("output:O", title=named(titles, "output digit"), axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("unit:N", sort=[names[u] for u in units], title=None))
    rect = base.mark_rect().encode(
        color=alt.Color("push:Q", scale=alt.Scale(scheme="redblue", reverse=True, domain=[-size, size]), legend=None),
        tooltip=[alt.Tooltip("unit:N", title=named(titles, "unit")), alt.Tooltip("output:O", title=named(titles, "output")),
                 alt.Tooltip("push:Q", title=named(titles, "push"), format="+.3f")])
    text = base.mark_text(fontSize=11).encode(text="text:N")
    return (rect + text).properties(height=height)
