"""Watching it learn: a model's recorded snapshots (:mod:`mnist_core.explain.snapshots`)
played back on Inside and on Train -- Play, Pause, Step and a slider; at each moment the
first layer's units, 16 fixed test images with what the model read in them then, and
the learning curve marked at that moment.

Playing is one fragment whose timer (``run_every``) runs only while playing: each tick
reruns the fragment alone and moves the frame on, so nothing else on the page reruns.
Play and Pause start and stop the timer (one page run each); Step moves one frame.
While a run goes (:func:`live_panel`) the player asks for its frames on every run, looks
for new ones every :data:`LIVE_EVERY` seconds while it follows the newest (the default)
or is paused, and plays older ones every :data:`TICK` seconds; when the run ends the saved model's frames take over at the same moment.
The charts' specs are built once per language and screen; each tick hands them data.
"""
from __future__ import annotations

import math
from typing import Callable

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis.charts import with_data
from mnist_core.analysis.plots import data_url
from mnist_core.explain.snapshots import tile
from mnist_core.storage.snapshots import Snapshots

from . import screen, session
from .lang import lang, num, pct, t

FRAME, PLAYING, VIEW = "play_frame", "play_on", "play_view"  # widget_key(FRAME, where): the frame shown;
# (PLAYING, where): playing?  (VIEW, where): the frames last shown and where in them, to keep the moment
#: Seconds between two frames while playing (a run has at most 64 frames: under a minute).
TICK = 0.8
#: Seconds between two looks at a running job's new frames while paused.
LIVE_EVERY = 2.0
CELLS, NOW, CURVE, TESTS = "cells", "now", "curve", "tests"  # the charts' named data sets
COLUMNS = 8
#: What a player shows: ``() -> (snapshots or None, the model's metadata with its learning curve)``.
Frames = Callable[[], "tuple[Snapshots | None, dict]"]


def playback_panel(snaps: Snapshots | None, meta: dict, where: str) -> None:
    """The player for ``snaps`` (None: a sentence why there is nothing to play); ``meta``
    the model's metadata (its learning curve); ``where`` keeps its frame apart from other players'."""
    _caption()
    if snaps is None:
        st.info(t("This model's file has no training snapshots: logistic regression is fitted in one go, and "
                  "models saved before snapshots were recorded have none."))
        return
    _start(lambda: (snaps, meta), where, live=False)


def live_panel(frames: Frames, where: str) -> None:
    """The player while a run goes: ``frames()``, asked on each of the player's runs, gives
    the frames recorded so far (then the saved model's, once it ended).  It follows the
    newest frame until the learner pauses, steps or plays from the start; when the run ends
    the saved frames take over at the same moment (:func:`_same_moment`)."""
    _caption()
    if session.widget_key(PLAYING, where) not in st.session_state:
        st.session_state[session.widget_key(PLAYING, where)] = True  # following the newest frame
    _start(frames, where, live=True)


def _caption() -> None:
    st.caption(t("The model while it trained, moment by moment: its first layer's units, what it read in 16 fixed "
                 "test images, and where that moment is on its learning curve."))


def _start(frames: Frames, where: str, live: bool) -> None:
    playing = bool(st.session_state.get(session.widget_key(PLAYING, where)))
    head = (st.session_state.get(session.widget_key(VIEW, where)) or {}).get("head", playing)
    if head and playing and not live:  # a run followed to its end: the end, without one more page run
        st.session_state[session.widget_key(PLAYING, where)] = playing = False
    every = _every(playing, live, head)
    st.fragment(_player, run_every=every)(frames, where, live, every)


def _every(playing: bool, live: bool, head: bool) -> float | None:
    """The player's timer: while a run goes and it follows the newest frame (``head``) or is
    paused, a look for new frames every :data:`LIVE_EVERY` s; while playing, a frame every
    :data:`TICK` s; else none."""
    return LIVE_EVERY if live and (head or not playing) else TICK if playing else None


def _play(frame_key: str, play_key: str, last: int) -> None:
    if st.session_state[frame_key] >= last:
        st.session_state[frame_key] = 0  # from the start again
    st.session_state[play_key] = True


def _pause(play_key: str) -> None:
    st.session_state[play_key] = False


