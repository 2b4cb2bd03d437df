"""The file format of a model's training snapshots: how its first layer changed while it trained.

A model file (:mod:`.modelfile`) may hold, beside its weights, T frames of n sampled
first-layer units: arrays named ``snapshot_*`` (:data:`ARRAYS`: each one's dtype and
bounds), uint8 frames of at most 64 units, 64 times, 28 x 28 pixels.  128 codes a zero
weight, 1 and 255 minus and plus the frame's scale.  This is storage's part (names,
dtypes, bounds, the checks :func:`.modelfile.load_snapshots` relies on), so that storage
never needs explain; recording frames while a model trains and drawing them are
:mod:`mnist_core.explain.snapshots`'s.

Beside each frame a file may also hold (:data:`PROBE_ARRAYS`, all or none: files saved
before them have none and still load) the model's ten probabilities at that moment for
at most 16 fixed test images, uint8 (255 = probability 1), so that a learner can watch a
3 become a 3.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_FRAMES, MAX_UNITS, MAX_SIDE, MAX_PROBES = 64, 64, 28, 16
#: The arrays a model file may hold beside its weights: name -> (dtype, shape with (low, high) ranges).
REQUIRED: dict[str, tuple[str, tuple]] = {
    "snapshot_units": ("int64", ((1, MAX_UNITS),)),
    "snapshot_frames": ("uint8", ((1, MAX_FRAMES), (1, MAX_UNITS), (1, MAX_SIDE), (1, MAX_SIDE))),
    "snapshot_scales": ("float32", ((1, MAX_FRAMES),)),
    "snapshot_samples_seen": ("int64", ((1, MAX_FRAMES),)),
    "snapshot_epoch": ("float64", ((1, MAX_FRAMES),)),
}
#: The fixed test images' predictions at each frame: their rows in x_test, labels, probabilities (T, k, 10).
PROBE_ARRAYS: dict[str, tuple[str, tuple]] = {
    "snapshot_probe_index": ("int64", ((1, MAX_PROBES),)),
    "snapshot_probe_labels": ("uint8", ((1, MAX_PROBES),)),
    "snapshot_probe_proba": ("uint8", ((1, MAX_FRAMES), (1, MAX_PROBES), (10, 10))),
}
ARRAYS: dict[str, tuple[str, tuple]] = {**REQUIRED, **PROBE_ARRAYS}


@dataclass(frozen=True)
class Snapshots:
    """T frames of the same n units: ``units`` int64 (n,) their indices in the layer,
    ``frames`` uint8 (T, n, h, w), ``scales`` float32 (T,) the weight coded 255 (-scale: 1),
    ``samples_seen`` int64 (T,) and ``epoch`` float64 (T,) (epochs done, 0.5 = half of one);
    optionally (all three or none) ``probe_index`` int64 (k,) and ``probe_labels`` uint8 (k,)
    of k fixed test images and ``probe_proba`` uint8 (T, k, 10), their probabilities x 255."""

    units: np.ndarray
    frames: np.ndarray
    scales: np.ndarray
    samples_seen: np.ndarray
    epoch: np.ndarray
    probe_index: np.ndarray | None = None
    probe_labels: np.ndarray | None = None
    probe_proba: np.ndarray | None = None

    def __post_init__(self) -> None:
        """Refuse (ValueError) arrays of another dtype, inconsistent lengths, or beyond the bounds."""
        probes = [getattr(self, name.removeprefix("snapshot_")) is None for name in PROBE_ARRAYS]
        if any(probes) and not all(probes):
            raise ValueError("snapshot_probe_* arrays are all there or none")
        for name, (dtype, shape) in ARRAYS.items():
            a = getattr(self, name.removeprefix("snapshot_"))
            if a is None:
                continue
            if a.dtype != np.dtype(dtype) or a.ndim != len(shape) or not all(
                    lo <= n <= hi for n, (lo, hi) in zip(a.shape, shape)):
                raise ValueError(f"{name} is {a.dtype} {a.shape}, not {dtype} within {shape}")
        t, n = self.frames.shape[:2]
        if self.units[0] < 0 or np.any(np.diff(self.units) <= 0):
            raise ValueError("snapshot_units are not increasing indices")
        if not len(self.scales) == len(self.samples_seen) == len(self.epoch) == t or len(self.units) != n:
            raise ValueError(f"snapshot arrays disagree: {t} frames of {n} units, {len(self.units)} unit indices, "
                             f"{len(self.scales)} scales, {len(self.samples_seen)} and {len(self.epoch)} times")
        if self.has_predictions and (len(self.probe_proba) != t or not len(self.probe_index) == len(
                self.probe_labels) == self.probe_proba.shape[1] or self.probe_index.min() < 0):
            raise ValueError(f"snapshot_probe arrays disagree: {t} frames, {len(self.probe_index)} images, "
                             f"{len(self.probe_labels)} labels, predictions {self.probe_proba.shape}")

    @property
    def has_predictions(self) -> bool:
        """Whether the fixed test images' predictions were recorded (files saved before them: no)."""
        return self.probe_proba is not None

    def probabilities(self, t: int) -> np.ndarray:
        """Frame ``t``'s predictions, float32 (k, 10) in [0, 1] (within 1/510 of the model's)."""
        return self.probe_proba[t].astype(np.float32) / 255.0

    def __len__(self) -> int:  # T
        return len(self.frames)

    def images(self, t: int) -> np.ndarray:
        """Frame ``t`` back as weights, float32 (n, h, w): within half a step (scale / 254),
        the few beyond the scale clipped to it."""
        return (self.frames[t].astype(np.float32) - 128.0) * (self.scales[t] / 127.0)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays under the names a model file keeps them (:data:`ARRAYS`; the probes' only if recorded)."""
        return {name: a for name in ARRAYS if (a := getattr(self, name.removeprefix("snapshot_"))) is not None}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Snapshots:
        """From a model file's arrays: :data:`REQUIRED` must be there, :data:`PROBE_ARRAYS` may."""
        return cls(**{name.removeprefix("snapshot_"): arrays[name] for name in REQUIRED},
                   **{name.removeprefix("snapshot_"): arrays[name] for name in PROBE_ARRAYS if name in arrays})
