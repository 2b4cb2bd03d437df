"""The training images nearest to an image: in pixel space (what it looks like) and in
the model's own feature space (what the network makes of it).

Exact, and fast without an approximate index.  Every vector is also projected onto the
index's top principal components (48 of 784 for MNIST pixels): a projection never
lengthens a distance, so the projected distance is a *lower bound* of the true one,
and it costs a 60,000 x 48 product (~1 ms) instead of 60,000 x 784 (~20 ms, the
memory bandwidth of reading every image).  The ``k + RECHECK`` best candidates by
that bound are measured exactly (in float64, so a training image finds itself at
distance exactly 0); any other vector whose bound is still under the k-th exact
distance is measured too.  What is returned is therefore the exact k nearest.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: Candidates measured exactly per query before the bound is checked.
RECHECK = 64
#: Queries per matrix product when many are asked at once (bounds the (m, n) block).
BLOCK = 512
#: Principal components of the bound (vectors of at most this many dimensions are searched directly).
COMPONENTS = 48


@dataclass(frozen=True, eq=False)
class Neighbours:
    """``index`` (m, k) rows of the training set, nearest first; ``distance`` (m, k) Euclidean."""

    index: np.ndarray
    distance: np.ndarray


class NeighbourIndex:
    """Every training vector, (n, d) float32, ready to be searched."""

    def __init__(self, vectors: np.ndarray, seed: int = 0, parts: dict[str, np.ndarray] | None = None) -> None:
        """``parts``: the :meth:`parts` of an index built before on the same vectors (a cache)."""
        self.vectors = np.ascontiguousarray(np.asarray(vectors, np.float32).reshape(len(vectors), -1))
        if parts is not None:
            self.mean, self.basis, self.projected = parts["mean"], parts["basis"], parts["projected"]
        else:
            self.mean = self.vectors.mean(axis=0)
            d = self.vectors.shape[1]
            if d > COMPONENTS and len(self.vectors) > COMPONENTS:
                self.basis = principal_axes(self.vectors[np.random.default_rng(seed).permutation(len(self.vectors))
                                                         [:10_000]] - self.mean, COMPONENTS)
            else:
                self.basis = np.eye(d, dtype=np.float32)  # the bound is the distance itself
            self.projected = np.ascontiguousarray((self.vectors - self.mean) @ self.basis)
        self.projected_norms = np.einsum("ij,ij->i", self.projected, self.projected)

    def parts(self) -> dict[str, np.ndarray]:
        """What building the index computed (to cache it on disk)."""
        return {"mean": self.mean, "basis": self.basis, "projected": self.projected}

    def __len__(self) -> int:
        return len(self.vectors)

    def query(self, queries: np.ndarray, k: int = 8, leave_out: np.ndarray | None = None) -> Neighbours:
        """queries (m, d) (or (m, h, w)) -> the k nearest of each.  ``leave_out`` (m,): a
        training row each query may not find (itself, to calibrate on training images)."""
        q = np.asarray(queries, np.float32).reshape(len(queries), -1)
        k = min(k, len(self) - (leave_out is not None))
        out_i = np.empty((len(q), k), np.intp)
        out_d = np.empty((len(q), k), np.float64)
        for s in range(0, len(q), BLOCK):
            block = q[s:s + BLOCK]
            z = (block - self.mean) @ self.basis
            bound = z @ self.projected.T  # (m, n), then in place: |p|^2 - 2 z.p + |z|^2
            bound *= -2
            bound += self.projected_norms[None, :]
            bound += np.einsum("ij,ij->i", z, z)[:, None]
            np.maximum(bound, 0, out=bound)
            bound *= 1 - 1e-4  # float32 rounding must not hide a neighbour
            bound -= 1e-4
            if leave_out is not None:
                bound[np.arange(len(block)), leave_out[s:s + BLOCK]] = np.inf
            out_i[s:s + len(block)], out_d[s:s + len(block)] = self._exact_block(block, bound, k)
        return Neighbours(out_i, out_d)

    def _exact_block(self, block: np.ndarray, bound: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest of each query of ``block`` (m, d), given every vector's lower bound
        (m, n): the ``k + RECHECK`` best candidates of all rows measured at once (one Python
        step per row cost 2,000 calibration queries several seconds); a row whose bound
        leaves other vectors possible measures those too (:meth:`_with_more`)."""
        m, cand = len(block), min(len(self), k + RECHECK)
        near = np.argpartition(bound, cand - 1, axis=1)[:, :cand] if cand < len(self) else \
            np.broadcast_to(np.arange(len(self)), (m, len(self))).copy()
        exact = np.empty(near.shape, np.float64)
        for s in range(0, m, 32):  # (32, cand, d) differences at a time
            diff = self.vectors[near[s:s + 32]].astype(np.float64) - block[s:s + 32, None, :].astype(np.float64)
            exact[s:s + 32] = np.einsum("ijk,ijk->ij", diff, diff)
        finite = np.isfinite(np.take_along_axis(bound, near, axis=1))
        exact = np.where(finite, exact, np.inf)  # a left-out vector is never a neighbour
        kth = np.partition(exact, k - 1, axis=1)[:, k - 1]
        possible = bound < kth[:, None]  # (m, n): the bound leaves them possible, and not measured yet
        np.put_along_axis(possible, near, False, axis=1)
        alone = np.flatnonzero(possible.any(axis=1))
        order = np.argsort(exact, axis=1, kind="stable")[:, :k]
        out_i, out_d = np.take_along_axis(near, order, axis=1), np.sqrt(np.take_along_axis(exact, order, axis=1))
        for row in alone:  # the bound did not rule the others out: measure them too, for this row
            out_i[row], out_d[row] = self._with_more(block[row], near[row], exact[row], np.flatnonzero(possible[row]), k)
        return out_i, out_d

    def _with_more(self, x: np.ndarray, near: np.ndarray, exact: np.ndarray, more: np.ndarray,
                   k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest of one query ``x`` (d,): ``near`` (c,) measured already (``exact``,
        squared, inf for a left-out vector) and ``more`` to measure.  (Searching the row again
        from its bound, as this once did, cost an argpartition of all n bounds per row: ~2 ms,
        and on MNIST's calibration sample nearly half the rows come here, ~4 of its ~16 s.)"""
        near = np.concatenate([near, more])
        exact = np.concatenate([exact, np.square(self.vectors[more].astype(np.float64) - x).sum(axis=1)])
        order = np.argsort(exact, kind="stable")[:k]
        return near[order], np.sqrt(exact[order])


def principal_axes(centred: np.ndarray, count: int) -> np.ndarray:
    """(m, d) centred rows -> (d, count) float32 orthonormal columns: the top principal
    axes, as the eigenvectors of the (d, d) covariance.  Any orthonormal basis keeps the
    bound a bound; this one makes it tight.  An SVD of the rows computed the same axes
    with (m, d) left vectors nobody needs: for MNIST's 10,000 x 784 sample it took
    most of the DigitSpace's time (65 of ~120 s on a loaded machine), this well under a second."""
    x = np.asarray(centred, np.float64)
    values, vectors = np.linalg.eigh(x.T @ x)  # ascending: the last are the largest
    return np.ascontiguousarray(vectors[:, ::-1][:, :count].astype(np.float32))


def _sobel(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, h, w) -> the vertical and horizontal Sobel gradients of each image on its own
    (``ndimage.sobel`` on a stack would also smooth across neighbouring images)."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    rows = p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]  # smoothed down the columns
    cols = p[:, :, :-2] + 2 * p[:, :, 1:-1] + p[:, :, 2:]  # smoothed along the rows
    return cols[:, 2:, :] - cols[:, :-2, :], rows[:, :, 2:] - rows[:, :, :-2]


def stroke_directions(images: np.ndarray, bins: int = 8) -> np.ndarray:
    """(n, h, w) images in [0, 1] -> (n, 4 * 4 * bins) float32 unit vectors: how much edge
    runs in each of ``bins`` directions in each cell of a 4x4 grid, after a light blur
    (a histogram of oriented gradients, Dalal & Triggs 2005).

    Pixel distance sees *where* the ink is; this sees *which way the strokes go*: a
    square's straight edges, a star's many diagonals or a zigzag's corners are far from
    every digit here even when their ink overlaps a digit's.  Coarse cells and the blur
    (sigma 1 pixel of 28) make it forgive a stroke drawn a little aside: measured on
    MNIST, a 4x4 grid of blurred images rejected more shapes than a 7x7 grid for the
    same share of MNIST test images."""
    x = np.asarray(images, np.float32)
    side = x.shape[-1]
    n = len(x.reshape(-1, side, side))
    out = np.empty((n, 4 * 4 * bins), np.float32)
    for s in range(0, n, 4096):  # in chunks: the temporaries of 60,000 images would take ~2 GB
        out[s:s + 4096] = _stroke_chunk(x.reshape(-1, side, side)[s:s + 4096], bins)
    return out


def _stroke_chunk(x: np.ndarray, bins: int) -> np.ndarray:
    n, side = len(x), x.shape[-1]
    x = ndimage.gaussian_filter(x, (0, side / 28, side / 28))
    cell = side // 4
    gy, gx = _sobel(x[:, :4 * cell, :4 * cell])
    magnitude = np.hypot(gx, gy)
    direction = np.minimum((np.mod(np.arctan2(gy, gx), np.pi) * (bins / np.pi)).astype(np.intp), bins - 1)
    cells = (np.arange(4 * cell) // cell)
    where = (cells[:, None] * 4 + cells[None, :]) * bins  # (rows, cols): the cell's first bin
    slot = (np.arange(n)[:, None, None] * (16 * bins) + where + direction).ravel()
    out = np.bincount(slot, weights=magnitude.ravel(), minlength=n * 16 * bins).reshape(n, -1).astype(np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
