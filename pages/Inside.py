"""Inside (URL /Inside): why the active model answers what it does, for your drawing or
a test image: its hidden units, what it imagines each digit to be, which pixels
decided, the nearest training images, and its first layer while it trained."""
import streamlit as st

import studio_ui as ui
from studio_ui import screen, session
from studio_ui.cache import judge_ready
from studio_ui.reading import verdict_line
from studio_ui.microscope import network_tab
from studio_ui.lang import name, num, t, translated
from studio_ui.mapview import map_panel
from studio_ui.results import probability_titles
from mnist_core.i18n import N_
from mnist_core.analysis import Prediction, charts, read_proba
from mnist_core.explain import pictures

ui.start_page()
st.title(t("Inside the network"))
rec = ui.ensure_model()
model, ds, judge = ui.model(rec), ui.dataset(), judge_ready(rec)  # None while it calibrates: no verdict yet
st.caption(t("Model {model} ({kind}), trained on {dataset}.", model=ui.plain(name(session.label(rec))),
             kind=ui.plain(rec.meta.get("model")), dataset=ui.plain(t(ui.LABELS[ui.active_name()]))))
verdict_line(rec, judge)  # one line while it calibrates (then the page reruns, with the verdict)

drawing = st.session_state.get(ui.DRAWING)
if drawing is not None and drawing["seen"].shape != model.image_shape:
    drawing = None  # drawn for a model of another image size
if "test" in st.query_params and st.query_params["test"].isdigit():
    st.session_state[ui.INSIDE_TEST] = min(int(st.query_params.pop("test")), len(ds.x_test) - 1)
    st.session_state[ui.INSIDE_SOURCE] = "A test image"
sources = ([N_("Your drawing")] if drawing is not None else []) + [N_("A test image")]
if st.session_state.get(ui.INSIDE_SOURCE) not in sources:
    st.session_state[ui.INSIDE_SOURCE] = sources[0]
pick, which = screen.columns([2, 1], key="inside_pick")
source = pick.radio(t("Explain"), sources, format_func=translated, horizontal=True, key=ui.INSIDE_SOURCE)
if source == "Your drawing":
    image, ink, truth = drawing["seen"], drawing["ink"], None
else:
    index = which.number_input(t("Test image (0 to {last})", last=num(len(ds.x_test) - 1)), 0, len(ds.x_test) - 1,
                               key=ui.INSIDE_TEST)
    image = ds.floats(ds.x_test[index:index + 1]).reshape(model.image_shape)
    ink, truth = None, int(ds.y_test[index])
# a drawing is read as Draw read it (turned views averaged); a test image by the plain model
proba = (model.predict_proba(image[None]) if truth is not None else read_proba(model, image[None]))[0]
pred = Prediction(image, proba, None if judge is None else judge.judge(image, proba, ink))

left, middle, right = screen.columns([1, 1, 2], key="inside_reading")
left.image(pictures.zoom(pictures.grey(image, 1.0), max(1, 168 // image.shape[0])), width=168,
           caption=t("What the network sees") if truth is None else t("What the network sees (labelled {label})",
                                                                        label=truth))
with middle:
    ui.verdict_block(pred)
right.altair_chart(charts.probability_chart(proba, -1 if truth is None else truth, height=200,
                                           titles=probability_titles()), width="stretch")
digit = st.segmented_control(t("Explain the digit"), list(range(10)), default=pred.digit, key="inside_digit")
digit = pred.digit if digit is None else int(digit)

network, units, imagined, decided, near, motion, mapped = st.tabs(
    [t("The network"), t("Hidden units"), t("What it imagines"), t("Which pixels decided"),
     t("Nearest training images"), t("Training in motion"), t("Map of the digits")])
with network:
    network_tab(rec, image, digit)  # the picture, and the microscope on the chosen unit
with units:
    ui.units_panel(rec, image, digit)
with imagined:
    ui.imagine_panel(rec)
with decided:
    ui.pixels_panel(rec, image, digit)
with near:
    ui.neighbours_panel(rec, image)
with motion:
    ui.motion_panel(rec)
with mapped:
    map_panel(rec, image, star=t("you") if truth is None else t("test image {index}", index=index))