def _step(frame_key: str, play_key: str, last: int) -> None:
    st.session_state[play_key] = False
    st.session_state[frame_key] = (st.session_state[frame_key] + 1) % (last + 1)


def _same_moment(snaps: Snapshots, where: str) -> int:
    """The frame to show of ``snaps``: the one chosen, or -- when the frames changed since
    the last run (new ones came, or the saved file took over) -- the same moment of
    training as the one chosen (by the player or the slider), or the newest while following it."""
    frame, view = st.session_state.get(session.widget_key(FRAME, where), len(snaps) - 1), \
        st.session_state.get(session.widget_key(VIEW, where))
    if view is not None and view["seen"] != tuple(int(s) for s in snaps.samples_seen):
        if view["head"] and frame == view["frame"]:
            frame = len(snaps) - 1
        elif 0 <= frame < len(view["seen"]):
            frame = int(np.abs(snaps.samples_seen - view["seen"][frame]).argmin())
    return frame if 0 <= frame < len(snaps) else len(snaps) - 1


def _player(frames: Frames, where: str, live: bool, every: float | None) -> None:
    snaps, meta = frames()
    if snaps is None:
        if live:
            st.caption(t("Its first moments appear here as soon as it has started."))
        return
    frame_key, play_key = session.widget_key(FRAME, where), session.widget_key(PLAYING, where)
    last, playing = len(snaps) - 1, bool(st.session_state.get(play_key))
    st.session_state[frame_key] = _same_moment(snaps, where)
    if playing and every == TICK:  # a tick: the next frame
        if st.session_state[frame_key] >= last and not live:
            st.session_state[play_key] = False
            st.rerun()  # the end: the timer stops with the page's next run
        st.session_state[frame_key] = min(last, st.session_state[frame_key] + 1)
    moment = int(st.session_state[frame_key])
    head = playing and moment == last  # live: following the newest frame
    st.session_state[session.widget_key(VIEW, where)] = {  # <= 64 numbers: what _same_moment needs next time
        "seen": tuple(int(s) for s in snaps.samples_seen), "frame": moment, "head": head}
    if _every(playing, live, head) != every:
        st.rerun()  # Play, Pause, or the newest frame reached: the page's run sets the timer
    buttons = st.container(horizontal=True, key=session.widget_key("play_buttons", where))
    buttons.button(t("Play"), icon=":material/play_arrow:", disabled=playing, on_click=_play,
                   args=(frame_key, play_key, last), key=session.widget_key("play", where))
    buttons.button(t("Pause"), icon=":material/pause:", disabled=not playing, on_click=_pause, args=(play_key,),
                   key=session.widget_key("pause", where))
    buttons.button(t("Step"), icon=":material/skip_next:", on_click=_step, args=(frame_key, play_key, last),
                   key=session.widget_key("step", where))
    st.select_slider(t("Moment of training"), options=list(range(len(snaps))), key=frame_key,
                     format_func=lambda i: t("epoch {epoch}", epoch=num(float(snaps.epoch[i]), 2)),
                     disabled=playing)
    st.markdown(t("**Frame {frame} of {frames}**: epoch {epoch}, {count} images seen", frame=moment + 1,
                  frames=len(snaps), epoch=num(float(snaps.epoch[moment]), 2),
                  count=num(int(snaps.samples_seen[moment]))))
    units, right = screen.columns([1, 2], key=session.widget_key("play_row", where))
    n, side = len(snaps.units), snaps.frames.shape[2]
    with units:
        st.image(tile(snaps.frames[moment], zoom=max(1, round(300 / (math.ceil(math.sqrt(n)) * (side + 1))))))
        st.caption(t("{count} of the first layer's units (red: positive weights, blue: negative).", count=n))
    with right:
        if snaps.has_predictions:
            tests_chart(snaps.probabilities(moment), snaps.probe_index, snaps.probe_labels)
        else:
            st.info(t("This model was saved before predictions were recorded with its snapshots: retrain it to "
                      "watch its test images."))
        curve = curve_frame(meta)
        if len(curve):
            st.vega_lite_chart(with_data(_curve_spec(lang(), screen.presenting()), **{
                CURVE: curve, NOW: pd.DataFrame({"epoch": [float(snaps.epoch[moment])]})}), width="stretch")


