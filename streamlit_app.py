"""MNIST studio: the app `streamlit run serve.py` serves (`streamlit run streamlit_app.py` serves it too).

A multipage app (st.navigation over studio_ui.nav.PAGES) over the engine package
`mnist_core`; the pages in pages/ hold widgets and layout only, the studio_ui package
what they share.
"""
import streamlit as st

from studio_ui import nav, screen, startup
from studio_ui.text import errors_shown

if __name__ == "__main__":  # Streamlit runs this as __main__; a worker process spawned meanwhile imports it as
    # __mp_main__, and must not run the app (it would start a cluster of its own)
    st.set_page_config(page_title="MNIST studio", page_icon=":material/draw:", layout="wide",
                       initial_sidebar_state=screen.sidebar_state())  # collapsed in presenter mode (?present=1)

    with errors_shown(), st.container(key=screen.MAIN):
        startup.warm_up()  # once per server: the workers, the default model and the verdict, in the background
        # each page starts with sidebar.start_page()
        nav.run()  # the page the URL asks for; the stylesheet fits what is in screen.MAIN to the screen
