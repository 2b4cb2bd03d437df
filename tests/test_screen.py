"""Presenter mode and the screen's stylesheet (studio_ui.screen), through AppTest on the
embedded digits; and a canvas of any size gives the model the same input."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from conftest import APP, ok  # the AppTest helpers

from mnist_core.data.preprocess import prepare
from mnist_core.explain.verdict import extent_in_pens
from mnist_core.storage import ModelStore
from studio_ui import screen

ROOT = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("digits_only", "app_state")  # conftest: the embedded digits, no cache leaks


@pytest.fixture
def gallery_model():
    """A digits model in the class gallery: Draw and Mistakes need not train one."""
    from mnist_core.data.datasets import load_digits
    from mnist_core.training import TrainConfig, train_model

    result = train_model("classic", load_digits(), {"hidden": 16}, TrainConfig(epochs=1))
    return ModelStore().save(result.model, result.meta, name="classic-h16").name


def start(present: str | None = None, workspace: str = "room-12") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["workspace"] = workspace
    if present is not None:
        at.query_params["present"] = present
    return at.run()


def on(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"pages/{name}.py")
    return ok(at.run())


def toggle(at: AppTest):
    return at.sidebar.toggle(key=screen.TOGGLE)


def url(at: AppTest) -> str | None:
    values = at.query_params.get(screen.PARAM)
    return values[0] if isinstance(values, list) and values else values or None


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_present_in_the_url_turns_it_on_and_a_page_switch_keeps_it():
    at = ok(start(present="1"))
    assert at.session_state[screen.PRESENT] is True and toggle(at).value is True
    at = on(at, "Dataset")  # a page switch clears the URL's parameters: put back
    assert toggle(at).value is True and url(at) == "1"
    key = at.session_state["workspace"]  # the URL keeps the workspace's key (a name opens nothing)
    assert at.query_params.get("workspace") in (key, [key])


@pytest.mark.parametrize("value", ["0", "no", ""])
def test_other_values_of_present_leave_it_off(value):
    at = ok(start(present=value))
    assert at.session_state[screen.PRESENT] is False and toggle(at).value is False
    assert url(at) is None  # not kept in the URL when off


def test_the_sidebar_toggle_turns_it_on_and_off_and_the_url_follows():
    at = ok(start())
    assert toggle(at).value is False and url(at) is None
    toggle(at).set_value(True)
    at = ok(at.run())
    assert at.session_state[screen.PRESENT] is True and url(at) == "1"
    at = on(at, "Train")
    assert toggle(at).value is True and url(at) == "1"
    toggle(at).set_value(False)
    at = ok(at.run())
    assert at.session_state[screen.PRESENT] is False and url(at) is None


def test_every_page_sends_the_stylesheet_presenter_mode_adds_its_own():
    at = ok(start())
    styles = [h.proto.body for h in at.get("html")]
    assert any("studio-main" in s for s in styles) and not any(screen.PRESENTER_CSS in s for s in styles)
    at = ok(start(present="1"))
    assert any("studio-main" in s and screen.PRESENTER_CSS in s for s in (h.proto.body for h in at.get("html")))


def test_the_app_styles_only_through_documented_hooks():
    """No CSS (nor anything else) of the app aims at Streamlit's data-testid attributes:
    its stylesheet names only st-key- classes of keyed containers."""
    code = [ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "studio_ui").glob("*.py")]
    assert not [p.name for p in code if "data-testid" in p.read_text()]
    assert not re.search(r"\[data-|\.st[A-Z]", screen.LAYOUT_CSS + screen.PRESENTER_CSS)


def test_draw_in_presenter_mode_shows_the_canvas_and_the_answer_only(gallery_model):
    normal = on(start(), "Draw")
    assert normal.radio(key="draw_source").value == "Draw"
    assert any("reads 8x8 images" in c.value for c in normal.caption)
    at = on(start(present="1"), "Draw")
    assert not [r for r in at.radio if r.key == "draw_source"]  # no upload: drawing only
    assert not [c for c in at.caption if "reads" in c.value]
    assert any("Draw a digit" in i.value for i in at.info)  # the hint where the answer will be
    assert [b for b in at.button if b.key == "clear_canvas"]


def test_train_in_presenter_mode_keeps_the_form_and_leaves_the_model_lists(gallery_model):
    normal = on(start(), "Train")
    assert "Your saved models" in subheaders(normal) and "Class gallery" in subheaders(normal)
    at = on(start(present="1"), "Train")
    assert "Your saved models" not in subheaders(at) and "Class gallery" not in subheaders(at)
    assert [b for b in at.button if b.label == "Start training"]  # the form's submit button


def test_mistakes_in_presenter_mode_keeps_the_matrix_and_its_images(gallery_model):
    normal = on(start(), "Mistakes")
    assert "Per label" in subheaders(normal)
    at = on(start(present="1"), "Mistakes")
    assert {"Confusion matrix", "Which images"} <= set(subheaders(at))
    assert "Per label" not in subheaders(at) and "What a label is mistaken for" not in subheaders(at)
    assert at.dataframe  # the matching images


def test_the_canvas_zoom_steps_fit_every_width():
    """For each canvas size, the rule that applies at a container width gives the
    largest 5 % step at which the canvas fits (at most MAX_ZOOM)."""
    for size in (screen.CANVAS, screen.CANVAS_PRESENTING):
        steps = [(float(w), float(z)) for w, z in re.findall(
            rf"@container {screen.canvas_key(size)} \(max-width: ([\d.]+)px\).*?zoom: ([\d.]+)", screen.LAYOUT_CSS)]
        assert len(steps) == round(screen.MAX_ZOOM * 20) - 5
        for width in range(int(0.25 * size) + 1, int(screen.MAX_ZOOM * size) + 40, 7):
            applying = [z for w, z in steps if width <= w]  # later rules win: the smallest zoom
            zoom = min(applying) if applying else screen.MAX_ZOOM
            assert zoom * size <= width + 0.5, (size, width, zoom)
            assert zoom == screen.MAX_ZOOM or (zoom + 0.05) * size > width - 0.5, (size, width, zoom)


SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)], [(0.35, 0.55), (0.65, 0.5)]]


def _draw(size: int, pen: int) -> np.ndarray:
    """A 7 drawn on a transparent canvas of ``size`` pixels, ink in alpha, round caps."""
    img = Image.new("L", (size, size), 0)
    pencil = ImageDraw.Draw(img)
    for line in SEVEN:
        pts = [(x * size, y * size) for x, y in line]
        pencil.line(pts, fill=255, width=pen, joint="curve")
        for x, y in (pts[0], pts[-1]):
            pencil.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = np.asarray(img)
    return rgba


@pytest.mark.parametrize("size", [screen.CANVAS_PRESENTING, 560])
def test_a_bigger_canvas_with_its_pen_gives_the_model_the_same_input(size):
    assert screen.stroke_width(280) == 20 and screen.stroke_width(size) == round(20 * size / 280)
    reference = prepare(_draw(280, 20))
    seen = prepare(_draw(size, screen.stroke_width(size)))
    assert np.abs(seen - reference).mean() < 0.015
    assert np.abs(prepare(_draw(size, 20)) - reference).mean() > 0.04  # a fixed pen would not
    ink = _draw(size, screen.stroke_width(size))[..., 3] / 255.0
    assert abs(extent_in_pens(ink) - extent_in_pens(_draw(280, 20)[..., 3] / 255.0)) < 1.0  # the dot test agrees
