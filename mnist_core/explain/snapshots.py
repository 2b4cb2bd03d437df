"""How the first layer changed while it trained: a few dozen pictures of its units.

A first-layer unit's weights are an image (see :mod:`.units`); watching a fixed sample
of them from the random start to the end shows learning happen: noise turning into
strokes.  Most of that change is early, so :class:`SnapshotRecorder` looks at the start,
at 1/64, 1/16, 1/4 and 1/2 of the first epoch, and after every epoch.  Frames are uint8
(128 is a zero weight, 1 and 255 minus and plus the frame's scale, nearly its largest weight),
so a model file gains at most 64 x 64 x 28 x 28 bytes before compression.

The arrays' file format (names, dtypes, bounds, :class:`Snapshots`) is storage's:
:mod:`mnist_core.storage.snapshots`.

With each frame the recorder also keeps the model's predictions at that moment for
:data:`MAX_PROBES` fixed test images (:func:`probe_rows`: the first ones of each label
in turn, the same for every run on a dataset), so a learner sees a 3 become a 3.

Models fitted in one call (logistic regression) record nothing: their weights have
no history, only an end, which :func:`.units.first_layer_weights` already shows.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..models.base import Model
from ..storage.snapshots import MAX_FRAMES, MAX_PROBES, MAX_SIDE, MAX_UNITS, Snapshots  # the file format (storage's)
from .units import first_layer_weights

#: A frame's scale is this percentile of its weights' sizes: the few larger ones are
#: clipped, so that they do not leave every other weight a pale tint.
CLIP_PERCENTILE = 99.5
#: Fractions of the first epoch after which a frame is taken (besides the start and each epoch's end).
EARLY = (1 / 64, 1 / 16, 1 / 4, 1 / 2)


def quantize(weights: np.ndarray, scale: float) -> np.ndarray:
    """Float weights (n, h, w) -> uint8: 128 + 127 w / scale, clipped to 1..255 (NaN -> 128).
    Inside can re-quantize :meth:`Snapshots.images` with one scale for a whole run."""
    codes = np.nan_to_num(np.asarray(weights, np.float32) / scale, nan=0.0, posinf=1.0, neginf=-1.0) \
        if scale > 0 else np.zeros(np.shape(weights), np.float32)
    return np.clip(np.rint(codes * 127.0) + 128.0, 1, 255).astype(np.uint8)


def tile(frame: np.ndarray, zoom: int = 1, columns: int | None = None) -> np.ndarray:
    """A frame uint8 (n, h, w) -> one RGB picture uint8 (H, W, 3): a near-square grid of
    the units, each pixel ``zoom`` x ``zoom``, 1-px grey gaps; blue negative, white 0, red positive."""
    n, h, w = frame.shape
    cols = columns or math.ceil(math.sqrt(n))
    rows = -(-n // cols)
    cells = np.full((rows * cols, h * zoom + 1, w * zoom + 1), np.nan, np.float32)  # NaN: the gaps
    cells[:n, :-1, :-1] = (np.kron(frame, np.ones((1, zoom, zoom))) - 128.0) / 127.0
    v = cells.reshape(rows, cols, h * zoom + 1, w * zoom + 1).transpose(0, 2, 1, 3)
    v = v.reshape(rows * (h * zoom + 1), cols * (w * zoom + 1))[:-1, :-1]
    fade = 1.0 - np.abs(np.nan_to_num(v))  # 1 at zero, 0 at the frame's scale
    red, blue = np.where(v > 0, 1.0, fade), np.where(v < 0, 1.0, fade)
    out = (np.stack([red, fade, blue], axis=-1) * 255.0).round().astype(np.uint8)
    out[np.isnan(v)] = 160
    return out


def sampled_units(n_units: int) -> np.ndarray:
    """Up to :data:`MAX_UNITS` evenly spaced indices: units start alike (random), so an even
    spread is as good a sample as a random one, and the same for every run of a layer size."""
    return np.unique(np.linspace(0, n_units - 1, min(n_units, MAX_UNITS)).round().astype(np.int64))


def probe_rows(labels: np.ndarray, k: int = MAX_PROBES) -> np.ndarray:
    """(k,) int64 rows of the test set, reproducibly: the first image of each label 0-9,
    then each label's second, ..., so every digit is there; sorted by label, then row."""
    labels = np.asarray(labels)
    rows: list[int] = []
    rank = 0
    while len(rows) < min(k, len(labels)):
        found = False
        for digit in range(10):
            where = np.flatnonzero(labels == digit)
            if rank < len(where) and len(rows) < k:
                rows.append(int(where[rank]))
                found = True
        if not found:
            break
        rank += 1
    return np.array(sorted(rows, key=lambda r: (labels[r], r)), np.int64)


