"""My handwriting (URL /Handwriting): the digits saved on Draw ("Save as my ...") or
imported, kept in the workspace; relabel or delete each, see how the active model and
every saved model read them, export them as MNIST's IDX files or the tutorial's CSV,
import either back."""
import streamlit as st

import studio_ui as ui
from studio_ui import handwriting as hw

ui.start_page()
st.title("My handwriting")
found = hw.drawings()
st.caption(ui.plain(f"Digits you saved on the Draw page (Save as my ...) or imported, kept in the workspace "
                    f"{ui.workspace()}: {len(found):,} so far. The Train page can add them to a training set."))

if not found:
    st.info("No drawings yet: draw a digit on the Draw page and click the digit you meant under "
            "Save as my ..., or import a CSV or IDX files below.")
    st.page_link("pages/Draw.py", label="Draw a digit", icon=":material/draw:")
else:
    st.subheader("Your drawings")
    st.caption("Newest first. Change a label to relabel the drawing; Delete removes it.")
    hw.grid(found)

    st.subheader("How the active model reads them")
    hw.accuracy_panel(ui.active_record(), found)

    st.subheader("Every saved model on your handwriting")
    st.caption(ui.plain(f"The models of {ui.LABELS[ui.active_name()]}: yours, then the class gallery's."))
    hw.every_model_panel(ui.records(), found)

    st.subheader("Export")
    hw.export_panel(found)

st.subheader("Import")
hw.import_panel()
