"""A dataset written once as ``.npy`` files that processes on the same machine open
memory-mapped: the embedded cluster's workers share one copy in the page cache.

Sending MNIST (55 MB) to two local workers over the cluster's TLS took 2-3.5 s at a
server's start (under the launch's other work), and a pupil's first run waited for it;
each worker then held a copy of its own.  Writing it to the cluster's scratch folder
takes ~0.1 s, and a worker opens it in milliseconds, reading pages the server's write
left in memory.  A lab's workers, on other machines, are still sent the dataset.

The arrays open read-only: nothing may change a dataset that every run shares.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .datasets import Dataset

ARRAYS = ("x_train", "y_train", "x_test", "y_test")

_opened: dict[str, Dataset] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class DatasetFiles:
    """Where :func:`write_files` put a dataset, and what else it is: a few strings to
    send to a worker in place of the arrays."""

    folder: str
    name: str
    pixel_max: int
    source: str
    description: str = ""


def write_files(dataset: Dataset, folder: str | Path) -> DatasetFiles:
    """Write ``dataset``'s arrays into ``folder`` (made if need be; each file complete
    before it takes its name) and say where."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ARRAYS:
        part = folder / f"{name}.npy.part"
        with part.open("wb") as f:
            np.save(f, np.ascontiguousarray(getattr(dataset, name)), allow_pickle=False)
        os.replace(part, folder / f"{name}.npy")
    return DatasetFiles(str(folder), dataset.name, dataset.pixel_max, dataset.source, dataset.description)


def open_files(files: DatasetFiles) -> Dataset:
    """The dataset of ``files``, its arrays memory-mapped read-only; once per process
    and folder (the mapping is kept: every run of the process shares it)."""
    with _lock:
        dataset = _opened.get(files.folder)
        if dataset is None:
            # plain ndarrays over the mapping: np.memmap's Python hooks would run on every
            # slice and operation of a training batch
            arrays = {name: np.asarray(np.load(Path(files.folder) / f"{name}.npy", mmap_mode="r", allow_pickle=False))
                      for name in ARRAYS}
            dataset = _opened[files.folder] = Dataset(files.name, pixel_max=files.pixel_max, source=files.source,
                                                      description=files.description, **arrays)
        return dataset


def as_dataset(data: Dataset | DatasetFiles) -> Dataset:
    """``data`` as a :class:`Dataset`: itself, or the files opened."""
    return open_files(data) if isinstance(data, DatasetFiles) else data