def probabilities_code(proba: np.ndarray) -> np.ndarray:
    """Probabilities float (k, 10) -> uint8 (k, 10): round(255 p), NaN -> 0."""
    return np.clip(np.rint(np.nan_to_num(np.asarray(proba, np.float64)) * 255.0), 0, 255).astype(np.uint8)


def frame_to_drop(epochs: np.ndarray) -> int:
    """Which of T > 2 frames taken at ``epochs`` (T,) (increasing) to drop to keep one fewer:
    never the start, epoch 1's frames or the newest; else the one closest to its neighbours
    in log time.  The recorder and a page's copy of a running job's frames drop alike."""
    epochs = np.maximum(np.asarray(epochs, np.float64), 1e-9)
    gaps = np.log(epochs[2:] / epochs[:-2])  # gaps[i]: what dropping frame i + 1 leaves
    first = 1 + int(np.sum(epochs < 1.0))
    return first + int(np.argmin(gaps[first - 1:]))


class SnapshotRecorder:
    """Training callback (see :mod:`mnist_core.training.loop`) holding the model: frames
    at the start, early in epoch 1 (:data:`EARLY`) and after each epoch.  Past
    :data:`MAX_FRAMES`, the epoch frame closest to its neighbours in log time goes, so a
    long run keeps its first epochs one by one and later ones ever further apart (as
    learning slows).  ``on_frame(snapshot)`` hears each new frame as a one-frame
    :class:`Snapshots` (units, scale and the fixed test images' predictions with it): the
    worker publishes every one, so a page can play a run while it goes.
    ``probe``: ``(rows int64 (k,), labels (k,), images float32 (k, ...) as the model takes
    them)``, test images whose predictions each frame keeps.  :meth:`finish` gives the result."""

    def __init__(self, model: Model, samples_per_epoch: int,
                 on_frame: Callable[..., Any] | None = None,
                 probe: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        self.model, self.per_epoch, self.on_frame, self.seen = model, max(1, samples_per_epoch), on_frame, 0
        self.probe = probe if probe is not None and 0 < len(probe[0]) <= MAX_PROBES else None
        self.pending = [math.ceil(f * self.per_epoch) for f in EARLY]
        # frame, scale, samples_seen, epoch, predictions (k, 10) uint8 or None
        self.records: list[tuple[np.ndarray, float, int, float, np.ndarray | None]] = []
        self.units: np.ndarray | None = None
        try:  # nothing to record for a kind with no known first layer, or images larger than MNIST's
            n, h, w = first_layer_weights(model).shape if model.iterative else (0, 0, 0)
        except ValueError:
            return
        if n and max(h, w) <= MAX_SIDE:
            self.units = sampled_units(n)
            self._take(0)

    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None:
        self.seen = samples_seen
        if self.pending and samples_seen >= self.pending[0]:
            self.pending = [p for p in self.pending if p > samples_seen]
            if samples_seen < self.per_epoch:  # else the epoch's end is about to be taken
                self._take(samples_seen)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.seen = int(logs.get("samples_seen", self.seen))
        self._take(self.seen)

    def finish(self) -> Snapshots | None:
        """The frames (with one of the last weights, if they changed since), or None."""
        self._take(self.seen)
        if not self.records:
            return None
        frames, scales, seen, epoch, proba = zip(*self.records)
        probes = (np.asarray(self.probe[0], np.int64), np.asarray(self.probe[1], np.uint8), np.stack(proba)) \
            if self.probe is not None else (None, None, None)
        return Snapshots(self.units.copy(), np.stack(frames), np.array(scales, np.float32),
                         np.array(seen, np.int64), np.array(epoch, np.float64), *probes)

    def _take(self, samples_seen: int) -> None:
        if self.units is None or (self.records and self.records[-1][2] == samples_seen):
            return  # a run stopped right after an early frame: nothing new
        w = first_layer_weights(self.model)[self.units]
        finite = np.abs(w[np.isfinite(w)])
        scale = float(np.percentile(finite, CLIP_PERCENTILE)) if finite.size else 0.0
        frame, epoch = quantize(w, scale), samples_seen / self.per_epoch
        proba = probabilities_code(self.model.predict_proba(self.probe[2])) if self.probe is not None else None
        self.records.append((frame, scale, samples_seen, epoch, proba))
        if len(self.records) > MAX_FRAMES:
            del self.records[frame_to_drop(np.array([r[3] for r in self.records]))]
        if self.on_frame is not None:
            probes = (np.asarray(self.probe[0], np.int64), np.asarray(self.probe[1], np.uint8), proba[None]) \
                if self.probe is not None else (None, None, None)
            self.on_frame(Snapshots(self.units.copy(), frame[None], np.array([scale], np.float32),
                                    np.array([samples_seen], np.int64), np.array([epoch], np.float64), *probes))
