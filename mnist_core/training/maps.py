"""Digit maps built on the cluster's workers, never in the web process.

A map's fit (t-SNE of 5,000 images, :mod:`mnist_core.explain.digitmap`) takes 15-60 s
of a core: the app asks :class:`MapBuilds` for the map of a model, gets it at once
when the cache holds it, and otherwise a build is sent to a worker (one per model and
dataset, whoever asks), whose progress the page polls.  The worker is sent the model
and the few MB of images the map is made of, and sends the map back; the app writes
the cache, so a lab's worker needs neither the dataset nor a shared disk.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.datasets import Dataset
from ..errors import sentence
from ..explain.digitmap import DigitMap, build_map, cached_map, keep_map, map_key, map_path, map_sample
from ..models.base import Model

#: Dask priority of a map build: after training runs (priority 0 and above), which people wait on.
PRIORITY = -10


def _progress_name(key: str) -> str:
    return f"mnist-studio-map-{key}"


def build_on_worker(model: Model, sample: dict[str, Any], seed: int, key: str) -> dict[str, Any]:
    """Runs on a worker: the map's arrays, its progress published to the map's Variable."""
    from distributed import Variable, get_client

    variable = Variable(_progress_name(key), client=get_client())
    last = [-1.0]

    def progress(share: float, stage: str) -> None:
        if share - last[0] >= 0.02 or share >= 1.0:
            last[0] = share
            try:
                variable.set({"share": share, "stage": stage})
            except Exception:  # noqa: BLE001 -- the scheduler is busy: the next update will do
                pass

    return build_map(model, sample, seed=seed, progress=progress).arrays()


@dataclass(frozen=True)
class MapState:
    """Where a map is: ready (``map``), building (``share`` of it done), or failed (``error``)."""

    map: DigitMap | None = None
    share: float = 0.0
    stage: str = "queued"
    error: str | None = None
    from_cache: bool = False


class MapBuilds:
    """One per app process: the maps being built, one per (model, dataset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[str, Any] = {}

    def state(self, model: Model, dataset: Dataset, cache_dir: str | Path | None = None, seed: int = 0) -> MapState:
        """The map of ``model`` on ``dataset`` if it is ready, else its build's progress (the
        build is started on a worker by the first caller)."""
        found = cached_map(model, dataset, cache_dir, seed)
        if found is not None:
            return MapState(map=found, share=1.0, stage="done", from_cache=True)
        key = map_key(model, dataset, seed)
        from .cluster import client

        with self._lock:
            future = self._futures.get(key)
            if future is None or future.status in ("cancelled", "lost"):
                future = self._futures[key] = client().submit(build_on_worker, model, map_sample(dataset, seed),
                                                              seed, key, key=f"mnist-studio-map-{key}",
                                                              priority=PRIORITY, pure=False)
        if future.status == "finished":
            with self._lock:
                self._futures.pop(key, None)
            the_map = DigitMap(**future.result())
            self._forget(key)
            keep_map(the_map, map_path(model, dataset, cache_dir, seed))
            return MapState(map=the_map, share=1.0, stage="done")
        if future.status == "error":
            with self._lock:
                self._futures.pop(key, None)
            return MapState(error=str(sentence(future.exception())), stage="failed")
        return self._progress(key)

    def started(self, model: Model, dataset: Dataset, seed: int = 0) -> bool:
        """Whether a build of this map is under way in this process (started by anyone)."""
        with self._lock:
            return map_key(model, dataset, seed) in self._futures

    @staticmethod
    def _forget(key: str) -> None:
        from distributed import Variable

        from .cluster import current

        try:
            Variable(_progress_name(key), client=current()).delete()
        except Exception:  # noqa: BLE001 -- never published, or already gone
            pass

    @staticmethod
    def _progress(key: str) -> MapState:
        from distributed import Variable

        from .cluster import current

        try:
            client = current()
            heard = Variable(_progress_name(key), client=client).get(timeout=0.2) if client else None
        except Exception:  # noqa: BLE001 -- nothing published yet
            heard = None
        if not heard:
            return MapState()
        return MapState(share=float(heard["share"]), stage=str(heard["stage"]))


_builds = MapBuilds()


def map_builds() -> MapBuilds:
    """The process's map builds (the app shares one across its sessions)."""
    return _builds
