"""The Inside page's panels, and the verdict Draw shares: each draws one explanation
from :mod:`mnist_core.explain` for the active model and one image (h, w) in [0, 1]."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.analysis import Prediction, charts
from mnist_core.explain import SENTENCES, features, first_layer_weights, occlusion, pictures, saliency, tile
from mnist_core.explain.units import feature_maps, has_hidden_units, unit_activity, unit_drive
from mnist_core.explain.verdict import SHAPE_EVIDENCE
from mnist_core.i18n import N_
from mnist_core.storage import ModelRecord

from . import cache, screen
from .lang import num, pct, t
from .text import plain

#: Evidence rows: the verdict's evidence key, the key of its threshold, what it measures,
#: and which side of the threshold is a digit's (in English, marked for translation).
AT_LEAST, AT_MOST = N_("at least {threshold}"), N_("at most {threshold}")
EVIDENCE = [("extent_in_pens", "extent_threshold", N_("Ink extent, in pen widths"), AT_LEAST),
            ("pixel_distance", "pixel_threshold", N_("Distance to the 5 nearest training images: pixels"), AT_MOST),
            ("stroke_distance", "stroke_threshold", N_("... stroke directions"), AT_MOST),
            ("feature_distance", "feature_threshold", N_("... the model's own features"), AT_MOST),
            ("shape_score", "shape_threshold", SHAPE_EVIDENCE, AT_MOST),
            ("margin", "margin_threshold", N_("Gap between the two best probabilities"), AT_LEAST)]


def fit(side: int, width: int = 120) -> int:
    """The whole zoom that makes a side-pixel picture about ``width`` pixels wide."""
    return max(1, round(width / side))


def verdict_block(pred: Prediction, evidence: bool = True) -> None:
    """The answer in large type, one plain sentence, and (``evidence``) the evidence beside its thresholds."""
    v = pred.verdict
    if v is None:
        st.metric(t("Prediction"), pred.digit)
        return
    if v.verdict == "blank":
        st.info(t(SENTENCES["blank"]))
    else:
        runner_up = int(np.argsort(pred.proba)[-2])
        shown = {"digit": f"{v.digit}", "unsure": f"{v.digit}?", "not_a_digit": "?"}[v.verdict]
        st.metric(t("Prediction"), shown, help=t("? alone: not a digit; a digit with ?: the model is unsure"))
        say = t(SENTENCES[v.verdict], digit=v.digit, runner_up=runner_up, confidence=pred.confidence)
        (st.success if v.verdict == "digit" else st.warning)(say)
    if not evidence:
        return
    with st.expander(t("Why this verdict")):
        rows = [{"measure": t(label), "value": v.evidence[key], "a digit's": t(side, threshold=v.evidence[threshold])}
                for key, threshold, label, side in EVIDENCE if key in v.evidence]
        table = pd.DataFrame(rows).rename(columns={"measure": t("measure"), "value": t("value"),
                                                   "a digit's": t("a digit's")})
        st.table(table.set_index(t("measure")))  # static: an interactive grid cost every stroke ~100 ms
        st.caption(t("Every threshold was measured on the training images and on generated shapes (see the README): "
                     "a drawing far from all the training images in any one of the three spaces, or that the shape "
                     "detector takes for a drawn non-digit, is not a digit the model knows."))


def units_panel(record: ModelRecord, image: np.ndarray, digit: int) -> None:
    """First-layer units: sorted by how hard they push ``digit``, and what they do with this image."""
    model = cache.model(record)
    maps = feature_maps(model, image)
    if maps:
        filters = first_layer_weights(model)
        st.caption(t("The {count} first-layer filters ({height}x{width} pixels): each slides over the image and "
                     "lights up where the ink matches it (red: ink there excites it).",
                     count=len(filters), height=filters.shape[1], width=filters.shape[2]))
        st.image(pictures.grid([pictures.zoom(pictures.diverging(f), 8) for f in filters], gap=3))
        for i, block in enumerate(maps, start=1):
            st.caption(t("Block {block}: its {count} feature maps for this image ({height}x{width}), white where a "
                         "filter found its pattern.", block=i, count=len(block), height=block.shape[1],
                         width=block.shape[2]))
            top = max(float(block.max()), 1e-6)
            st.image(pictures.grid([pictures.zoom(pictures.grey(m, top), fit(m.shape[0], 64)) for m in block],
                                   columns=8, gap=2))
        return
    if not has_hidden_units(model):
        st.info(t("Logistic regression has no hidden units: each digit has one weight template, shown under "
                  "'{tab}'.", tab=t("What it imagines")))
        return
    weights = first_layer_weights(model)
    drive = unit_drive(model)[:, digit]
    order = np.argsort(drive)[::-1][:32]
    side = weights.shape[1]
    st.caption(t("The {shown} of {count} first-layer units that push {digit} hardest, strongest first: each "
                 "unit's weights as an image (red: ink there makes it fire; blue: ink there silences it).",
                 shown=len(order), count=len(weights), digit=digit))
    st.image(pictures.grid([pictures.zoom(pictures.diverging(weights[j]), fit(side, 56)) for j in order],
                           columns=8, gap=2))
    active, push = unit_activity(model, image)
    strongest = np.argsort(np.abs(push[:, digit]))[::-1][:12]
    st.caption(t("For this image: the {shown} units that moved {digit}'s score most, how strongly each fired, and "
                 "what each pushed every output by (red: towards it, blue: away).", shown=len(strongest), digit=digit))
    table = pd.DataFrame([{"unit": int(j), "output": d, "push": float(push[j, d])} for j in strongest for d in range(10)])
    titles = {"output digit": t("output digit"), "unit": t("unit"), "output": t("output"), "push": t("push"),
              "unit {unit} (fires {activity:.2f})": t("unit {unit} (fires {activity:.2f})")}  # a template: no values
    st.altair_chart(charts.push_chart(table, [int(j) for j in strongest], [float(active[j]) for j in strongest],
                                      titles=titles), width="stretch")


def imagine_panel(record: ModelRecord) -> None:
    """The ten pictures the model has of the digits, and how it reads them back."""
    model, images = cache.model(record), cache.imagined(record)
    st.caption(t("How: {method}.", method=plain(t(model.imagine_method))))
    signed = model.imagined_signed
    read = model.predict_proba(np.clip(images, 0, 1)) if not signed else None
    pics = [pictures.zoom(pictures.diverging(im) if signed else pictures.grey(im, 1.0), fit(im.shape[0], 84))
            for im in images]
    captions = [f"{d}" if read is None else t("{digit}: read {read}, {confidence}", digit=d, read=int(read[d].argmax()),
                                              confidence=pct(float(read[d].max()), 0))
                for d in range(len(images))]
    st.image(pics, caption=captions, width=pics[0].shape[1])


def pixels_panel(record: ModelRecord, image: np.ndarray, digit: int) -> None:
    """Saliency and occlusion for ``digit``, side by side over the image."""
    model = cache.model(record)
    a, b = screen.columns(2, key="inside-pixels")
    size = fit(image.shape[0], 224)
    grad = saliency(model, image, digit)
    a.image(pictures.zoom(pictures.overlay(image, grad), size), width=224)
    a.caption(t("Saliency: where a little more ink would raise {digit}'s score (red) or lower it (blue). "
                "Exact, but it only looks at tiny changes.", digit=digit))
    occ = occlusion(model, image, digit)
    b.image(pictures.zoom(pictures.overlay(image, occ.heat), size), width=224)
    b.caption(t("Occlusion: covering a {patch}x{patch} patch of this region costs {digit} this much probability "
                "(red; blue: it rises). Now {now}; the largest drop {drop}.", patch=occ.patch, digit=digit,
                now=pct(float(occ.baseline), 0), drop=pct(float(occ.drops.max()), 0)))


def neighbours_panel(record: ModelRecord, image: np.ndarray) -> None:
    """The 8 nearest training images in pixel space and in the model's feature space
    (searched in the verdict's indexes: a line instead while they are being built)."""
    judge, ds = cache.judge_ready(record), cache.dataset(record.meta.get("dataset", "digits"))
    if judge is None:
        st.caption(t("The nearest training images show once the verdict has calibrated: they are searched in the "
                     "same indexes."))
        return
    model = cache.model(record)
    for title, index, query in ((t("Nearest in pixels (what it looks like)"), judge.space.pixels, image[None]),
                                (t("Nearest in the model's features: {space}", space=plain(t(model.feature_space))),
                                 judge.features, features(model, image[None]))):
        found = index.query(query, k=8)
        st.caption(title)
        zoom = fit(image.shape[0], 72)
        st.image([pictures.zoom(pictures.grey(ds.x_train[i], ds.pixel_max), zoom) for i in found.index[0]],
                 width=zoom * image.shape[0],
                 caption=[f"{ds.y_train[i]}, d={d:.2f} (#{i})" for i, d in zip(found.index[0], found.distance[0])])


def motion_panel(record: ModelRecord) -> None:
    """The model while it trained, played back (:mod:`.playback`: Play, Pause, Step)."""
    from .playback import playback_panel

    playback_panel(cache.snapshots(record), record.meta, record.key)
