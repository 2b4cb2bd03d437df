"""The screen: presenter mode, and the CSS that makes every page fit any screen.

**Presenter mode** (a classroom's projector or big screen) is one fact of the session,
kept here: the sidebar's *Presenter mode* toggle or ``?present=1`` in the URL turns it
on (a first visit reads the URL; after that the toggle decides, and the URL follows it,
so a bookmark or a reload keeps it).  In presenter mode the sidebar starts collapsed
(:func:`sidebar_state`, read by ``streamlit_app.py``), fonts are larger, the Draw page's
canvas fills its column and its answer is shown very large, and the pages show only
their essentials: they ask :func:`details` before drawing anything else.

**Any screen**: the stylesheets below are constants (never user text), sent once per
page run by :func:`style` (from ``start_page``):

* the main area is a CSS container: when it is narrower than :data:`STACK_BELOW` (720
  pixels at the normal type size: an 800-pixel window, or a phone) every row of columns
  stacks, so metrics, tables and charts get the page's whole width;
* the drawing canvas (:func:`canvas`) has a fixed size in canvas pixels, and is
  *displayed* at the largest zoom (steps of 5 %) at which it fits its column and the
  window's height.  The drawing library maps the pointer through the displayed size,
  and the drawing arrives at the canvas's own size whatever the zoom, so the model
  always gets the same input for the same drawing; a larger canvas has a
  proportionally thicker pen, so its drawing shrinks to the same picture;
* touch: the canvas takes the finger or stylus (its drawing library draws on touch
  events and stops the page from scrolling; ``touch-action: none`` here too);
* Streamlit's own "Stop" (its running indicator's, shown while a page reruns every
  second as a training run's panel does) is hidden: the run's own Stop button is the
  one that stops training.  The Deploy button is off in ``.streamlit/config.toml``.
"""
from __future__ import annotations

import streamlit as st

from .lang import t

PRESENT = "presenter_mode"  # session state key: the truth
TOGGLE = "presenter_toggle"  # the sidebar toggle's key (its state is per page: set from the truth each run)
PARAM = "present"  # ?present=1
_TRUE = ("1", "true", "yes", "on")

#: Columns stack when the main area's content is narrower than this (in rem: 720 pixels
#: at the normal type size, more in presenter mode's larger type).
STACK_BELOW = 45
#: The canvas's size in canvas pixels: normal, presenter mode.  The tutorial's pen
#: (20 pixels on a 280-pixel canvas) keeps its proportion: see :func:`stroke_width`.
CANVAS = 280
CANVAS_PRESENTING = 420
#: The largest zoom the stylesheet shows a canvas at: a small canvas shown large keeps
#: each stroke's message small (a 560-pixel canvas made a stroke's round trip 530 ms
#: instead of 415: its RGBA is 4x the bytes), and the model needs no more than 280.
MAX_ZOOM = 2.0
_REFERENCE_CANVAS, _REFERENCE_PEN = 280, 20


def presenting() -> bool:
    """Whether this session is in presenter mode (see the module docstring); keeps
    ``?present=1`` in the URL while it is (a page switch clears the URL's parameters)."""
    if PRESENT not in st.session_state:
        st.session_state[PRESENT] = str(st.query_params.get(PARAM, "")).lower() in _TRUE
    on = bool(st.session_state[PRESENT])
    _sync_url(on)
    return on


def _sync_url(on: bool) -> None:
    if on and st.query_params.get(PARAM) != "1":
        st.query_params[PARAM] = "1"
    elif not on and PARAM in st.query_params:
        del st.query_params[PARAM]


def details() -> bool:
    """Whether the page shows more than its essentials (everything but in presenter mode)."""
    return not presenting()


def sidebar_state() -> str:
    """``st.set_page_config``'s ``initial_sidebar_state``: collapsed in presenter mode."""
    return "collapsed" if presenting() else "auto"


def _toggled() -> None:
    st.session_state[PRESENT] = bool(st.session_state[TOGGLE])
    _sync_url(st.session_state[PRESENT])


def toggle() -> None:
    """The sidebar's switch (call inside ``st.sidebar``)."""
    st.session_state[TOGGLE] = presenting()
    st.toggle(t("Presenter mode"), key=TOGGLE, on_change=_toggled,
              help=t("For a projector or a big screen: larger type, a big canvas and answer, only the essentials "
                     "on {draw}, {train} and {mistakes}, the sidebar folded away. A link with {link} opens in it.",
                     draw=t("Draw"), train=t("Train"), mistakes=t("Mistakes"), link="?present=1"))


def canvas_size() -> int:
    """The drawing canvas's side in canvas pixels (it is displayed smaller when its column is)."""
    return CANVAS_PRESENTING if presenting() else CANVAS


def stroke_width(size: int) -> int:
    """The pen for a canvas of ``size`` pixels: the tutorial's 20 pixels on 280, in proportion."""
    return max(1, round(_REFERENCE_PEN * size / _REFERENCE_CANVAS))


def canvas_key(size: int) -> str:
    """The key of the container to put a canvas of ``size`` pixels in: the stylesheet
    fits it to its column (only the sizes above are known to it)."""
    return f"draw_canvas_{size}"


def _fit_rules(size: int) -> str:
    """Zoom steps for the canvas of ``size`` pixels: the largest multiple of 5 % (up to
    :data:`MAX_ZOOM`) at which it fits its container (whose width the window's height caps too)."""
    box = f".st-key-{canvas_key(size)}"
    top = round(MAX_ZOOM * 20)
    rules = [f"{box} {{ container: {canvas_key(size)} / inline-size; touch-action: none; "
             f"max-width: max(240px, calc(100vh - 15rem)); }}",
             f"{box} [data-testid=\"stElementContainer\"] {{ zoom: {MAX_ZOOM:.2f}; }}"]
    for step in range(top - 1, 4, -1):  # just under MAX_ZOOM down to 25 %
        rules.append(f"@container {canvas_key(size)} (max-width: {size * (step + 1) / 20 - 0.5:.1f}px) "
                     f"{{ {box} [data-testid=\"stElementContainer\"] {{ zoom: {step / 20:.2f}; }} }}")
    return "\n".join(rules)


LAYOUT_CSS = f"""
[data-testid="stMainBlockContainer"] {{ container: studio-main / inline-size; }}
@container studio-main (max-width: {STACK_BELOW - 0.01}rem) {{
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
  [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{
    flex: 1 1 100% !important; width: 100% !important; min-width: 100% !important; }}
}}
@media (min-width: 1600px) {{ html {{ font-size: 18px; }} }}
[data-testid="stStatusWidget"]:has([data-testid="stStatusWidgetRunningIcon"]) button {{ display: none; }}
.st-key-draw_answer [data-testid="stMetricValue"] {{ font-size: 4.5rem; line-height: 1.1; }}
{_fit_rules(CANVAS)}
{_fit_rules(CANVAS_PRESENTING)}
"""

PRESENTER_CSS = """
html { font-size: 20px; }
@media (min-width: 1600px) { html { font-size: 22px; } }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
.st-key-draw_answer [data-testid="stMetricValue"] { font-size: 12rem; line-height: 1; }
.st-key-draw_answer [data-testid="stMetricLabel"] p { font-size: 1.5rem; }
.st-key-draw_answer [data-testid="stAlert"] p { font-size: 2rem; line-height: 1.3; }
"""


def style() -> None:
    """The stylesheets for this run (a constant each; call once per page run)."""
    st.html(f"<style>{LAYOUT_CSS}{PRESENTER_CSS if presenting() else ''}</style>")
