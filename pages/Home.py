"""Home: what the studio is, the active dataset and model, links to every page."""
import streamlit as st

import studio_ui as ui
from studio_ui import nav, screen, session
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
c1, c2, c3, c4 = screen.columns([3, 2, 2, 2], key="home_metrics")
c1.metric(t("Dataset"), t(ui.LABELS[name]))
c2.metric(t("Training images"), num(len(ds.x_train)))
c3.metric(t("Test images"), num(len(ds.x_test)))
acc = rec.meta.get("test_accuracy") if rec else None
c4.metric(t("Model accuracy"), pct(acc, 1) if isinstance(acc, (int, float)) else "—")
st.caption(ui.plain(t("Active model: {model}", model=ui.describe(rec)) if rec else
                    t("Active model: none yet (one is trained when needed)")))

st.subheader(t("Pages"))
for page in nav.PAGES:
    if page.url_path:  # every page but this one
        link, text = screen.columns([1, 4], key=session.widget_key("home_link", page.url_path))
        link.page_link(page.file, label=t(page.title), icon=page.icon)
        text.write(t(page.description))
