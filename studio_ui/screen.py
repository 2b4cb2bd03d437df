"""The screen: presenter mode, and the CSS that makes every page fit any screen.

**Presenter mode** (a classroom's projector or big screen) is one fact of the session,
kept here: the sidebar's *Presenter mode* toggle or ``?present=1`` in the URL turns it
on (a first visit reads the URL; after that the toggle decides, and the URL follows it,
so a bookmark or a reload keeps it).  In presenter mode the sidebar starts collapsed
(:func:`sidebar_state`, read by ``streamlit_app.py``), fonts are larger, the Draw page's
canvas fills its column and its answer is shown very large, and the pages show only
their essentials: they ask :func:`details` before drawing anything else.

**Any screen**: the stylesheets below are constants (never user text), sent once per
page run by :func:`style` (from ``start_page``).  They style only what Streamlit
documents: the ``st-key-NAME`` class of a container made with ``key=NAME``, and the
``:has()`` of such a class (never the test ids Streamlit gives its own elements):

* every page runs inside the container :data:`MAIN` (``streamlit_app.py``), a CSS
  container: when it is narrower than :data:`STACK_BELOW` (720 pixels at the normal type
  size: an 800-pixel window, or a phone) the cells of every row made by :func:`columns`
  (a horizontal ``st.container`` of keyed cells, weighted like ``st.columns``) take the
  whole width, one under the other, so metrics, tables and charts get the page's width;
* the drawing canvas (:func:`canvas_key`) has a fixed size in canvas pixels, and is
  *displayed* at the largest zoom (steps of 5 %) at which it fits its column and the
  window's height.  The drawing library maps the pointer through the displayed size,
  and the drawing arrives at the canvas's own size whatever the zoom, so the model
  always gets the same input for the same drawing; a larger canvas has a
  proportionally thicker pen, so its drawing shrinks to the same picture;
* touch: the canvas takes the finger or stylus (its drawing library draws on touch
  events and stops the page from scrolling; ``touch-action: none`` here too);
* the Draw page's answer (:data:`ANSWER`) is zoomed: large, very large in presenter mode;
* the ten "Save as my ..." buttons (:data:`SAVE_ROW`) have narrow padding, so they keep
  one row in the answer's column down to about 300 pixels (an 800-pixel window's is 468).
  The Deploy button is off in ``.streamlit/config.toml``.
"""
from __future__ import annotations

import re
from typing import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from .lang import t
from .session import PRESENT, PRESENTER_TOGGLE as TOGGLE

MAIN = "studio_main"  # the container every page runs in (streamlit_app.py)
ANSWER = "draw_answer"  # the container of the Draw page's answer
SAVE_ROW = "save_my_row"  # the row of Draw's ten "Save as my ..." buttons
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


def canvas(size: int) -> DeltaGenerator:
    """The container to draw a canvas of ``size`` pixels in: the outer one is measured
    (a CSS container), the inner one zoomed to fit it."""
    return st.container(key=canvas_key(size)).container(key=f"{canvas_key(size)}_zoom")


def _fit_rules(size: int) -> str:
    """Zoom steps for the canvas of ``size`` pixels: the largest multiple of 5 % (up to
    :data:`MAX_ZOOM`) at which it fits its container (whose width the window's height caps too)."""
    box, zoomed = f".st-key-{canvas_key(size)}", f".st-key-{canvas_key(size)}_zoom"
    top = round(MAX_ZOOM * 20)
    # padding-top: room for the canvas's own toolbar, which floats just above it on hover
    # (it covered the end of a long label above, Japanese "アップロード")
    rules = [f"{box} {{ container: {canvas_key(size)} / inline-size; touch-action: none; "
             f"max-width: max(240px, calc(100vh - 15rem)); padding-top: 0.5rem; }}",
             f"{zoomed} {{ zoom: {MAX_ZOOM:.2f}; }}"]
    for step in range(top - 1, 4, -1):  # just under MAX_ZOOM down to 25 %
        rules.append(f"@container {canvas_key(size)} (max-width: {size * (step + 1) / 20 - 0.5:.1f}px) "
                     f"{{ {zoomed} {{ zoom: {step / 20:.2f}; }} }}")
    return "\n".join(rules)


