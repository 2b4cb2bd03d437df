"""A model's results as the pages show them: the model in one line (:func:`describe`),
saved models as a table, the per-label table beside the confusion matrix, and the titles
the charts of results share."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_core.analysis import Evaluation, charts
from mnist_core.storage import ModelRecord

from . import screen, session
from .lang import name, pct, t, titles


def describe(rec: ModelRecord | None) -> str:
    """A model in one line of plain text (names come from users: never markdown)."""
    if rec is None:
        return t("none yet (one is trained when needed)")
    acc = rec.meta.get("test_accuracy")
    acc_text = pct(acc) if isinstance(acc, (int, float)) else "?"
    return f"{name(session.label(rec))} ({rec.meta.get('model', '?')}, {acc_text}, {rec.created})"


def confusion_titles() -> dict[str, str]:
    """The confusion matrix's axis and tooltip titles (see ``charts.confusion_chart``)."""
    return titles("predicted label", "true label", "true", "predicted", "count", "share of the row")


def probability_titles() -> dict[str, str]:
    """One image's probability chart's titles (see ``charts.probability_chart``)."""
    return titles("digit", "probability", "true label", "other")


def per_label_and_confusion(record: ModelRecord, ev: Evaluation) -> None:
    """The tutorial's per-label table beside the confusion-matrix heatmap (the same
    Altair chart Mistakes draws, titled in the page's language)."""
    left, right = screen.columns([2, 3], key=session.widget_key("results", record.key))
    columns = titles("correct", "count", "accuracy")
    table = ev.per_label().rename(columns=columns).rename_axis(index=t("label"))
    left.dataframe(table.style.format({columns["accuracy"]: "{:.2%}"}))
    right.altair_chart(charts.confusion_chart(ev.confusion(), height=320, titles=confusion_titles()),
                       width="stretch")


def model_table(recs: list[ModelRecord], active: ModelRecord | None) -> None:
    """Saved models as a table: their names are shown as text, never as markdown nor
    looked up in the catalogue; the columns are named in the page's language."""
    status = {"done": t("done"), "stopped": t("stopped"), "diverged": t("diverged")}
    accuracy = t("test accuracy")
    labels = session.model_labels(recs[0].meta.get("dataset") or None) if recs else {}  # none repeats
    st.dataframe(pd.DataFrame([{
        t("active"): "●" if active and r.key == active.key else "", t("name"): name(labels.get(r.key, r.label)),
        t("by"): r.meta.get("published_by", "") if r.shared else "", t("model"): r.meta.get("model"),
        accuracy: r.meta.get("test_accuracy"),
        t("status"): status.get(r.meta.get("status", "done"), r.meta.get("status")),
        t("epochs"): len(r.meta.get("history") or []),
        t("augmented"): t("yes") if (r.meta.get("training") or {}).get("augment") else "",
        t("my handwriting"): "{images} x {repeat}".format(**r.meta["handwriting"]) if r.meta.get("handwriting") else "",
        t("trained"): r.created,
        t("published"): str(r.meta.get("published_at", ""))[:16].replace("T", " ") if r.shared else "",
        t("seconds"): r.meta.get("train_seconds"), "KiB": round(r.size_kib), t("file"): f"{r.name}.npz",
    } for r in recs]), hide_index=True, column_config={accuracy: st.column_config.NumberColumn(format="percent")})
