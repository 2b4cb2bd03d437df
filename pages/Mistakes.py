"""Mistakes: where the active model goes wrong on the test set."""
import pandas as pd
import streamlit as st

import studio_ui as ui
from mnist_core.analysis import plots

ui.start_page()
st.title("Mistakes")
rec = ui.ensure_model()
ds, ev = ui.dataset(), ui.evaluation(rec)
st.caption(ui.plain(f"Model {rec.label} on the {len(ev.y_true):,} test images of {ui.LABELS[ui.active_name()]}."))

c1, c2, c3 = st.columns(3)
c1.metric("Errors", f"{ev.n_errors:,}")
c2.metric("Error rate", f"{ev.n_errors / max(len(ev.y_true), 1):.2%}")
c3.metric("Accuracy", f"{ev.accuracy:.2%}")

ui.per_label_and_confusion(rec, ev, titles=True)

st.subheader("The images it gets wrong")
ANY = "any"
f1, f2 = st.columns(2)
true = f1.selectbox("True label", [ANY, *range(10)], key="mistake_true")
pred = f2.selectbox("Predicted label", [ANY, *range(10)], key="mistake_pred")
wrong = ev.misclassified(None if true == ANY else int(true), None if pred == ANY else int(pred))
st.caption(f"{len(wrong):,} mistakes match, most confident first" + (" (showing 40)." if len(wrong) > 40 else "."))
top = wrong.head(40)
if top.empty:
    st.info("No mistakes match these filters.")
else:
    st.image([plots.upscale(ds.x_test[i], 84, ds.pixel_max) for i in top["index"]],
             caption=[f"{t} → {p} ({c:.0%})" for t, p, c in zip(top["true"], top["predicted"], top["confidence"])],
             width=84)
    pick = st.selectbox("Look at one", list(top["index"]), key="mistake_pick",
                        format_func=lambda i: f"test image #{i}: {ev.y_true[i]} → {ev.y_pred[i]}")
    a, b = st.columns([1, 2])
    a.image(plots.upscale(ds.x_test[pick], 224, ds.pixel_max), width=224,
            caption=f"True {ev.y_true[pick]}, predicted {ev.y_pred[pick]}")
    b.bar_chart(pd.DataFrame({"probability": ev.proba[pick]}, index=pd.Index(range(10), name="digit")),
                height=260, y_label="probability")

st.subheader("What a label is mistaken for")
label = st.selectbox("Label", list(range(10)), index=7, key="mistaken_label")
counts = ev.mistaken_for(label)
if counts.empty:
    st.success(f"Every {label} in the test set was recognised.")
else:
    st.write(f"The {int(counts.sum())} misread {label}s were taken for:")
    st.dataframe(counts.to_frame().T, hide_index=True)
