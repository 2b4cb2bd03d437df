"""The datasets the studio knows: real MNIST (IDX files), scikit-learn's 8x8 digits, CSV.

Images are kept as ``uint8`` arrays of shape (n, height, width), never as floats or
int64 tables: the whole of MNIST is ~55 MB this way (the tutorial's int64 DataFrame
took 360 MB for the training set alone).  Models receive floats in [0, 1] made batch
by batch with :meth:`Dataset.floats`.

Where MNIST is looked for, in order: an explicit ``data_dir`` (or ``MNIST_DATA_DIR``),
then the user cache (``MNIST_CACHE_DIR``, default ``~/.cache/mnist-studio``), then --
only when asked -- a download into that cache (:mod:`mnist_core.data.download`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import settings
from ..errors import DatasetNotFound, IdxError, MnistError
from ..i18n import N_
from .csv_digits import read_csv_file
from .idx import read_images_labels
from .mnist_files import FILES, by_stem, content_size, pair, sha256_of

DATASET_NAMES = ("mnist", "digits")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of labelled digit images.

    ``x_*``: (n, h, w) uint8 with values 0..``pixel_max``; ``y_*``: (n,) uint8 labels.
    ``pixel_max`` is 255 for MNIST and 16 for the 8x8 digits (counts of 4x4 blocks).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    pixel_max: int
    source: str
    description: str = ""

    @property
    def image_shape(self) -> tuple[int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]

    @property
    def n_inputs(self) -> int:
        return int(np.prod(self.image_shape))

    def floats(self, images: np.ndarray) -> np.ndarray:
        """uint8 images (n, h, w) -> float32 (n, h*w) in [0, 1]: what every model takes."""
        return images.reshape(len(images), -1).astype(np.float32) * np.float32(1.0 / self.pixel_max)

    def label_counts(self) -> dict[str, np.ndarray]:
        """Count of each label 0..9 in train and test."""
        return {
            "train": np.bincount(self.y_train, minlength=10),
            "test": np.bincount(self.y_test, minlength=10),
        }


def default_cache_dir() -> Path:
    """The user cache for downloaded MNIST files (``MNIST_CACHE_DIR`` overrides it)."""
    return settings.cache_dir()


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def mnist_files_in(folder: str | Path) -> dict[str, Path] | None:
    """The four MNIST files in ``folder`` (plain or .gz), or None if any is missing."""
    folder = Path(folder).expanduser()
    found = {}
    for file in FILES:
        path = _find_file(folder, file.stem)
        if path is None:
            return None
        found[file.stem] = path
    return found


def candidate_dirs(data_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """Where MNIST is looked for, in order, each with a word saying why."""
    dirs: list[tuple[str, Path]] = []
    if data_dir:
        dirs.append(("--data-dir", Path(data_dir).expanduser()))
    elif settings.data_dir_setting():
        dirs.append(("MNIST_DATA_DIR", settings.data_dir_setting()))
    dirs.append(("cache", default_cache_dir()))
    return dirs


def locate_mnist(data_dir: str | Path | None = None) -> Path | None:
    """The first folder holding all four MNIST files, or None."""
    for _, folder in candidate_dirs(data_dir):
        if mnist_files_in(folder):
            return folder
    return None


_verified: set[tuple[str, int, int]] = set()


def check_integrity(files: dict[str, Path]) -> None:
    """Every file of the real MNIST's size must be the real file: its SHA-256 is checked
    once per process (kept by path, size and modification time), so a tampered copy --
    6,000 labels changed, same size -- is refused with a sentence naming it.  Files of
    other sizes are not MNIST's and are read as what they are (small test sets)."""
    for stem, path in files.items():
        stat, file = path.stat(), by_stem(stem)
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key in _verified or content_size(path) != file.size:
            continue
        if sha256_of(path) != file.sha256:
            raise IdxError("{name} in {folder} is not the published MNIST file (its SHA-256 differs): "
                           "it is corrupted or was altered; delete it and download MNIST again.",
                           name=path.name, folder=str(path.parent))
        _verified.add(key)


