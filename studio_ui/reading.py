"""The Draw page's reading of a drawing: the answer (zoomed by the stylesheet), what the
network saw, the ten probabilities, and every saved model's prediction."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis import plots, predict_image, read_proba
from mnist_core.errors import EmptyImage, MnistError, sentence
from mnist_core.explain import Judge
from mnist_core.models import Model
from mnist_core.storage import ModelRecord

from . import cache, screen, session
from .inside import verdict_block
from .lang import lang, name, num, t, titles
from .text import plain


def why() -> None:
    """"Why? Look inside": Inside explains the drawing."""
    st.session_state[session.INSIDE_SOURCE] = "Your drawing"


def verdict_line(record: ModelRecord, judge: Judge | None) -> None:
    """A place of its own in the page, with :func:`verdict_pending`'s line in it while
    ``judge`` is None: when the line goes, nothing below it moves (a canvas that moved
    was mounted afresh and lost its drawing, its answer staying)."""
    with st.empty():
        if judge is None:
            verdict_pending(record)


@st.fragment(run_every=1.0)
def verdict_pending(record: ModelRecord) -> None:
    """One line while the model's verdict is being calibrated in the background (see
    cache.judge_ready): the drawing is read meanwhile, its verdict follows; once it is
    ready the whole page reruns, with it."""
    if cache.judge_ready(record) is not None:
        st.rerun(scope="app")
    st.caption(t("Still calibrating the verdict (is it a digit at all?): the model's answer shows meanwhile."))


def read(model: Model, judge: Judge | None, image: np.ndarray | None, started: float) -> np.ndarray | None:
    """The prediction of ``image`` (h, w) with its verdict, its probabilities and what
    the network saw (no verdict while ``judge`` is None: still calibrating); returns
    that image (the model's input), ``None`` if there is none.
    ``started``: when the drawing arrived (``time.perf_counter()``), for the time shown."""
    try:
        if image is None:
            raise EmptyImage("")
        pred = predict_image(model, image, judge)
    except EmptyImage:
        st.info(t("Draw a digit on the black square (or upload one): the prediction appears here as you draw."))
        return None
    except MnistError as err:
        st.error(plain(sentence(err, lang())))
        return None
    elapsed_ms = (time.perf_counter() - started) * 1000
    st.session_state[session.DRAWING] = {"seen": pred.image, "ink": pred.ink}
    details = screen.details()  # presenter mode: the answer alone, very large
    m, v = screen.columns([1, 1], key="draw_reading") if details else (st.container(), None)
    with m, st.container(key=screen.ANSWER):  # zoomed by screen's CSS: large (very large in presenter mode)
        verdict_block(pred, evidence=details)
    if v is not None:
        v.image(plots.upscale(pred.image, 140, 1.0), caption=t("What the network sees"), width=140)
        if v.button(t("Why? Look inside"), key="draw_why", on_click=why):
            st.switch_page("pages/Inside.py")
    names = titles("probability", "digit")  # the chart's column and axis, named in the page's language
    st.bar_chart(pd.DataFrame({names["probability"]: pred.proba}, index=pd.Index(range(10), name=names["digit"])),
                 height=200 if details else 320, y_label=names["probability"])
    if details:
        st.caption(t("Preprocessing, prediction and verdict took {ms} ms on the server.", ms=num(elapsed_ms, 1)))
    return pred.image


def every_model(rec: ModelRecord, seen: np.ndarray) -> None:
    """What every saved model of the dataset reads in ``seen`` (the active one's input, (h, w)), as a table."""
    rows, labels = [], session.model_labels()
    for r in [rec, *(r for r in session.records() if r.key != rec.key)]:
        try:
            p = read_proba(cache.model(r), seen[None])[0]  # read as the drawing was
            rows.append({"model": name(labels.get(r.key, r.label)), "kind": r.meta.get("model"), "prediction": int(p.argmax()),
                         "confidence": float(p.max()), "test accuracy": r.meta.get("test_accuracy")})
        except MnistError as err:
            rows.append({"model": name(labels.get(r.key, r.label)), "kind": r.meta.get("model"), "error": sentence(err, lang())})
    shown = titles("model", "kind", "prediction", "error", "confidence", "test accuracy")  # in the page's language
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        **shown, "confidence": st.column_config.NumberColumn(shown["confidence"], format="percent"),
        "test accuracy": st.column_config.NumberColumn(shown["test accuracy"], format="percent")})
