"""The preprocessing steps of a drawing as a row of pictures (for the Draw page).

Each picture is the step's array itself, its pixels grown by whole pixels (so a learner
sees the 28 or 8 pixels a network reads, not a smoothed image), with the ink's box and
the centre of mass drawn in red."""
from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw

from mnist_core.errors import MnistError, sentence
from mnist_core.explain.steps import Step, preprocessing_steps

from .lang import lang, t
from .text import plain

SIZE = 140  # pixels of each picture's square tile
RED = (230, 30, 30, 255)


def picture(step: Step, size: int = SIZE) -> np.ndarray:
    """The step as RGBA uint8 (size, size): a small image grown by a whole factor (nearest
    neighbour), a large one shrunk (area average), centred on a transparent tile so the
    captions of a row line up; its box as a red rectangle, its point as a red cross."""
    h, w = step.image.shape
    scale = max(1, size // max(h, w)) if max(h, w) <= size else size / max(h, w)
    grey = Image.fromarray(np.round(np.clip(step.image, 0.0, 1.0) * 255).astype(np.uint8))
    shown = grey.resize((max(1, round(w * scale)), max(1, round(h * scale))),
                        Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX)
    tile = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    x0, y0 = (size - shown.width) // 2, (size - shown.height) // 2
    tile.paste(shown.convert("RGBA"), (x0, y0))
    pen = ImageDraw.Draw(tile)
    if step.box is not None:
        top, left, bottom, right = step.box
        pen.rectangle((x0 + left * scale, y0 + top * scale, x0 + right * scale - 1, y0 + bottom * scale - 1),
                      outline=RED, width=2)
    if step.point is not None:
        y, x = (y0 + (step.point[0] + 0.5) * scale, x0 + (step.point[1] + 0.5) * scale)
        arm = max(6.0, 2.0 * scale)
        pen.line((x - arm, y, x + arm, y), fill=RED, width=2)
        pen.line((x, y - arm, x, y + arm), fill=RED, width=2)
    return np.asarray(tile)


def preprocessing_steps_panel(image: np.ndarray, shape: tuple[int, int]) -> None:
    """How ``image`` becomes the input of a model of ``shape``: one picture per step, its
    title under it and a sentence on why the dataset needed it.  The pictures wrap onto
    more rows on a narrow screen; a blank drawing gets a sentence instead."""
    try:
        steps = preprocessing_steps(image, shape)
    except MnistError as err:
        st.info(plain(sentence(err, lang())))
        return
    row = st.container(horizontal=True, gap="small")
    for step in steps:
        cell = row.container(width=SIZE + 8)
        cell.image(picture(step), caption=f"**{plain(t(step.title))}**", width=SIZE)  # the engine's words, translated
        cell.caption(plain(t(step.why)))