def load_mnist(data_dir: str | Path | None = None, download: bool = False, progress: bool = False) -> Dataset:
    """Real MNIST: 60,000 training and 10,000 test images of 28x28.

    Raises :class:`DatasetNotFound` (with where it looked) unless found or downloaded.
    """
    folder = locate_mnist(data_dir)
    if folder is None and download:
        from .download import fetch_mnist  # here: pooch (and requests) load only when a download is asked for

        folder = fetch_mnist(default_cache_dir(), progress=progress)
    if folder is None:
        looked = ", ".join(f"{why} ({path})" for why, path in candidate_dirs(data_dir))
        raise DatasetNotFound("MNIST was not found in {places}. Run `python -m mnist_core download` "
                              "or point MNIST_DATA_DIR at a folder with the four IDX files.", places=looked)
    files = mnist_files_in(folder)
    assert files is not None
    check_integrity(files)
    x_train, y_train = read_images_labels(*(files[f.stem] for f in pair("train")))
    x_test, y_test = read_images_labels(*(files[f.stem] for f in pair("test")))
    if x_train.shape[1:] != (28, 28):
        raise IdxError("MNIST training images are {shape}, not 28x28.", shape=x_train.shape[1:])
    if x_test.shape[1:] != (28, 28):
        raise IdxError("MNIST test images are {shape}, not 28x28.", shape=x_test.shape[1:])
    return Dataset("mnist", x_train, y_train, x_test, y_test, 255, str(folder),
                   N_("MNIST: 70,000 handwritten digits, 28x28 grey levels 0-255."))


def load_digits(test_size: float = 0.2, random_state: int = 42) -> Dataset:
    """scikit-learn's bundled 8x8 digits, split 80/20 with ``random_state=42`` as the
    second tutorial does (so its logistic regression result can be reproduced exactly).

    Each pixel counts the inked cells of a 4x4 block of a 32x32 bitmap: 0..16.
    """
    from sklearn.datasets import load_digits as _sk_load_digits  # here: scikit-learn takes ~1 s to import
    from sklearn.model_selection import train_test_split

    bunch = _sk_load_digits()
    x = bunch.images.astype(np.uint8)
    y = bunch.target.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, random_state=random_state)
    return Dataset("digits", x_train, y_train, x_test, y_test, 16, N_("scikit-learn (bundled)"),
                   N_("UCI optical digits bundled with scikit-learn: 1,797 images of 8x8, values 0-16."))


def load_csv(train_path: str | Path, test_path: str | Path) -> Dataset:
    """The first tutorial's CSV files (e.g. ``mnist_train.csv`` / ``mnist_test.csv``), read by
    :func:`mnist_core.data.csv_digits.read_csv_file` (a header line is skipped)."""
    x_train, y_train = read_csv_file(train_path)
    x_test, y_test = read_csv_file(test_path)
    return Dataset("csv", x_train, y_train, x_test, y_test, 255, f"{train_path}, {test_path}",
                   N_("MNIST-format CSV files (label, then 784 pixels)."))


def mnist_folder(data_dir: str | Path | None = None) -> str | None:
    """Where MNIST would be read from now, as text (a cache key), or None."""
    folder = locate_mnist(data_dir)
    return str(folder) if folder else None


def available_datasets() -> list[str]:
    """The datasets that can be loaded now: MNIST first where it is found."""
    return ["mnist", "digits"] if locate_mnist() else ["digits"]


def load_dataset(name: str, data_dir: str | Path | None = None, download: bool = False) -> Dataset:
    """Load by name: ``mnist`` or ``digits``."""
    if name == "mnist":
        return load_mnist(data_dir, download=download)
    if name == "digits":
        return load_digits()
    raise MnistError("Unknown dataset {name!r}: choose one of {names}.", name=name, names=", ".join(DATASET_NAMES))