@st.cache_data(max_entries=32, show_spinner=False)
def _pictures(rows: tuple, dataset: str) -> list[str]:
    ds = session.dataset(dataset)
    return [data_url(ds.x_test[r], 56, ds.pixel_max) for r in rows if r < len(ds.x_test)]


def tests_chart(proba: np.ndarray, rows: np.ndarray, labels: np.ndarray, dataset: str | None = None) -> None:
    """16 test images (``rows`` of ``dataset``'s x_test, true ``labels``) with what ``proba``
    (k, 10) reads in them: the digit and its probability under each, green when right, red when wrong."""
    urls = _pictures(tuple(int(r) for r in rows), dataset or session.active_name())
    if len(urls) != len(rows):
        return  # another dataset's rows
    answer = proba.argmax(1)
    right = answer == labels
    k = len(rows)
    cells = pd.DataFrame({"col": np.arange(k) % COLUMNS, "row": np.arange(k) // COLUMNS, "url": urls,
                          "text": [f"{a} · {pct(float(p), 0)}" for a, p in zip(answer, proba.max(1))],
                          "right": right, "label": labels.astype(int)})
    st.vega_lite_chart(with_data(_tests_spec(lang(), screen.presenting()), **{CELLS: cells}), width="stretch")
    st.caption(t("It reads {right} of these {count} right (green: right, red: wrong).", right=int(right.sum()),
                 count=k))


@st.cache_resource(max_entries=8, show_spinner=False)
def _tests_spec(language: str, presenting: bool) -> dict:
    font = 18 if presenting else 15
    base = alt.Chart(alt.NamedData(CELLS)).encode(
        x=alt.X("col:O", axis=None, scale=alt.Scale(domain=list(range(COLUMNS)))),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(domain=[0, 1])))
    image = base.mark_image(width=52, height=52, yOffset=-12).encode(
        url="url:N", tooltip=[alt.Tooltip("label:N", title=t("label"))])
    text = base.mark_text(baseline="top", fontSize=font, fontWeight="bold", yOffset=18).encode(
        text="text:N", color=alt.when(alt.datum.right).then(alt.value("#2e7d32")).otherwise(alt.value("#c62828")))
    return (image + text).properties(height=2 * (80 + 2 * font)).configure_view(strokeWidth=0).to_dict()


def curve_frame(meta: dict) -> pd.DataFrame:
    """The learning curve in epochs: training accuracy as it went (``meta["curve"]``) and test accuracy
    after each epoch (``meta["history"]``), one row per point with ``what`` (translated)."""
    n = max(1, int(meta.get("n_train") or 1))
    train = [(float(c["samples_seen"]) / n, float(c["accuracy"]), t("training accuracy"))
             for c in meta.get("curve") or [] if "accuracy" in c and "samples_seen" in c]
    test = [(float(h["samples_seen"]) / n, float(h["test_accuracy"]), t("test accuracy"))
            for h in meta.get("history") or [] if h.get("test_accuracy") is not None and "samples_seen" in h]
    return pd.DataFrame(train + test, columns=["epoch", "accuracy", "what"])


@st.cache_resource(max_entries=8, show_spinner=False)
def _curve_spec(language: str, presenting: bool) -> dict:
    font = 16 if presenting else 13
    axis = {"labelFontSize": font, "titleFontSize": font}
    lines = alt.Chart(alt.NamedData(CURVE)).mark_line(point=alt.OverlayMarkDef(size=30)).encode(
        x=alt.X("epoch:Q", title=t("epoch"), axis=alt.Axis(**axis)),
        y=alt.Y("accuracy:Q", title=t("accuracy"), axis=alt.Axis(format="%", **axis), scale=alt.Scale(zero=False)),
        color=alt.Color("what:N", title=None, legend=alt.Legend(orient="bottom", labelFontSize=font)))
    now = alt.Chart(alt.NamedData(NOW)).mark_rule(color="#ff4b4b", strokeWidth=3).encode(x="epoch:Q")
    return (lines + now).properties(height=220).configure_axis(labelFontSize=font, titleFontSize=font) \
        .configure_legend(labelFontSize=font).to_dict()
