"""Pictures for the app and notebooks: the mean images as a Matplotlib figure, and small
grey images grown to sharp pixels (arrays, PNG data URLs).  Charts are Altair
(:mod:`.charts`).

A figure is a fresh :class:`matplotlib.figure.Figure` (Agg canvas, no pyplot global
state), so concurrent sessions never draw into each other's figures.
"""
from __future__ import annotations

import io
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..data.datasets import Dataset


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes: what the app caches, so a rerun does not redraw it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def upscale(image: np.ndarray, size: int = 112, vmax: float | None = None) -> np.ndarray:
    """A small grey image -> uint8 (size', size') with sharp pixels, for st.image."""
    img = np.asarray(image, dtype=np.float32)
    top = float(vmax if vmax is not None else (img.max() or 1.0))
    factor = max(1, size // max(img.shape))
    big = np.kron(img, np.ones((factor, factor), np.float32))
    return np.clip(big / top * 255.0, 0, 255).astype(np.uint8)


def mean_images(dataset: Dataset) -> Figure:
    """The average training image of each label, 0 to 9."""
    fig = _figure(10.0, 1.4)
    axes = fig.subplots(1, 10)
    for label, ax in enumerate(axes):
        chosen = dataset.x_train[dataset.y_train == label]
        mean = chosen.mean(axis=0) if len(chosen) else np.zeros(dataset.image_shape)
        ax.imshow(mean, cmap="gray", interpolation="nearest", vmin=0, vmax=dataset.pixel_max)
        ax.set_title(str(label), fontsize=10)
        ax.set_axis_off()
    return fig


def data_url(image: np.ndarray, size: int = 56, vmax: float | None = None) -> str:
    """A small grey image as a ``data:image/png`` URL (thumbnails in a table)."""
    import base64

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(upscale(image, size, vmax)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
