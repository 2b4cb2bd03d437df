"""The studio's server: ``streamlit run serve.py``.

It serves ``streamlit_app.py`` (the app: every page) as an ``st.App`` whose lifespan
starts, the moment the server is up, what the first page would otherwise start: the
workers, MNIST sent to them, the studio's default model and the verdict's calibration
(:func:`studio_ui.startup.at_launch`, in a thread).  A pupil who clicks "Start training"
in the first seconds then finds the workers ready.  ``streamlit run streamlit_app.py``
serves the same app and warms up at its first page instead.
"""
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def lifespan(_app):
    # Imported once Streamlit's runtime runs (its caches are then the pages' caches), ~1 s
    # before the server answers: its first page would wait for these imports anyway.
    from studio_ui import startup

    startup.at_launch()  # a thread: the server answers at once
    yield


app = st.App("streamlit_app.py", lifespan=lifespan)
