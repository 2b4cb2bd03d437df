"""The whole network as one picture that lights up as you draw: the image the network
sees, every hidden unit coloured by its activation (a CNN's feature maps as tiles), the
ten outputs with their probabilities, and the strongest contributions to the chosen
digit (weight x activation) drawn as edges, so the path of the evidence is visible.

Two halves, so a page redraws cheaply on every stroke: :func:`network_layout` places
every unit once per model (from the layers' shapes alone), :func:`network_view` reads
one image's activations and edges from the model's own ``layer_activations`` and
``unit_terms`` (each kind answers for itself), and :func:`render` paints them with
Pillow into one RGB picture (a few milliseconds; no matplotlib).

Coordinates are pixels of the picture, y downwards.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..models.base import Model

#: The picture's height, and the room between two layers (where the edges run).
HEIGHT, GAP, TOP = 300, 70, 10
#: The chosen digit's strongest inputs drawn as edges, and for each of those, its own strongest.
FIRST_EDGES, LATER_EDGES, FRONTIER = 10, 4, 8
POSITIVE, NEGATIVE = (235, 120, 20), (40, 120, 235)
BACKGROUND = (250, 250, 250)


@dataclass(frozen=True)
class Block:
    """One layer's place in the picture.  ``cells`` (units, 4): each unit's box x0, y0, x1, y1
    (for feature maps: each map's tile), ``shape`` the layer's activation shape for one image."""

    name: str
    style: str  # "pixels", "units", "maps" or "outputs"
    shape: tuple[int, ...]
    cells: np.ndarray

    @property
    def centres(self) -> np.ndarray:
        """(units, 2) the centre of each cell."""
        return np.stack([(self.cells[:, 0] + self.cells[:, 2]) / 2, (self.cells[:, 1] + self.cells[:, 3]) / 2], 1)


@dataclass(frozen=True)
class Layout:
    blocks: list[Block]
    width: int
    height: int


@dataclass(frozen=True)
class Edge:
    """``source`` unit of layer ``layer - 1`` adds ``value`` (weight x input) to ``target`` of ``layer``
    (for feature maps, ``source`` is a map and ``value`` the sum over its positions)."""

    layer: int
    source: int
    target: int
    value: float


@dataclass(frozen=True)
class NetworkView:
    """One image through the network: each layer's activations (flat), the digit followed
    and its evidence as edges."""

    activations: list[np.ndarray]
    digit: int
    proba: np.ndarray  # (10,)
    edges: list[Edge]


def _grid(n: int, box_h: int, max_cell: int, tall: float = 2.5) -> tuple[int, int, int]:
    """rows, columns and cell size for ``n`` cells in a column ``box_h`` high, ``tall``
    times as many rows as columns."""
    cols = max(1, math.ceil(math.sqrt(n / tall)))
    rows = -(-n // cols)
    cell = max(2, min(max_cell, box_h // rows))
    return rows, cols, cell


def network_layout(model: Model) -> Layout:
    """Where every layer of ``model`` and each of its units go (built once per model)."""
    blank = np.zeros((1, *model.image_shape), np.float32)
    x, blocks = 0, []
    layers = model.layer_activations(blank)
    for li, (name, acts) in enumerate(layers):
        shape = tuple(acts.shape[1:])
        if li == 0:
            side = model.image_shape[0]
            cell = HEIGHT // side
            ys, xs = np.divmod(np.arange(side * side), side)
            style, w = "pixels", side * cell
            cells = np.stack([x + xs * cell, TOP + ys * cell, x + (xs + 1) * cell, TOP + (ys + 1) * cell], 1)
        elif li == len(layers) - 1:
            n, row = shape[0], HEIGHT // shape[0]
            ys = np.arange(n)
            style, w = "outputs", 130
            cells = np.stack([np.full(n, x), TOP + ys * row + 2, np.full(n, x + row - 4), TOP + (ys + 1) * row - 2], 1)
        elif len(shape) == 3:  # feature maps (c, h, w) as tiles
            c, h, _ = shape
            rows, cols, tile = _grid(c, HEIGHT, 64, tall=2.0)  # tall: the whole network fits a page's width
            scale = max(1, (tile - 2) // h)
            size = scale * h
            ys, xs = np.divmod(np.arange(c), cols)
            style, w = "maps", cols * (size + 2)
            cells = np.stack([x + xs * (size + 2), TOP + ys * (size + 2), x + xs * (size + 2) + size,
                              TOP + ys * (size + 2) + size], 1)
        else:
            n = shape[0]
            rows, cols, cell = _grid(n, HEIGHT, 18)
            ys, xs = np.divmod(np.arange(n), cols)
            style, w = "units", cols * cell
            cells = np.stack([x + xs * cell + 1, TOP + ys * cell + 1, x + (xs + 1) * cell - 1, TOP + (ys + 1) * cell - 1], 1)
        blocks.append(Block(name, style, shape, cells.astype(np.int32)))
        x += w + GAP
    return Layout(blocks, x - GAP, HEIGHT + 2 * TOP)


def _top_sources(model: Model, image: np.ndarray, layer: int, unit: int, shape: tuple[int, ...],
                 count: int) -> list[Edge]:
    """The ``count`` largest contributions (by size) into ``unit`` of ``layer``, from the
    model's own written-out sum; inputs that are feature maps are summed per map."""
    terms = model.unit_terms(image, layer, unit)["terms"]
    index = np.fromiter((t[0] for t in terms), np.int64, len(terms))
    product = np.fromiter((t[3] for t in terms), np.float64, len(terms))
    if len(shape) == 3:  # by map: the edge goes to the tile, with the map's sum
        product = np.bincount(index // int(np.prod(shape[1:])), product, minlength=shape[0])
        index = np.arange(shape[0])
    order = np.argsort(-np.abs(product))[:count]
    return [Edge(layer, int(index[i]), unit, float(product[i])) for i in order if product[i] != 0]


def network_view(model: Model, image: np.ndarray, digit: int | None = None) -> NetworkView:
    """``image`` (h, w) in [0, 1] -> its activations, the digit followed (default: the
    model's answer) and the edges of its strongest evidence, layer by layer backwards
    from that output until a layer of feature maps (or the input) is reached."""
    layers = model.layer_activations(np.asarray(image, np.float32)[None])
    acts = [a[0] for _, a in layers]
    proba = model.predict_proba(np.asarray(image, np.float32)[None])[0]
    digit = int(np.argmax(proba)) if digit is None else int(digit)
    edges: list[Edge] = []
    frontier, layer = [digit], len(acts) - 1
    while frontier and layer >= 1:
        below = acts[layer - 1].shape
        found: list[Edge] = []
        for unit in frontier:
            found += _top_sources(model, image, layer, unit, below,
                                  FIRST_EDGES if layer == len(acts) - 1 else LATER_EDGES)
        edges += found
        if layer - 1 == 0 or len(below) == 3:
            break
        strongest: dict[int, float] = {}
        for e in found:
            strongest[e.source] = max(strongest.get(e.source, 0.0), abs(e.value))
        frontier = sorted(strongest, key=strongest.get, reverse=True)[:FRONTIER]
        layer -= 1
    return NetworkView([a.ravel() for a in acts], digit, proba, edges)


def _colour(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 (n, 3): dark blue-grey when quiet, through teal, to bright yellow."""
    stops = np.array([[38, 42, 64], [33, 110, 140], [90, 190, 120], [250, 225, 60]], np.float32)
    v = np.clip(np.asarray(values, np.float32), 0, 1) * (len(stops) - 1)
    i = np.minimum(v.astype(int), len(stops) - 2)
    f = (v - i)[:, None]
    return (stops[i] * (1 - f) + stops[i + 1] * f).round().astype(np.uint8)


def _scaled(values: np.ndarray) -> np.ndarray:
    top = float(np.max(values)) if values.size else 0.0
    return values / top if top > 1.0 or top <= 0 else values  # sigmoids stay as they are, ReLUs by their largest


def render(layout: Layout, view: NetworkView, selected: tuple[int, int] | None = None) -> np.ndarray:
    """The picture: RGB uint8 (height, width, 3).  ``selected`` (layer, unit) is ringed."""
    canvas = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for li, (block, values) in enumerate(zip(layout.blocks, view.activations)):
        if block.style == "pixels":
            side = int(math.isqrt(values.size))
            cell = block.cells[0, 2] - block.cells[0, 0]
            ink = (np.clip(values, 0, 1) * 255).astype(np.uint8).reshape(side, side)
            canvas.paste(Image.fromarray(ink).resize((side * cell, side * cell), Image.NEAREST),
                         (int(block.cells[0, 0]), int(block.cells[0, 1])))
        elif block.style == "maps":
            maps = values.reshape(block.shape)
            top = max(float(maps.max()), 1e-9)
            for (x0, y0, x1, _), m in zip(block.cells, maps):
                tile = (_colour((m / top).ravel()).reshape(*m.shape, 3))
                canvas.paste(Image.fromarray(tile).resize((int(x1 - x0), int(x1 - x0)), Image.NEAREST), (int(x0), int(y0)))
        elif block.style == "units":
            colours = _colour(_scaled(values))
            for (x0, y0, x1, y1), c in zip(block.cells, colours):
                draw.rectangle([int(x0), int(y0), int(x1), int(y1)], fill=tuple(int(v) for v in c))
    _edges(canvas, layout, view)
    _outputs(draw, layout.blocks[-1], view)
    if selected is not None:
        li, unit = selected
        x0, y0, x1, y1 = (int(v) for v in layout.blocks[li].cells[unit])
        draw.rectangle([x0 - 3, y0 - 3, x1 + 3, y1 + 3], outline=(220, 30, 30), width=3)
    return np.asarray(canvas)


def _edges(canvas: Image.Image, layout: Layout, view: NetworkView) -> None:
    if not view.edges:
        return
    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for layer in {e.layer for e in view.edges}:
        mine = [e for e in view.edges if e.layer == layer]
        top = max(abs(e.value) for e in mine) or 1.0
        src, dst = layout.blocks[layer - 1], layout.blocks[layer]
        for e in sorted(mine, key=lambda e: abs(e.value)):
            share = abs(e.value) / top
            (sx, sy), (dx, dy) = src.centres[e.source], dst.centres[e.target]
            sx = src.cells[e.source, 2] if src.style != "pixels" else sx
            dx = dst.cells[e.target, 0]
            colour = (*(POSITIVE if e.value > 0 else NEGATIVE), int(60 + 170 * share))
            draw.line([(float(sx), float(sy)), (float(dx), float(dy))], fill=colour, width=max(1, round(5 * share)))
    canvas.paste(Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB"))


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # an old Pillow: the small bitmap font
        return ImageFont.load_default()


def _outputs(draw: ImageDraw.ImageDraw, block: Block, view: NetworkView) -> None:
    """Each output: its digit, a bar as long as its probability, the followed one in bold colour."""
    font = _font(max(12, int(block.cells[0, 3] - block.cells[0, 1]) - 6))
    for d, (x0, y0, x1, y1) in enumerate(block.cells):
        x0, y0, x1, y1 = (int(v) for v in (x0, y0, x1, y1))
        followed = d == view.digit
        draw.text((x0 + 3, y0 - 1), str(d), fill=(20, 20, 20) if followed else (90, 90, 90), font=font)
        bar = int(80 * float(view.proba[d]))
        draw.rectangle([x1 + 4, y0 + 3, x1 + 4 + max(bar, 1), y1 - 3], fill=POSITIVE if followed else (150, 160, 175))
