"""The file format of a model's training snapshots: how its first layer changed while it trained.

A model file (:mod:`.modelfile`) may hold, beside its weights, T frames of n sampled
first-layer units: arrays named ``snapshot_*`` (:data:`ARRAYS`: each one's dtype and
bounds), uint8 frames of at most 64 units, 64 times, 28 x 28 pixels.  128 codes a zero
weight, 1 and 255 minus and plus the frame's scale.  This is storage's part (names,
dtypes, bounds, the checks :func:`.modelfile.load_snapshots` relies on), so that storage
never needs explain; recording frames while a model trains and drawing them are
:mod:`mnist_core.explain.snapshots`'s.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_FRAMES, MAX_UNITS, MAX_SIDE = 64, 64, 28
#: The arrays a model file may hold beside its weights: name -> (dtype, shape with (low, high) ranges).
ARRAYS: dict[str, tuple[str, tuple]] = {
    "snapshot_units": ("int64", ((1, MAX_UNITS),)),
    "snapshot_frames": ("uint8", ((1, MAX_FRAMES), (1, MAX_UNITS), (1, MAX_SIDE), (1, MAX_SIDE))),
    "snapshot_scales": ("float32", ((1, MAX_FRAMES),)),
    "snapshot_samples_seen": ("int64", ((1, MAX_FRAMES),)),
    "snapshot_epoch": ("float64", ((1, MAX_FRAMES),)),
}


@dataclass(frozen=True)
class Snapshots:
    """T frames of the same n units: ``units`` int64 (n,) their indices in the layer,
    ``frames`` uint8 (T, n, h, w), ``scales`` float32 (T,) the weight coded 255 (-scale: 1),
    ``samples_seen`` int64 (T,) and ``epoch`` float64 (T,) (epochs done, 0.5 = half of one)."""

    units: np.ndarray
    frames: np.ndarray
    scales: np.ndarray
    samples_seen: np.ndarray
    epoch: np.ndarray

    def __post_init__(self) -> None:
        """Refuse (ValueError) arrays of another dtype, inconsistent lengths, or beyond the bounds."""
        for name, (dtype, shape) in ARRAYS.items():
            a = getattr(self, name.removeprefix("snapshot_"))
            if a.dtype != np.dtype(dtype) or a.ndim != len(shape) or not all(
                    lo <= n <= hi for n, (lo, hi) in zip(a.shape, shape)):
                raise ValueError(f"{name} is {a.dtype} {a.shape}, not {dtype} within {shape}")
        t, n = self.frames.shape[:2]
        if self.units[0] < 0 or np.any(np.diff(self.units) <= 0):
            raise ValueError("snapshot_units are not increasing indices")
        if not len(self.scales) == len(self.samples_seen) == len(self.epoch) == t or len(self.units) != n:
            raise ValueError(f"snapshot arrays disagree: {t} frames of {n} units, {len(self.units)} unit indices, "
                             f"{len(self.scales)} scales, {len(self.samples_seen)} and {len(self.epoch)} times")

    def __len__(self) -> int:  # T
        return len(self.frames)

    def images(self, t: int) -> np.ndarray:
        """Frame ``t`` back as weights, float32 (n, h, w): within half a step (scale / 254),
        the few beyond the scale clipped to it."""
        return (self.frames[t].astype(np.float32) - 128.0) * (self.scales[t] / 127.0)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays under the names a model file keeps them (:data:`ARRAYS`)."""
        return {name: getattr(self, name.removeprefix("snapshot_")) for name in ARRAYS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Snapshots:
        return cls(**{name.removeprefix("snapshot_"): arrays[name] for name in ARRAYS})
