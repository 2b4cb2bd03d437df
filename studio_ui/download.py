"""The offer to download MNIST when it is missing (Home and Dataset)."""
from __future__ import annotations

import time

import streamlit as st

from mnist_core.data import default_cache_dir, mnist_folder
from mnist_core.errors import sentence

from . import session
from .lang import lang, num, t
from .text import plain


def download_panel() -> None:
    """Offer to download MNIST when it is missing; a failure says why and changes nothing."""
    if mnist_folder():
        return
    st.info(t("The real MNIST files were not found, so the studio runs on the embedded 8x8 digits. "
              "Download MNIST (about 11 MB) into {folder}?", folder=default_cache_dir()))
    if not st.button(t("Download MNIST"), key="download_mnist"):
        return
    from mnist_core.data.download import fetch_mnist  # only when asked: it pulls in the network code

    bar = st.progress(0.0, text=t("Starting the download..."))

    def progress(filename: str, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        bar.progress(min(1.0, frac), text=t("{file}: {done} of {total} MB", file=filename, done=num(done / 1e6, 1),
                                            total=num(total / 1e6, 1)))

    try:
        fetch_mnist(default_cache_dir(), on_progress=progress)
    except Exception as err:  # noqa: BLE001 -- network stacks raise anything
        bar.empty()
        st.error(plain(t("The download failed: {reason}", reason=sentence(err, lang()))))
        return
    st.session_state[session.DATASET] = "mnist"
    st.success(t("MNIST is downloaded and now the active dataset."))
    time.sleep(0.5)
    st.rerun()
