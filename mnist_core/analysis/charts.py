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
