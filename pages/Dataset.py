"""Dataset: picker, sizes, label distribution, image browser, pixel values, mean images."""
import pandas as pd
import streamlit as st

import studio_ui as ui
from mnist_core.analysis import plots
from mnist_core.data import available_datasets

ui.start_page()
st.title("Dataset")
ui.download_panel()

names = available_datasets()


def _pick() -> None:
    st.session_state[ui.DATASET] = st.session_state["dataset_picker"]


st.radio("Dataset", names, index=names.index(ui.active_name()), format_func=ui.LABELS.get,
         key="dataset_picker", on_change=_pick, horizontal=True)
ds = ui.dataset()
h, w = ds.image_shape
c1, c2, c3, c4 = st.columns(4)
c1.metric("Training images", f"{len(ds.x_train):,}")
c2.metric("Test images", f"{len(ds.x_test):,}")
c3.metric("Image size", f"{h}x{w}")
c4.metric("Pixel values", f"0-{ds.pixel_max}")
st.caption(ui.plain(f"Source: {ds.source}. {ds.description}"))

st.subheader("Label distribution")
counts = ds.label_counts()
table = pd.DataFrame({
    "train count": counts["train"], "train share": counts["train"] / counts["train"].sum(),
    "test count": counts["test"], "test share": counts["test"] / counts["test"].sum(),
}, index=pd.Index(range(10), name="label"))
left, right = st.columns([2, 3])
left.dataframe(table.style.format({"train share": "{:.2%}", "test share": "{:.2%}"}))
right.bar_chart(table[["train share", "test share"]], stack=False, x_label="label", y_label="share")

st.subheader("Image browser")
f1, f2, f3 = st.columns(3)
split = f1.radio("Split", ["train", "test"], horizontal=True, key="browse_split")
label = f2.selectbox("Label", ["all", *range(10)], key="browse_label")
x, y = (ds.x_train, ds.y_train) if split == "train" else (ds.x_test, ds.y_test)
idx = list(range(len(y))) if label == "all" else [int(i) for i in (y == label).nonzero()[0]]
PER_PAGE = 32
pages = max(1, -(-len(idx) // PER_PAGE))
page = f3.number_input(f"Page (of {pages})", 1, pages, 1, key="browse_page")
shown = idx[(page - 1) * PER_PAGE: page * PER_PAGE]
st.caption(f"{len(idx):,} images; showing {len(shown)}.")
st.image([plots.upscale(x[i], 64, ds.pixel_max) for i in shown],
         caption=[f"#{i}: {y[i]}" for i in shown], width=64)

if shown:
    pick = st.selectbox("Look at one image", shown, format_func=lambda i: f"#{i} (label {y[i]})",
                        key="browse_pick")
    a, b = st.columns([1, 2])
    a.image(plots.upscale(x[pick], 224, ds.pixel_max), caption=f"Label {y[pick]}", width=224)
    a.metric("Label", int(y[pick]))
    with b:
        tab1, tab2 = st.tabs(["Pixel values (heatmap)", "Pixel values (table)"])
        tab1.image(ui.pixels_png(ui.active_name(), split, pick), width="stretch")
        tab2.dataframe(pd.DataFrame(x[pick]), height=min(40 + 35 * h, 1000))

st.subheader("Mean image per label")
st.image(ui.mean_images_png(ui.active_name()), width="stretch")
