"""Mistakes: where the active model goes wrong on the test set.  Click a cell of the
confusion matrix to see its images (a diagonal cell: the right answers, least confident
first), narrow them by confidence, page through all of them, click one to inspect it."""
import pandas as pd
import streamlit as st

import studio_ui as ui
from studio_ui import screen
from mnist_core.analysis import charts, plots
from mnist_core.analysis.evaluation import page_of

ui.start_page()
st.title("Mistakes")
rec = ui.ensure_model()
ds, ev = ui.dataset(), ui.evaluation(rec)
st.caption(ui.plain(f"Model {rec.label} on the {len(ev.y_true):,} test images of {ui.LABELS[ui.active_name()]}."))
c1, c2, c3 = st.columns(3)
c1.metric("Errors", f"{ev.n_errors:,}")
c2.metric("Error rate", f"{ev.n_errors / max(len(ev.y_true), 1):.2%}")
c3.metric("Accuracy", f"{ev.accuracy:.2%}")

left, right = st.columns([3, 2])
with left:
    st.subheader("Confusion matrix")
    st.caption("Rows: the true label; columns: what the model answered. Click a cell for its images.")
    event = st.altair_chart(charts.confusion_chart(ev.confusion()), on_select="rerun", key="confusion_pick",
                            width="stretch")
    picked = (event.get("selection") or {}).get("cell") or []
with right:
    st.subheader("Which images")
    ANY = "any"
    true = st.selectbox("True label", [ANY, *range(10)], key="mistake_true")
    pred = st.selectbox("Predicted label", [ANY, *range(10)], key="mistake_pred")
    if picked:  # a clicked cell decides
        true, pred = int(picked[0]["true"]), int(picked[0]["predicted"])
        st.caption(f"Cell: true {true}, predicted {pred} (double-click the matrix to clear).")
    low, high = st.slider("Confidence", 0.0, 1.0, (0.0, 1.0), 0.05, key="mistake_conf")
    diagonal = true != ANY and true == pred
    order = st.radio("Order", ["least confident first", "most confident first"], horizontal=True,
                     index=0 if diagonal else 1, key=f"mistake_order_{diagonal}")
chosen = ev.select(None if true == ANY else int(true), None if pred == ANY else int(pred), low, high,
                   order == "most confident first")
shown, pages = page_of(chosen, st.session_state.get("mistake_page", 1), 24)
what = "read right" if diagonal else "misread"
st.caption(f"{len(chosen):,} images {what} match; page {min(st.session_state.get('mistake_page', 1), pages)} "
           f"of {pages}.")
if chosen.empty:
    st.info("No image matches these filters.")
else:
    st.number_input("Page", 1, pages, key="mistake_page", label_visibility="collapsed")
    table = shown.assign(image=[plots.data_url(ds.x_test[i], 56, ds.pixel_max) for i in shown["index"]])
    rows = st.dataframe(table[["image", "index", "true", "predicted", "confidence"]], hide_index=True,
                        on_select="rerun", selection_mode="single-row", key="mistake_rows", row_height=60,
                        column_config={"image": st.column_config.ImageColumn("image"),
                                       "confidence": st.column_config.NumberColumn(format="percent")})
    selected = [r for r in rows.selection.rows if r < len(shown)]  # a row of an earlier, longer list: ignored
    pick = int(shown["index"].iloc[selected[0]] if selected else shown["index"].iloc[0])
    a, b = st.columns([1, 2])
    a.image(plots.upscale(ds.x_test[pick], 224, ds.pixel_max), width=224,
            caption=f"Test image #{pick}: true {ev.y_true[pick]}, predicted {ev.y_pred[pick]}")
    top2 = ev.proba[pick].argsort()[::-1][:2]
    a.caption(f"Top two: {top2[0]} ({ev.proba[pick][top2[0]]:.1%}), {top2[1]} ({ev.proba[pick][top2[1]]:.1%}).")
    if a.button("Why? Look inside", key="mistake_why"):
        st.switch_page("pages/Inside.py", query_params={"test": pick})
    b.altair_chart(charts.probability_chart(ev.proba[pick], int(ev.y_true[pick])), width="stretch")

if not screen.details():
    st.stop()  # presenter mode: the matrix and its images only
st.subheader("Per label")
per_label = ev.per_label().reset_index()
floor = max(0.0, int((float(per_label["accuracy"].min()) - 0.02) * 100) / 100)  # a whole percent below the worst
st.altair_chart(charts.bars(per_label, "label", "accuracy", ".0%", floor=floor), width="stretch")
st.caption(f"Accuracy on each label's test images; the axis starts at {floor:.0%} so the differences show.")
st.subheader("What a label is mistaken for")
label = st.selectbox("Label", list(range(10)), index=7, key="mistaken_label")
counts = ev.mistaken_for(label)
if counts.empty:
    st.success(f"Every {label} in the test set was recognised.")
else:
    st.write(f"The {int(counts.sum())} misread {label}s were taken for:")
    st.altair_chart(charts.bars(counts.rename_axis("predicted").reset_index(), "predicted", "count"), width="stretch")
