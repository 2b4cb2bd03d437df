"""Matplotlib figures for the app and notebooks.

Every function returns a fresh :class:`matplotlib.figure.Figure` (Agg canvas, no
pyplot global state), so concurrent sessions never draw into each other's figures.
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


def confusion_heatmap(matrix: np.ndarray, title: str = "") -> Figure:
    """Rows = true label, columns = predicted; every count written in its cell.

    Colours use a log scale so off-diagonal errors stay visible next to the diagonal.
    """
    m = np.asarray(matrix)
    fig = _figure(6.0, 5.2)
    ax = fig.add_subplot()
    ax.imshow(np.log1p(m), cmap="Blues")
    threshold = np.log1p(m).max() * 0.6
    for (r, c), v in np.ndenumerate(m):
        if v:
            ax.text(c, r, str(int(v)), ha="center", va="center", fontsize=8,
                    color="white" if np.log1p(v) > threshold else "black")
    ax.set_xticks(range(m.shape[1]))
    ax.set_yticks(range(m.shape[0]))
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    if title:
        ax.set_title(title)
    return fig


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


def digit_with_values(image: np.ndarray, vmax: float = 255, title: str = "") -> Figure:
    """One image as a heatmap with each pixel's value written on it (the tutorial's array)."""
    img = np.asarray(image)
    h, w = img.shape
    size = 7.0 if max(h, w) > 10 else 4.0
    fig = _figure(size, size)
    ax = fig.add_subplot()
    ax.imshow(img, cmap="gray", interpolation="nearest", vmin=0, vmax=vmax)
    font = 4.5 if max(h, w) > 10 else 9
    for (r, c), v in np.ndenumerate(img):
        if v:
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=font,
                    color="black" if v > vmax * 0.5 else "white")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return fig


def data_url(image: np.ndarray, size: int = 56, vmax: float | None = None) -> str:
    """A small grey image as a ``data:image/png`` URL (thumbnails in a table)."""
    import base64

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(upscale(image, size, vmax)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
