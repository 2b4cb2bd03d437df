"""MNIST studio: `streamlit run streamlit_app.py`.

A multipage app (st.navigation) over the engine package `mnist_core`; the pages in
pages/ hold widgets and layout only, the studio_ui package what they share.
"""
import streamlit as st

import studio_ui as ui
from studio_ui import screen
from studio_ui.lang import t

st.set_page_config(page_title="MNIST studio", page_icon=":material/draw:", layout="wide",
                   initial_sidebar_state=screen.sidebar_state())  # collapsed in presenter mode (?present=1)

PAGES = [  # titles in the session's language (?lang=, the sidebar, the browser)
    st.Page("pages/Home.py", title=t("Home"), icon=":material/home:", default=True),
    st.Page("pages/Dataset.py", title=t("Dataset"), icon=":material/dataset:", url_path="Dataset"),
    st.Page("pages/Train.py", title=t("Train"), icon=":material/model_training:", url_path="Train"),
    st.Page("pages/Draw.py", title=t("Draw"), icon=":material/draw:", url_path="Draw"),
    st.Page("pages/Handwriting.py", title=t("My handwriting"), icon=":material/gesture:", url_path="Handwriting"),
    st.Page("pages/Inside.py", title=t("Inside"), icon=":material/neurology:", url_path="Inside"),
    st.Page("pages/Mistakes.py", title=t("Mistakes"), icon=":material/search:", url_path="Mistakes"),
    st.Page("pages/Compare.py", title=t("Compare"), icon=":material/compare_arrows:", url_path="Compare"),
]
page = st.navigation(PAGES)
with ui.errors_shown():  # each page starts with ui.start_page() (the sidebar)
    page.run()