#: The weights :func:`columns` knows (a cell of weight w grows w times as fast as one of 1).
WEIGHTS = range(1, 11)
_ROW, _CELL = "st-key-row-", "st-key-cell"


def _cell(weight: int | str) -> str:
    """A selector for the flex item of a cell: the keyed cell, or what Streamlit wraps it in."""
    cell = f'[class*="{_CELL}{weight}-"]' if weight != "" else f'[class*="{_CELL}"]'
    return f'[class*="{_ROW}"] > {cell}, [class*="{_ROW}"] > :has(> {cell})'


def columns(spec: int | Sequence[int], key: str, *, gap: str = "small",
            vertical_alignment: str = "top") -> list[DeltaGenerator]:
    """Like ``st.columns(spec)`` (whole weights up to 10), but the cells stack whenever
    the page's main area is narrow (see the module docstring), not only on a phone.
    ``key`` names the row: unique in the page (it becomes the cells' CSS classes)."""
    weights = [1] * spec if isinstance(spec, int) else [int(w) for w in spec]
    assert all(w in WEIGHTS for w in weights), weights
    name = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    row = st.container(horizontal=True, gap=gap, vertical_alignment=vertical_alignment, key=f"row-{name}")
    return [row.container(key=f"cell{w}-{name}-{i}") for i, w in enumerate(weights)]


#: On a narrow page the answer sits under the canvas: the canvas is shown no taller than
#: the window leaves once the title, the Clear button and the answer (digit and verdict,
#: zoomed less) are counted, so both are seen without scrolling (rem of room: normal,
#: presenter mode's larger type; 800x900 is checked by tests/test_browser.py).  The
#: zooms leave room for the longest verdict ("does not look like any digit...": two lines
#: at 800 pixels, three in presenter mode's larger type) under Japanese's two-line
#: caption: 1.2 and 1.8 pushed it off screen.
STACKED_ROOM, STACKED_ROOM_PRESENTING = 38, 31
STACKED_ZOOM, STACKED_ZOOM_PRESENTING = 1.0, 1.5


def _stacked(room: int, zoom: float) -> str:
    canvases = " ".join(f".st-key-{canvas_key(size)} {{ max-width: max(160px, calc(100vh - {room}rem)); }}"
                        for size in (CANVAS, CANVAS_PRESENTING))
    return (f"@container studio-main (max-width: {STACK_BELOW - 0.01}rem) {{ {canvases} "
            f".st-key-{ANSWER} {{ zoom: {zoom}; }} }}")


_CELLS = "\n".join(f"{_cell(w)} {{ flex: {w} 1 0%; min-width: 0; }}" for w in WEIGHTS)

LAYOUT_CSS = f"""
.st-key-{MAIN} {{ container: studio-main / inline-size; }}
{_CELLS}
@container studio-main (max-width: {STACK_BELOW - 0.01}rem) {{
  {_cell("")} {{ flex: 1 1 100%; }}
}}
@media (min-width: 1600px) {{ html {{ font-size: 18px; }} }}
.st-key-{ANSWER} {{ zoom: 1.5; }}
.st-key-{SAVE_ROW} button {{ min-width: 0; padding-left: 0.25rem; padding-right: 0.25rem; }}
{_fit_rules(CANVAS)}
{_fit_rules(CANVAS_PRESENTING)}
{_stacked(STACKED_ROOM, STACKED_ZOOM)}
"""

PRESENTER_CSS = f"""
html {{ font-size: 20px; }}
@media (min-width: 1600px) {{ html {{ font-size: 22px; }} }}
.st-key-{MAIN} {{ margin-top: -3rem; }}
.st-key-{ANSWER} {{ zoom: 3.5; }}
{_stacked(STACKED_ROOM_PRESENTING, STACKED_ZOOM_PRESENTING)}
"""


def style() -> None:
    """The stylesheets for this run (a constant each; call once per page run)."""
    st.html(f"<style>{LAYOUT_CSS}{PRESENTER_CSS if presenting() else ''}</style>")
