"""Altair charts the app draws: learning curves, per-label accuracy side by side, the
right-here-wrong-there matrix.  Plain chart objects (no Streamlit), one colour per
model in every chart given the same ``order``."""
from __future__ import annotations

import altair as alt
import pandas as pd


def epoch_chart(curves: pd.DataFrame, color: str | None = None, height: int = 280,
                order: list[str] | None = None) -> alt.Chart:
    """Test accuracy (column ``test_accuracy``) per ``epoch``, one line per ``color``
    value (colours assigned in ``order``, as model_colors does); the y axis is fitted
    to the data rather than 0..1, where it looks flat."""
    lo, hi = float(curves["test_accuracy"].min()), float(curves["test_accuracy"].max())
    pad = max((hi - lo) * 0.15, 0.005)
    scale = alt.Scale(domain=[max(0.0, lo - pad), min(1.0, hi + pad)], zero=False, nice=False)
    tooltip = [alt.Tooltip("epoch:Q"), alt.Tooltip("test_accuracy:Q", title="test accuracy", format=".2%")]
    enc = {"x": alt.X("epoch:Q", title="epoch", axis=alt.Axis(format="d", tickMinStep=1)),
           "y": alt.Y("test_accuracy:Q", title="test accuracy", scale=scale, axis=alt.Axis(format=".1%")),
           "tooltip": tooltip}
    if color:
        enc["color"] = model_colors(f"{color}:N", order)
        enc["tooltip"] = [alt.Tooltip(f"{color}:N"), *tooltip]
    return alt.Chart(curves).mark_line(point=True).encode(**enc).properties(height=height)


def model_colors(field: str, order: list[str] | None = None) -> alt.Color:
    """A colour per model (tableau10: distinct hues), the same in every chart given the
    same ``order``; legend below."""
    scale = alt.Scale(domain=order, scheme="tableau10") if order else alt.Scale(scheme="tableau10")
    return alt.Color(field, scale=scale, sort=order or "ascending", title=None,
                     legend=alt.Legend(orient="bottom", columns=2, labelLimit=500))


def per_label_chart(per_label: pd.DataFrame, order: list[str], floor: float) -> alt.Chart:
    """Grouped bars: per label (rows of ``per_label``), one bar per model (columns);
    the accuracy axis starts at ``floor`` so differences of a percent show."""
    long = per_label.reset_index().melt("label", var_name="model", value_name="accuracy")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("label:O", title="label", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("model:N", sort=order),
        y=alt.Y("accuracy:Q", title="accuracy", scale=alt.Scale(domain=[floor, 1.0], clamp=True),
                axis=alt.Axis(format=".0%")),
        color=model_colors("model:N", order),
        tooltip=["model", "label", alt.Tooltip("accuracy:Q", format=".2%")],
    ).properties(height=320)


def right_wrong_chart(matrix: pd.DataFrame) -> alt.LayerChart:
    """The right-here-wrong-there matrix as a heatmap with the counts written in."""
    names = list(matrix.index)
    long = matrix.rename_axis(index="here", columns="there").stack().rename("count").reset_index()
    long = long[long["here"] != long["there"]]
    base = alt.Chart(long).encode(
        x=alt.X("there:N", sort=names, title="wrong there",
                axis=alt.Axis(orient="bottom", labelAngle=0, labelExpr="split(datum.label, '-')")),
        y=alt.Y("here:N", sort=names, title="right here", axis=alt.Axis(labelLimit=300)))
    peak = max(int(long["count"].max()), 1) if len(long) else 1
    rect = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="greens", domain=[0, peak]), legend=None),
        tooltip=[alt.Tooltip("here:N", title="right"), alt.Tooltip("there:N", title="wrong"), "count:Q"])
    text = base.mark_text(fontSize=15).encode(
        text=alt.Text("count:Q", format=","),
        color=alt.condition(alt.datum.count > peak / 2, alt.value("white"), alt.value("black")))
    # the height includes the axes (Streamlit fits the whole chart): names span up to ~4 lines
    return (rect + text).properties(height=56 * len(names) + 130)


def confusion_chart(matrix, height: int = 420) -> alt.LayerChart:
    """The confusion matrix as a heatmap to click: rows true label, columns predicted,
    the count and the share of the row written in each cell.  Its point selection is
    named ``cell`` (fields ``true`` and ``predicted``); the chosen cell is outlined."""
    counts = pd.DataFrame([{"true": t, "predicted": p, "count": int(matrix[t][p])}
                           for t in range(len(matrix)) for p in range(len(matrix[t]))])
    totals = counts.groupby("true")["count"].transform("sum").clip(lower=1)
    counts["share"] = counts["count"] / totals
    counts["text"] = [f"{c:,}" if c else "" for c in counts["count"]]
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear="dblclick")
    base = alt.Chart(counts).encode(
        x=alt.X("predicted:O", title="predicted label", axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("true:O", title="true label"))
    rect = base.mark_rect(stroke="black").encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", type="sqrt", domain=[0, 1]), legend=None),
        strokeWidth=alt.condition(cell, alt.value(3), alt.value(0)),
        tooltip=[alt.Tooltip("true:O", title="true"), alt.Tooltip("predicted:O", title="predicted"),
                 alt.Tooltip("count:Q", format=","), alt.Tooltip("share:Q", title="share of the row", format=".1%")],
    ).add_params(cell)
    text = base.mark_text(fontSize=13).encode(
        text="text:N", color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("black")))
    return (rect + text).properties(height=height)


def probability_chart(proba, true_label: int, height: int = 220) -> alt.Chart:
    """A model's 10 probabilities for one image, the true label's bar marked."""
    frame = pd.DataFrame({"digit": range(len(proba)), "probability": [float(p) for p in proba]})
    frame["label"] = ["true label" if d == true_label else "other" for d in frame["digit"]]
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("digit:O", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        color=alt.Color("label:N", scale=alt.Scale(domain=["true label", "other"], range=["#2e7d32", "#9e9e9e"]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["digit", alt.Tooltip("probability:Q", format=".2%")]).properties(height=height)


def bars(frame: pd.DataFrame, x: str, y: str, y_format: str = "", height: int = 240,
         floor: float | None = None) -> alt.Chart:
    """Plain bars of ``y`` per ``x`` (per-label accuracy, what a label is mistaken for);
    ``floor`` starts the axis there (up to 1) so that differences of a percent show."""
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    scale = alt.Scale(domain=[floor, 1.0], clamp=True) if floor is not None else alt.Scale()
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{x}:O", axis=alt.Axis(labelAngle=0)), y=alt.Y(f"{y}:Q", axis=axis, scale=scale),
        tooltip=[x, alt.Tooltip(f"{y}:Q", format=y_format or ",")]).properties(height=height)
