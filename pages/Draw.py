"""Draw (URL /Draw): draw or upload a digit; the active model reads it as you draw.

The canvas and the prediction are one fragment: a stroke reruns only them, never the
sidebar or the store listing."""
import time

import streamlit as st
from streamlit_drawable_canvas import st_canvas

import studio_ui as ui
from mnist_core.i18n import N_
from studio_ui import screen, session
from studio_ui.handwriting import save_control
from studio_ui.mapview import map_panel
from studio_ui.network import network_panel
from studio_ui.lang import lang, name, t, translated
from studio_ui.cache import judge_ready
from studio_ui.reading import every_model, read, verdict_line
from studio_ui.steps import preprocessing_steps_panel
from mnist_core.data import load_image
from mnist_core.errors import MnistError, sentence

ui.start_page()
st.title(t("Draw a digit"))
rec = ui.ensure_model()
model, judge = ui.model(rec), judge_ready(rec)  # None while it calibrates: the digit is shown without the verdict
verdict_line(rec, judge)  # one line while it calibrates (then the page reruns), in a place of its own
if screen.details():
    st.caption(t("Model {model} ({kind}) reads {height}x{width} images.", model=ui.plain(name(session.label(rec))),
                 kind=ui.plain(rec.meta.get("model")), height=model.image_shape[0], width=model.image_shape[1]))
st.session_state.setdefault(ui.CANVAS, 0)


def clear() -> None:
    st.session_state[ui.CANVAS] += 1  # a new key: a new, empty canvas


@st.fragment
def draw_and_read() -> None:
    details = screen.details()
    left, right = screen.columns([3, 4] if details else [1, 1], key="draw")
    image = None
    with left:
        source = st.radio(t("Input"), [N_("Draw"), N_("Upload")], format_func=translated, horizontal=True,
                          key="draw_source", label_visibility="collapsed") if details else "Draw"
        if source == "Draw":
            # shown at the size its column allows (screen's CSS); the drawing arrives at `size` pixels a side
            size = screen.canvas_size()
            with screen.canvas(size):
                result = st_canvas(stroke_width=screen.stroke_width(size), stroke_color="#FFFFFF",
                                   background_color="#000000", height=size, width=size, drawing_mode="freedraw",
                                   update_streamlit=True, return_image_data=True,
                                   key=session.widget_key("canvas", st.session_state[ui.CANVAS], size))
            image = result.image_data
            st.button(t("Clear"), key="clear_canvas", on_click=clear)
        else:
            upload = st.file_uploader(t("A picture of one digit (PNG, JPEG, GIF, WebP or BMP; read by its content, "
                                        "whatever its name)"), key="draw_upload")
            if upload is not None:
                try:
                    image = load_image(upload.getvalue())
                except MnistError as err:
                    st.error(ui.plain(sentence(err, lang())))
    started = time.perf_counter()  # the drawing has arrived: time our part from here
    with right:
        seen = read(model, judge, image, started)
        if details:
            save_control(image if seen is not None else None)  # "Save as my ...": kept in the workspace
    network_panel(rec, seen)  # the whole network lighting up for this drawing (studio_ui.network)
    if not details:
        return
    if image is not None and st.toggle(t("How your drawing becomes the network's input"), key="draw_steps"):
        preprocessing_steps_panel(image, model.image_shape)  # only when asked: it costs every stroke otherwise
    if seen is not None and st.toggle(t("Show every saved model's prediction"), key="draw_compare"):
        every_model(rec, seen)
    if seen is not None and st.toggle(t("Where your drawing lands on the map of all the digits"), key="draw_map"):
        map_panel(rec, seen, compact=True)  # placed as you draw (~1 ms); the map is built once, on a worker


draw_and_read()
