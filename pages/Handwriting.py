"""My handwriting (URL /Handwriting): the digits saved on Draw ("Save as my ...") or
imported, kept in the workspace; relabel or delete each, see how the active model and
every saved model read them, export them as MNIST's IDX files or the tutorial's CSV,
import either back."""
import streamlit as st

import studio_ui as ui
from studio_ui import handwriting as hw
from studio_ui import my_handwriting as mine
from studio_ui import session
from studio_ui.lang import num, t

ui.start_page()
st.title(t("My handwriting"))
found = hw.drawings()
st.caption(ui.plain(t("Digits you saved on the {draw} page (Save as my ...) or imported, kept in the workspace "
                      "{workspace}: {count} so far. The {train} page can add them to a training set.",
                      draw=t("Draw"), train=t("Train"), workspace=session.workspace_info().name, count=num(len(found)))))

if not found:
    st.info(t("No drawings yet: draw a digit on the {draw} page and click the digit you meant under "
              "Save as my ..., or import a CSV or IDX files below.", draw=t("Draw")))
    st.page_link("pages/Draw.py", label=t("Draw a digit"), icon=":material/draw:")
else:
    st.subheader(t("Your drawings"))
    st.caption(t("Newest first. Change a label to relabel the drawing; Delete removes it."))
    mine.grid(found)

    st.subheader(t("How the active model reads them"))
    mine.accuracy_panel(ui.active_record(), found)

    st.subheader(t("Every saved model on your handwriting"))
    st.caption(ui.plain(t("The models of {dataset}: yours, then the class gallery's.",
                          dataset=t(ui.LABELS[ui.active_name()]))))
    mine.every_model_panel(ui.records(), found)

    st.subheader(t("Export"))
    mine.export_panel(found)

st.subheader(t("Import"))
mine.import_panel()
