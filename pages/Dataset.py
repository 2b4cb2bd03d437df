"""Dataset: picker, sizes, label distribution, image browser (thumbnails to click, paged),
one image's pixel values (heatmap and table), mean images."""
import pandas as pd
import streamlit as st

import studio_ui as ui
from mnist_core.analysis import plots
from mnist_core.analysis.evaluation import page_of
from mnist_core.data import available_datasets
from mnist_core.i18n import N_
from studio_ui import browse, screen, session
from studio_ui.lang import num, t, translated

ui.start_page()
st.title(t("Dataset"))
ui.download_panel()

names = available_datasets()


def _pick() -> None:
    st.session_state[ui.DATASET] = st.session_state[session.DATASET_PICKER]


st.radio(t("Dataset"), names, index=names.index(ui.active_name()), format_func=lambda n: t(ui.LABELS.get(n, n)),
         key=session.DATASET_PICKER, on_change=_pick, horizontal=True)
ds = ui.dataset()
h, w = ds.image_shape
c1, c2, c3, c4 = screen.columns(4, key="dataset_sizes")
c1.metric(t("Training images"), num(len(ds.x_train)))
c2.metric(t("Test images"), num(len(ds.x_test)))
c3.metric(t("Image size"), f"{h}x{w}")
c4.metric(t("Pixel values"), f"0-{ds.pixel_max}")
# the engine's words for its datasets (a folder or file names pass through unchanged)
st.caption(ui.plain(t("Source: {source}. {description}", source=t(ds.source), description=t(ds.description))))

st.subheader(t("Label distribution"))
counts = ds.label_counts()
train_share, test_share = t("train share"), t("test share")  # the columns' names are what the table and chart show
table = pd.DataFrame({
    t("train count"): counts["train"], train_share: counts["train"] / counts["train"].sum(),
    t("test count"): counts["test"], test_share: counts["test"] / counts["test"].sum(),
}, index=pd.Index(range(10), name=t("label")))
left, right = screen.columns([2, 3], key="dataset_labels")
left.dataframe(table.style.format({train_share: "{:.2%}", test_share: "{:.2%}"}))
# long form, so the tooltip names its three fields in the page's language too
bars = table[[train_share, test_share]].melt(var_name=t("Split"), value_name=t("share"), ignore_index=False).reset_index()
right.bar_chart(bars, x=t("label"), y=t("share"), color=t("Split"), stack=False)


@st.fragment  # a click, a filter or a page reruns the browser alone
def image_browser(ds, name: str, per_page: int = 32) -> None:
    f1, f2, f3 = screen.columns(3, key="browse_filters", vertical_alignment="bottom")
    split = f1.radio(t("Split"), [N_("train"), N_("test")], format_func=translated, horizontal=True,
                     key="browse_split")
    label = f2.selectbox(t("Label"), [N_("all"), *range(10)], format_func=translated, key="browse_label")
    x, y = (ds.x_train, ds.y_train) if split == "train" else (ds.x_test, ds.y_test)
    matching = pd.DataFrame({"index": range(len(y))} if label == "all" else {"index": (y == label).nonzero()[0]})
    pages = page_of(matching, 1, per_page)[1]
    # one pager per dataset, split and label: changing any of them starts again at page 1
    page = st.pagination(pages, key=session.widget_key("browse_page", name, split, label), width="stretch")
    indices = [int(i) for i in page_of(matching, page, per_page)[0]["index"]]
    f3.caption(t("{count} images; page {page} of {pages}. Click a thumbnail to look at it.",
                 count=num(len(matching)), page=num(page), pages=num(pages)))
    if not indices:
        st.info(t("No image has this label here."))
        return
    pick = browse.thumbnails(name, split, x, y, indices, ds.pixel_max,
                             key=session.widget_key("browse_thumbs", name, split))  # a click is about these images
    st.subheader(t("Train image #{index}: label {label}", index=pick, label=int(y[pick])) if split == "train"
                 else t("Test image #{index}: label {label}", index=pick, label=int(y[pick])))
    a, b = screen.columns([1, 4], key="browse_image")
    a.image(plots.upscale(x[pick], 224, ds.pixel_max), width="stretch")
    a.metric(t("Label"), int(y[pick]))
    a.caption(t("Each pixel is a grey level, 0 (black) to {max} (white). Hover over the heatmap for "
                "one pixel's row, column and value.", max=ds.pixel_max))
    with b:
        browse.pixel_heatmap(x[pick], ds.pixel_max)
    st.markdown(t("**Pixel values** ({rows} rows, {columns} columns)", rows=ds.image_shape[0], columns=ds.image_shape[1]))
    browse.pixel_table(x[pick])


st.subheader(t("Image browser"))
image_browser(ds, ui.active_name())

st.subheader(t("Mean image per label"))
st.image(ui.mean_images_png(ui.active_name()), width="stretch")
