"""Data augmentation: small random rotations, shifts, scalings and shears (and
optionally Simard's elastic distortion) of a batch of digit images.

Why no loop: every image gets its own affine map, but instead of one
``affine_transform`` per image (60,000 calls per epoch) the sampling coordinates of
the whole batch are built with array arithmetic and resampled at once by a bilinear
gather (:func:`bilinear`), reading zeros (black) outside each digit.

Sizes (shift, elastic scale) are given in pixels of a 28x28 image and scaled to the
actual size, so the same settings are as gentle on the 8x8 digits.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter


def affine_grids(n: int, h: int, w: int, rng: np.random.Generator, max_rotation: float = 12.0,
                 max_shift: float = 2.5, scale: tuple[float, float] = (0.9, 1.1),
                 max_shear: float = 8.0) -> np.ndarray:
    """Where each output pixel samples its input: (2, n, h, w) float32 (row, column),
    relative to the image's own top-left pixel (float32 is exact enough there).

    Per image: ``source = A @ (target - centre) + centre + shift`` with
    ``A = rotation(angle) @ shear(angle') / zoom``; angles in degrees, uniform in
    +-max_rotation and +-max_shear, zoom uniform in ``scale``, shift uniform in
    +-max_shift (28x28 pixels, scaled to h)."""
    theta = np.deg2rad(rng.uniform(-max_rotation, max_rotation, n))
    shear = np.tan(np.deg2rad(rng.uniform(-max_shear, max_shear, n)))
    zoom = rng.uniform(scale[0], scale[1], n)
    shift = rng.uniform(-max_shift, max_shift, (2, n)) * (h / 28.0)
    cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
    # rotation @ [[1, shear], [0, 1]], divided by the zoom: (n,) entries of a 2x2 matrix
    a = np.stack([cos, cos * shear - sin, sin, sin * shear + cos]).astype(np.float32)[:, :, None, None]
    origin = (np.array([(h - 1) / 2.0, (w - 1) / 2.0])[:, None] + shift).astype(np.float32)[:, :, None, None]
    r = (np.arange(h, dtype=np.float32) - np.float32((h - 1) / 2.0))[None, :, None]
    c = (np.arange(w, dtype=np.float32) - np.float32((w - 1) / 2.0))[None, None, :]
    grids = np.empty((2, n, h, w), np.float32)
    np.add(a[0] * r, a[1] * c, out=grids[0])
    np.add(a[2] * r, a[3] * c, out=grids[1])
    grids += origin
    return grids


def elastic_offsets(n: int, h: int, w: int, rng: np.random.Generator, alpha: float, sigma: float) -> np.ndarray:
    """Simard et al. (2003): uniform random displacements smoothed by a Gaussian of
    ``sigma`` and scaled by ``alpha`` (both in 28x28 pixels): (2, n, h, w)."""
    k = h / 28.0
    field = rng.uniform(-1.0, 1.0, (2, n, h, w)).astype(np.float32)
    smooth = gaussian_filter(field, sigma=(0, 0, sigma * k, sigma * k), mode="constant")
    return smooth * np.float32(alpha * k)


def augment_batch(x: np.ndarray, rng: np.random.Generator, max_rotation: float = 12.0,
                  max_shift: float = 2.5, scale: tuple[float, float] = (0.9, 1.1), max_shear: float = 8.0,
                  elastic_alpha: float = 0.0, elastic_sigma: float = 4.0, chunk: int = 128) -> np.ndarray:
    """x (B, h, w) float32 in [0, 1] -> a randomly deformed copy, same shape and dtype.

    Each image is rotated, shifted, zoomed and sheared by its own small random amount
    (see :func:`affine_grids`); ``elastic_alpha > 0`` (Simard used 34 with sigma 4)
    adds a smooth random warp on top.  Reproducible from ``rng``.  Works ``chunk``
    images at a time: the temporaries then stay in cache (measured 1.5x faster than
    256) and augmenting a whole training set at once stays small."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"augment_batch takes images (B, h, w), got shape {x.shape}")
    out = np.empty_like(x)
    for s in range(0, len(x), chunk):
        part = x[s:s + chunk]
        n, h, w = part.shape
        grids = affine_grids(n, h, w, rng, max_rotation, max_shift, scale, max_shear)
        if elastic_alpha > 0:
            grids += elastic_offsets(n, h, w, rng, elastic_alpha, elastic_sigma)
        out[s:s + chunk] = bilinear(part, grids)
    return out


def bilinear(x: np.ndarray, grids: np.ndarray) -> np.ndarray:
    """Sample x (n, h, w) at (row, column) ``grids`` (2, n, h, w), reading zeros outside.

    The images are laid out as one flat array with a zero row above each digit and
    zero columns either side, so every sample's four neighbours are four gathers at
    fixed offsets and a coordinate clipped to one pixel outside the digit reads only
    zeros.  This is ``scipy.ndimage.map_coordinates(order=1, mode="grid-constant")``
    (a sample half a pixel outside the edge is half the edge pixel), in plain NumPy."""
    n, h, w = x.shape
    row_len = w + 2
    padded = np.zeros((n + 1, h + 1, row_len), np.float32)  # + a zero digit below the last
    padded[:n, 1:, 1:-1] = x
    flat = padded.reshape(-1)
    rows = np.clip(grids[0], -1.0, h)
    cols = np.clip(grids[1], -1.0, w)
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0
    digit_start = (np.arange(n) * ((h + 1) * row_len))[:, None, None]
    idx = digit_start + (r0.astype(np.intp) + 1) * row_len + (c0.astype(np.intp) + 1)
    top = flat[idx] * (1 - fc) + flat[idx + 1] * fc
    bottom = flat[idx + row_len] * (1 - fc) + flat[idx + row_len + 1] * fc
    out = top * (1 - fr) + bottom * fr
    return np.clip(out, 0.0, 1.0, out=out)
