"""Home: what the studio is, the active dataset and model, links to every page."""
import streamlit as st

import studio_ui as ui

ui.start_page()
st.title("MNIST studio")
st.markdown(
    "Train small neural networks on handwritten digits, look inside the data, draw a digit "
    "and watch the network read it, and study the mistakes it makes. It follows the "
    "*Make Your Own Neural Network* tutorial's classic network, made fast, next to other models."
)
ui.download_panel()

name = ui.active_name()
ds = ui.dataset(name)
rec = ui.active_record(name)
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
c1.metric("Dataset", ui.LABELS[name])
c2.metric("Training images", f"{len(ds.x_train):,}")
c3.metric("Test images", f"{len(ds.x_test):,}")
acc = rec.meta.get("test_accuracy") if rec else None
c4.metric("Model accuracy", f"{acc:.1%}" if isinstance(acc, (int, float)) else "—")
st.caption(ui.plain(f"Active model: {ui.describe(rec)}"))

st.subheader("Pages")
links = [
    ("pages/Dataset.py", "Dataset", ":material/dataset:", "label distribution, image browser, pixel values, mean images"),
    ("pages/Train.py", "Train", ":material/model_training:", "train any model in the background, watch it learn, manage saved models"),
    ("pages/Draw.py", "Draw", ":material/draw:", "draw a digit (or upload one) and see the prediction as you draw"),
    ("pages/Mistakes.py", "Mistakes", ":material/search:", "confusion matrix and the images the model gets wrong"),
    ("pages/Compare.py", "Compare", ":material/compare_arrows:",
     "saved models side by side: accuracy, learning curves, per label, which images each gets right"),
]
for path, label, icon, text in links:
    col1, col2 = st.columns([1, 4])
    with col1:
        st.page_link(path, label=label, icon=icon)
    col2.write(text)
