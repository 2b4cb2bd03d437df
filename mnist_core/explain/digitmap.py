"""A map of all the digits: the training images laid out in 2-D by how alike the model
sees them, so that each digit forms its own region, and new images (test images, a
drawing) placed on it without refitting.

Why t-SNE (openTSNE) and not PCA or UMAP: PCA of the features is fast but lays the ten
digits on top of each other (a linear view of a curved space); t-SNE keeps each
image's nearest neighbours near it, which is what "where does my 7 land among the 7s"
asks; openTSNE's FFT-accelerated fit takes 5,000 images in 15-40 s on 2 cores and
installs as a plain wheel (UMAP needs numba and a JIT warm-up of its own).

How a new image is placed: at the median position of its :data:`K` nearest training
images, nearest in the model's own feature space (the same space the map was fitted
in).  This is openTSNE's own starting point for ``transform``; its optimisation after
that costs ~6 s for a single image and moved few points (measured: 93.8 % vs 93.9 %
of 1,000 test images land among their own digit), so the studio stops at the
median: a drawing is placed in about a millisecond.

Shapes: features (n, F) float32; positions (n, 2) float32.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np

from ..data.datasets import Dataset, default_cache_dir
from ..files import keep_arrays
from ..i18n import N_
from ..models.base import Model
from .gradients import features

#: Training images the map is made of, and test images placed on it (fewer if the dataset has fewer).
N_TRAIN, N_TEST = 5000, 1000
#: Nearest training images a new image is placed among.
K = 10
#: Changes whenever what a map holds or how it is made changes: cached maps of another version are not read.
MAP_VERSION = 1
#: For the page and ``map --json``: how the map was made, in one sentence.
METHOD = N_("t-SNE (openTSNE) of the model's own features of {n:,} training images; new images placed at the "
            "median of their {k} nearest training images in that feature space")

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class DigitMap:
    """The map: ``train_*`` the images it was fitted on, ``test_*`` test images placed on it."""

    train_index: np.ndarray   # (n,) int64: rows of the dataset's x_train
    train_labels: np.ndarray  # (n,) uint8
    train_xy: np.ndarray      # (n, 2) float32
    train_features: np.ndarray  # (n, F) float32, the space new images are placed in
    test_index: np.ndarray    # (m,) int64: rows of x_test
    test_labels: np.ndarray   # (m,) uint8
    test_pred: np.ndarray     # (m,) uint8: the model's answers (the misread ones are marked)
    test_xy: np.ndarray       # (m, 2) float32

    def place(self, feats: np.ndarray) -> np.ndarray:
        """(q, F) features -> (q, 2) positions: the median of the K nearest training points."""
        f = np.asarray(feats, np.float32).reshape(len(feats), -1)
        ref = self.train_features
        # squared distances without the (q, n, F) temporary: |a|^2 - 2ab + |b|^2
        d = (f * f).sum(1)[:, None] - 2 * f @ ref.T + self._train_norms
        k = min(K, len(ref))
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k]
        return np.median(self.train_xy[nearest], axis=1).astype(np.float32)

    @cached_property
    def _train_norms(self) -> np.ndarray:
        """(1, n) float32: the training points' squared norms, the part of :meth:`place`'s
        distances no new image changes -- computed once per map, not once per drawing."""
        ref = self.train_features
        return (ref * ref).sum(1)[None, :]

    def place_images(self, model: Model, images: np.ndarray) -> np.ndarray:
        """(q, ...) images in [0, 1] -> (q, 2): where ``model`` puts them on this map."""
        return self.place(features(model, images))

    def lands_among_own(self, xy: np.ndarray, labels: np.ndarray) -> float:
        """Share of ``xy`` whose 10 nearest training points on the map are mostly of ``labels``."""
        if len(xy) == 0:
            return float("nan")
        d = ((np.asarray(xy)[:, None, :] - self.train_xy[None]) ** 2).sum(-1)
        nearest = np.argpartition(d, min(10, len(self.train_xy)) - 1, axis=1)[:, :10]
        majority = np.array([np.bincount(self.train_labels[row], minlength=10).argmax() for row in nearest])
        return float(np.mean(majority == np.asarray(labels)))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @property
    def method(self) -> str:
        return METHOD


def map_sample(dataset: Dataset, seed: int = 0, n_train: int = N_TRAIN, n_test: int = N_TEST) -> dict[str, np.ndarray]:
    """The images a map is made of: ``n_train`` training images chosen with ``seed`` and the
    first ``n_test`` test images, as uint8 with their rows and labels (a few MB: what a
    worker is sent, so it needs no dataset of its own)."""
    rng = np.random.default_rng(seed)
    train_index = np.sort(rng.choice(len(dataset.x_train), min(n_train, len(dataset.x_train)), replace=False))
    test_index = np.arange(min(n_test, len(dataset.x_test)))
    return {"train_index": train_index.astype(np.int64), "train_images": dataset.x_train[train_index],
            "train_labels": dataset.y_train[train_index].astype(np.uint8), "test_index": test_index.astype(np.int64),
            "test_images": dataset.x_test[test_index], "test_labels": dataset.y_test[test_index].astype(np.uint8),
            "pixel_max": np.array(dataset.pixel_max)}


def build_map(model: Model, sample: dict[str, np.ndarray], seed: int = 0, progress: Progress | None = None,
              n_jobs: int = 1) -> DigitMap:
    """Fit the map of ``model`` on a :func:`map_sample` and place its test images on it;
    ``progress(share, stage)`` hears how far the fit is (stages: features, fit, place, done)."""
    from openTSNE import TSNE  # deferred on purpose: a heavy import only map building needs

    say = progress or (lambda share, stage: None)
    scale = np.float32(1.0 / float(sample["pixel_max"]))
    say(0.0, "features")
    train_f = features(model, sample["train_images"].astype(np.float32) * scale)
    iterations = 750  # openTSNE's default: 250 of early exaggeration + 500

    class _Heard:
        def __init__(self) -> None:
            self.done = 0

        def __call__(self, iteration: int, error: float, embedding: object) -> bool:
            self.done += 10
            say(min(0.95, 0.05 + 0.9 * self.done / iterations), "fit")
            return False

    perplexity = min(30.0, max(2.0, (len(train_f) - 1) / 3.5))
    embedding = TSNE(perplexity=perplexity, n_jobs=n_jobs, random_state=seed, callbacks=_Heard(),
                     callbacks_every_iters=10, verbose=False).fit(train_f)
    empty = np.zeros(0, np.uint8)
    fitted = DigitMap(sample["train_index"], sample["train_labels"], np.asarray(embedding, np.float32), train_f,
                      sample["test_index"], sample["test_labels"], empty, np.zeros((0, 2), np.float32))
    say(0.96, "place")
    test_images = sample["test_images"].astype(np.float32) * scale
    placed = dataclasses.replace(fitted, test_pred=model.predict(test_images).astype(np.uint8),
                                 test_xy=fitted.place_images(model, test_images))
    say(1.0, "done")
    return placed


def map_key(model: Model, dataset: Dataset, seed: int = 0) -> str:
    """Names a map by what it is made of: the model's weights, the dataset's images, the method."""
    digest = hashlib.sha1()
    for name, array in sorted(model.get_params().items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(dataset.x_train.tobytes()[:1 << 20])
    digest.update(repr((MAP_VERSION, dataset.name, len(dataset.x_train), len(dataset.x_test), seed, N_TRAIN,
                        N_TEST, K)).encode())
    return digest.hexdigest()[:20]


def map_path(model: Model, dataset: Dataset, cache_dir: str | Path | None = None, seed: int = 0) -> Path:
    return Path(cache_dir or default_cache_dir()) / "maps" / f"map-{dataset.name}-{map_key(model, dataset, seed)}.npz"


def cached_map(model: Model, dataset: Dataset, cache_dir: str | Path | None = None, seed: int = 0) -> DigitMap | None:
    """The map kept for this model and dataset, or None (not built yet, or unreadable)."""
    path = map_path(model, dataset, cache_dir, seed)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in DigitMap.__dataclass_fields__}
    except (OSError, KeyError, ValueError):
        return None
    n, m = len(arrays["train_index"]), len(arrays["test_index"])
    shapes_ok = (arrays["train_xy"].shape == (n, 2) and arrays["test_xy"].shape == (m, 2)
                 and len(arrays["train_features"]) == n and len(arrays["test_pred"]) == m
                 and np.isfinite(arrays["train_xy"]).all())
    return DigitMap(**arrays) if shapes_ok else None


def digit_map(model: Model, dataset: Dataset, cache_dir: str | Path | None = None, seed: int = 0,
              progress: Progress | None = None, n_jobs: int = 1) -> tuple[DigitMap, bool]:
    """The map of ``model`` on ``dataset``: from the cache when it was built before
    (returns ``(map, True)``), else built now and kept (``(map, False)``).  A cache
    that cannot be written is ignored: the map is still returned."""
    found = cached_map(model, dataset, cache_dir, seed)
    if found is not None:
        return found, True
    built = build_map(model, map_sample(dataset, seed), seed=seed, progress=progress, n_jobs=n_jobs)
    keep_map(built, map_path(model, dataset, cache_dir, seed))
    return built, False


def keep_map(the_map: DigitMap, path: Path) -> None:
    """Write a map to the cache (atomically); a cache that cannot be written is ignored."""
    keep_arrays(path, the_map.arrays())
