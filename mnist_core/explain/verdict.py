"""An honest answer: is the drawing blank, not a digit, a digit the model is unsure
of, or a digit?

Maximum probability alone cannot tell: a softmax or sigmoid output is confident far
from anything it was trained on (a straight line reads as "4, 93 %").  So the verdict
asks how far the image is from the training images, in three spaces that catch
different things -- pixels (a star or a spiral has ink where no digit has), stroke
directions (a square's or a zigzag's strokes run where no digit's do) and the model's
own last hidden layer (a line or a wave looks like nothing the network knows) -- and
what a small detector that has seen drawn non-digits makes of it (:mod:`.shapes`: a
diagonal line, a plus, a triangle or a letter is near some 1, 4 or 7 in every space,
but not to it); and how much ink there is.  Every threshold is calibrated on training
images alone (MNIST or the 8x8 digits) that the detector never learnt from:

* ``blank``: no ink, or ink whose extent is under ``extent`` pen widths: a dot.  The
  threshold is the 0.1st percentile of that ratio over the training images.
* ``not_a_digit``: the detector's score is above its threshold (the one that rejects
  :data:`SHAPE_REJECT` of the calibration sample), or the mean distance to the K
  nearest training images is above its threshold in any of the three spaces.  Those
  are the same percentile of each distance over the sample (each searched with itself
  left out), chosen so that all four together reject :data:`REJECT` of the sample.
* ``unsure``: the two best digits' probabilities are closer than ``margin``: the
  median of that gap over the training images the model gets wrong.
* ``digit`` otherwise.  The best guess is kept for every verdict but ``blank``.

:class:`DigitSpace` holds what depends on the dataset only (shared by its models, with
the detector), :class:`Judge` what depends on the model.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from ..data.datasets import Dataset, default_cache_dir
from ..files import keep_arrays
from ..i18n import N_
from ..models.base import Model
from .gradients import features
from .neighbours import NeighbourIndex, stroke_directions
from .mahalanobis import class_gaussians, mahalanobis
from .shapes import TRAIN_IMAGES, shape_score, train_detector

VERDICTS = ("blank", "not_a_digit", "unsure", "digit")
#: Neighbours averaged for the distances.
K = 5
#: Share of the calibration sample that not_a_digit may reject, all four scores together.
REJECT = 0.009
#: Of it, the share the shape detector rejects on its own (its threshold: that percentile of the sample).
SHAPE_REJECT = 0.008
#: Training images the unsure margin is calibrated on.
MARGIN_IMAGES = 10_000
#: Training images (each left out of its own search) the distances are calibrated on.
SAMPLE = 2000
#: Percentile of the training images' extent (in pen widths) under which ink is a dot.
EXTENT_PERCENTILE = 0.1


def extent_in_pens(ink: np.ndarray) -> float:
    """How many pen widths the ink spans: the longer side of its bounding box over the
    width of its thickest stroke (twice the deepest point's distance to the paper).
    A dot is ~1, a digit ~5; scale-free, so it compares a canvas with MNIST.  The ink
    is cropped to its box and shrunk to at most 64 pixels a side first (a 280x280
    canvas took 5-8 ms, the crop well under one)."""
    mark = np.asarray(ink, np.float32) >= 0.5
    rows, cols = np.flatnonzero(mark.any(axis=1)), np.flatnonzero(mark.any(axis=0))
    if rows.size == 0:
        return 0.0
    box = mark[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    step = -(-max(box.shape) // 64)  # a whole factor: a block of step x step pixels becomes one
    if step > 1:
        h, w = -(-box.shape[0] // step) * step, -(-box.shape[1] // step) * step
        padded = np.zeros((h, w), np.float32)
        padded[:box.shape[0], :box.shape[1]] = box
        box = padded.reshape(h // step, step, w // step, step).mean(axis=(1, 3)) >= 0.5
        if not box.any():
            return 0.0
    depth = ndimage.distance_transform_edt(np.pad(box, 1)).max()
    side = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) / step
    return float(side / (2 * depth))


class DigitSpace:
    """One dataset's training images, searchable in pixel and stroke-direction space,
    with a calibration sample's distances measured (building it on MNIST takes a few
    seconds, once, for every model trained on it)."""

    def __init__(self, train_images: np.ndarray, train_labels: np.ndarray, seed: int = 0,
                 cached: dict[str, np.ndarray] | None = None) -> None:
        """``train_images`` float (n, h, w) in [0, 1], ``train_labels`` (n,); ``cached``:
        the :meth:`arrays` of a space built before on the same images."""
        self.images = np.asarray(train_images, np.float32)
        self.labels = np.asarray(train_labels)
        self.shape = self.images.shape[1:]
        c = cached or {}
        part = lambda prefix: {k: c[f"{prefix}_{k}"] for k in ("mean", "basis", "projected")} if c else None
        self.pixels = NeighbourIndex(self.images, parts=part("pixels"))
        self.strokes = NeighbourIndex(c["strokes"] if c else stroke_directions(self.images), parts=part("strokes"))
        rng = np.random.default_rng(seed)
        #: The calibration sample: training rows, and their distances with themselves left out.
        self.sample = c["sample"] if c else np.sort(rng.choice(len(self.images), min(SAMPLE, len(self.images) // 2),
                                                               replace=False))
        self.sample_distances = {name: c[f"sample_{name}"] for name in ("pixel", "stroke")} if c else {
            "pixel": self.pixels.query(self.pixels.vectors[self.sample], K, leave_out=self.sample).distance.mean(axis=1),
            "stroke": self.strokes.query(self.strokes.vectors[self.sample], K, leave_out=self.sample).distance.mean(axis=1),
        }
        self.extent = float(c["extent"]) if c else float(np.percentile(
            [extent_in_pens(im) for im in self.images[self.sample]], EXTENT_PERCENTILE))
        #: The shape detector (see :mod:`.shapes`), trained on training rows outside the sample.
        if c:
            self.detector = {k: c[f"detector_{k}"] for k in ("w1", "b1", "w2", "b2")}
        else:
            outside = np.setdiff1d(np.arange(len(self.images)), self.sample)
            rows = np.sort(rng.choice(outside, min(TRAIN_IMAGES, len(outside)), replace=False))
            self.detector = train_detector(self.images[rows], seed)
        self.sample_distances["shape"] = (c["sample_shape"] if c
                                          else shape_score(self.detector, self.images[self.sample]))

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything building the space computed, to save (see :func:`digit_space`)."""
        out = {"strokes": self.strokes.vectors, "sample": self.sample, "extent": np.float64(self.extent),
               **{f"sample_{k}": v for k, v in self.sample_distances.items()},
               **{f"detector_{k}": v for k, v in self.detector.items()}}
        for prefix, index in (("pixels", self.pixels), ("strokes", self.strokes)):
            out.update({f"{prefix}_{k}": v for k, v in index.parts().items()})
        return out

    def distances(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """(n, h, w) model inputs -> mean distance to the K nearest training images in
        pixel space and in stroke-direction space, and the shape detector's score, each (n,)."""
        x = np.asarray(images, np.float32).reshape(-1, *self.shape)
        return {"pixel": self.pixels.query(x, K).distance.mean(axis=1),
                "stroke": self.strokes.query(stroke_directions(x), K).distance.mean(axis=1),
                "shape": shape_score(self.detector, x)}


@dataclass(frozen=True)
class Verdict:
    """``verdict`` one of :data:`VERDICTS`; ``digit`` the best guess (None when blank);
    ``evidence``: the measured values next to their thresholds."""

    verdict: str
    digit: int | None
    evidence: dict[str, float]


def unsure_margin(model: Model, images: np.ndarray, labels: np.ndarray) -> float:
    """The median gap between the two best probabilities over the (training) images the
    model gets wrong (0.1 if it gets none wrong): a gap under it is a coin toss."""
    proba = model.predict_proba(images)
    top2 = np.sort(proba, axis=1)[:, -2:]
    wrong = proba.argmax(axis=1) != np.asarray(labels)
    return float(np.median(top2[wrong, 1] - top2[wrong, 0])) if wrong.any() else 0.1


def joint_percentile(distances: dict[str, np.ndarray], reject: float = REJECT,
                     already: np.ndarray | None = None) -> float:
    """The percentile p such that a sample is rejected in share ``reject`` when each
    distance is cut at its own p-th percentile, beside the rows ``already`` rejected
    (bisection: the share only grows as p falls)."""
    lo, hi = 90.0, 100.0
    base = np.zeros(len(next(iter(distances.values()))), bool) if already is None else already
    for _ in range(40):
        mid = (lo + hi) / 2
        rejected = base | np.any([d > np.percentile(d, mid) for d in distances.values()], axis=0)
        lo, hi = (mid, hi) if rejected.mean() > reject else (lo, mid)
    return hi


class Judge:
    """Gives verdicts for one model: its dataset's :class:`DigitSpace`, its own feature
    space (searchable too: Inside shows the nearest training images there) and margin."""

    def __init__(self, model: Model, space: DigitSpace, images: np.ndarray, labels: np.ndarray) -> None:
        """``images`` (n, h, w), ``labels`` (n,): training images the unsure margin is set on."""
        self.model, self.space = model, space
        self.features = NeighbourIndex(features(model, space.images))
        rows = space.sample
        sample = dict(space.sample_distances,
                      feature=self.features.query(self.features.vectors[rows], K, leave_out=rows).distance.mean(axis=1))
        shape = sample.pop("shape")
        self.thresholds = {"shape": float(np.percentile(shape, 100 * (1 - SHAPE_REJECT)))}
        self.percentile = joint_percentile(sample, REJECT, already=shape > self.thresholds["shape"])
        self.thresholds.update({name: float(np.percentile(d, self.percentile)) for name, d in sample.items()})
        self.margin = unsure_margin(model, images, labels)
        self.class_means, self.precision = class_gaussians(self.features.vectors, space.labels)

    def distances(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """(n, h, w) model inputs -> mean distance to the K nearest training images in each
        space and the shape detector's score, (n,) each."""
        out = self.space.distances(images)
        out["feature"] = self.features.query(features(self.model, images), K).distance.mean(axis=1)
        return out

    def mahalanobis(self, images: np.ndarray) -> np.ndarray:
        """(n, h, w) -> (n,) the Mahalanobis distance of each image's features to the
        nearest digit's mean (Lee et al. 2018): measured and reported beside the verdict's
        scores, not used by it (its AUROC on the drawings is below theirs, see the README)."""
        return mahalanobis(features(self.model, images), self.class_means, self.precision)

    def judge(self, seen: np.ndarray | None, proba: np.ndarray | None, ink: np.ndarray | None = None) -> Verdict:
        """The verdict on one image: ``seen`` (h, w) what the model received (None: no ink
        at all), ``proba`` (10,) its answer, ``ink`` (H, W) the drawing's ink before
        preprocessing (the dot test; without it, ``seen``)."""
        if seen is None or proba is None:
            return Verdict("blank", None, {"extent_in_pens": 0.0, "extent_threshold": round(self.space.extent, 3)})
        return self.judge_all(seen[None], proba[None], [ink])[0]

    def judge_all(self, seen: np.ndarray, proba: np.ndarray, inks: list[np.ndarray | None] | None = None) -> list[Verdict]:
        """Verdicts for many images at once: ``seen`` (n, h, w) model inputs, ``proba`` (n, 10),
        ``inks`` their ink before preprocessing where known (the distances are searched in blocks)."""
        inks = inks or [None] * len(seen)
        extents = [extent_in_pens(ink if ink is not None else image) for ink, image in zip(inks, seen)]
        distances = self.distances(seen)
        top2 = np.sort(proba, axis=1)[:, -2:]
        out = []
        for i, extent in enumerate(extents):
            evidence = {"extent_in_pens": round(extent, 3), "extent_threshold": round(self.space.extent, 3)}
            if extent < self.space.extent:
                out.append(Verdict("blank", None, evidence))
                continue
            far = False
            for name, d in distances.items():
                evidence[f"{name}_score" if name == "shape" else f"{name}_distance"] = round(float(d[i]), 4)
                evidence[f"{name}_threshold"] = round(self.thresholds[name], 4)
                far |= bool(d[i] > self.thresholds[name])
            gap = float(top2[i, 1] - top2[i, 0])
            evidence.update(margin=round(gap, 4), margin_threshold=round(self.margin, 4))
            digit = int(np.argmax(proba[i]))
            out.append(Verdict("not_a_digit" if far else "unsure" if gap < self.margin else "digit", digit, evidence))
        return out


#: Changes whenever what a DigitSpace computes changes: cached spaces of another version are not read.
SPACE_VERSION = 3


def digit_space(dataset: Dataset, cache_dir: str | Path | None = None) -> DigitSpace:
    """The :class:`DigitSpace` of a dataset's training images, kept in ``cache_dir``
    (default: the data cache, see :func:`mnist_core.data.default_cache_dir`) under a
    name made from the images' own SHA-1: building it on MNIST takes ~13 s, reading it
    back well under one.  A cache that cannot be read or written is ignored."""
    images = dataset.floats(dataset.x_train).reshape(-1, *dataset.image_shape)
    digest = hashlib.sha1(dataset.x_train.tobytes())
    digest.update(dataset.y_train.tobytes())
    digest.update(repr((SPACE_VERSION, K, SAMPLE, EXTENT_PERCENTILE, dataset.pixel_max, TRAIN_IMAGES)).encode())
    path = Path(cache_dir or default_cache_dir()) / f"digit-space-{dataset.name}-{digest.hexdigest()[:16]}.npz"
    try:
        with np.load(path, allow_pickle=False) as archive:
            return DigitSpace(images, dataset.y_train, cached={k: archive[k] for k in archive.files})
    except (OSError, KeyError, ValueError):
        pass
    space = DigitSpace(images, dataset.y_train)
    keep_arrays(path, space.arrays())
    return space


def build_judge(model: Model, dataset: Dataset, space: DigitSpace | None = None) -> Judge:
    """The judge of ``model`` trained on ``dataset`` (pass ``space`` to share one across
    models); its margin is set on the first :data:`MARGIN_IMAGES` training images."""
    space = space or digit_space(dataset)
    return Judge(model, space, space.images[:MARGIN_IMAGES], space.labels[:MARGIN_IMAGES])


#: How the page names the shape detector's evidence (``shape_score`` beside ``shape_threshold``).
SHAPE_EVIDENCE = N_("Shape detector's score (it has seen drawn non-digits)")

#: One plain sentence per verdict (the page adds the evidence beside it), in English,
#: marked for translation: ``translate(SENTENCES[v], lang, digit=..., confidence=...)``.
SENTENCES = {
    "blank": N_("There is too little ink to read: draw a digit."),
    "not_a_digit": N_("This does not look like any digit the model was trained on (its best guess would be {digit}, "
                      "{confidence:.0%})."),
    "unsure": N_("Probably {digit} ({confidence:.0%}), but the model is unsure: {runner_up} is nearly as likely."),
    "digit": N_("This is a {digit} ({confidence:.0%} confident)."),
}
