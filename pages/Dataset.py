"""Dataset: picker, sizes, label distribution, image browser (thumbnails to click, paged),
one image's pixel values (heatmap and table), mean images."""
import pandas as pd
import streamlit as st

import studio_ui as ui
from mnist_core.analysis import plots
from mnist_core.analysis.evaluation import page_of
from mnist_core.data import available_datasets
from studio_ui import browse

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


@st.fragment  # a click, a filter or a page reruns the browser alone
def image_browser(ds, name: str, per_page: int = 32) -> None:
    f1, f2, f3 = st.columns(3, vertical_alignment="bottom")
    split = f1.radio("Split", ["train", "test"], horizontal=True, key="browse_split")
    label = f2.selectbox("Label", ["all", *range(10)], key="browse_label")
    x, y = (ds.x_train, ds.y_train) if split == "train" else (ds.x_test, ds.y_test)
    matching = pd.DataFrame({"index": range(len(y))} if label == "all" else {"index": (y == label).nonzero()[0]})
    pages = page_of(matching, 1, per_page)[1]
    # one pager per dataset, split and label: changing any of them starts again at page 1
    page = st.pagination(pages, key=f"browse_page_{name}_{split}_{label}", width="stretch")
    indices = [int(i) for i in page_of(matching, page, per_page)[0]["index"]]
    f3.caption(f"{len(matching):,} images; page {page:,} of {pages:,}. Click a thumbnail to look at it.")
    if not indices:
        st.info("No image has this label here.")
        return
    pick = browse.thumbnails(name, split, x, y, indices, ds.pixel_max,
                             key=f"browse_thumbs_{name}_{split}")  # a click is about these images
    st.subheader(f"{split.capitalize()} image #{pick}: label {y[pick]}")
    a, b = st.columns([1, 4])
    a.image(plots.upscale(x[pick], 224, ds.pixel_max), width="stretch")
    a.metric("Label", int(y[pick]))
    a.caption(f"Each pixel is a grey level, 0 (black) to {ds.pixel_max} (white). Hover over the heatmap for "
              "one pixel's row, column and value.")
    with b:
        browse.pixel_heatmap(x[pick], ds.pixel_max)
    st.markdown("**Pixel values** ({} rows, {} columns)".format(*ds.image_shape))
    browse.pixel_table(x[pick])


st.subheader("Image browser")
image_browser(ds, ui.active_name())

st.subheader("Mean image per label")
st.image(ui.mean_images_png(ui.active_name()), width="stretch")
