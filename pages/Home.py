"""Home: what the studio is, the active dataset and model, links to every page."""
import streamlit as st

import studio_ui as ui
from studio_ui.lang import num, pct, t

ui.start_page()
st.title(t("MNIST studio"))
st.markdown(t(
    "Train small neural networks on handwritten digits, look inside the data, draw a digit "
    "and watch the network read it, and study the mistakes it makes. It follows the "
    "*Make Your Own Neural Network* tutorial's classic network, made fast, next to other models."
))
ui.download_panel()

name = ui.active_name()
ds = ui.dataset(name)
rec = ui.active_record(name)
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
c1.metric(t("Dataset"), t(ui.LABELS[name]))
c2.metric(t("Training images"), num(len(ds.x_train)))
c3.metric(t("Test images"), num(len(ds.x_test)))
acc = rec.meta.get("test_accuracy") if rec else None
c4.metric(t("Model accuracy"), pct(acc, 1) if isinstance(acc, (int, float)) else "—")
st.caption(ui.plain(t("Active model: {model}", model=ui.describe(rec)) if rec else
                    t("Active model: none yet (one is trained when needed)")))

st.subheader(t("Pages"))
links = [
    ("pages/Dataset.py", t("Dataset"), ":material/dataset:",
     t("label distribution, image browser, pixel values, mean images")),
    ("pages/Train.py", t("Train"), ":material/model_training:",
     t("train any model in the background, watch it learn, manage saved models")),
    ("pages/Draw.py", t("Draw"), ":material/draw:", t("draw a digit (or upload one) and see the prediction as you draw")),
    ("pages/Mistakes.py", t("Mistakes"), ":material/search:", t("confusion matrix and the images the model gets wrong")),
    ("pages/Compare.py", t("Compare"), ":material/compare_arrows:",
     t("saved models side by side: accuracy, learning curves, per label, which images each gets right")),
]
for path, label, icon, text in links:
    col1, col2 = st.columns([1, 4])
    with col1:
        st.page_link(path, label=label, icon=icon)
    col2.write(text)
