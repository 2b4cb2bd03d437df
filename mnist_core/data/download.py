"""Download the four MNIST files into the cache, trusting no mirror.

LeCun's own site often refuses downloads, so several mirrors are tried in order.
Mirrors recompress the files differently, so the known SHA-256 sums are those of the
*decompressed* IDX data: a file is kept only once its decompressed content matches.
Each download goes to a hidden temporary file in the target folder and is renamed
into place (``os.replace``, atomic on one file system) only after it verified, so an
interrupted or corrupted download never leaves a half-written file for
:mod:`mnist_core.data.datasets` to trip over.  The transfer itself is pooch's
:class:`pooch.HTTPDownloader` (used directly, not ``pooch.retrieve``, because
pooch would hash the compressed bytes).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pooch

from ..errors import DownloadError
from ..i18n import N_, Text
from ..files import remove_stale_parts, temp_for
from .. import settings
from . import mnist_files  # its FILES read at call time (a test may patch the table)
from .mnist_files import is_gzip, sha256_of

#: Base URLs tried in order; ``MNIST_MIRRORS`` (comma-separated) replaces them.
DEFAULT_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

_CHUNK = 64 * 1024  # few enough progress callbacks for a Streamlit bar to keep up

ProgressCallback = Callable[[str, int, int], None]


def mirror_list(mirrors: list[str] | None = None) -> list[str]:
    """The mirrors to try: the argument, else ``MNIST_MIRRORS``, else the defaults."""
    if mirrors is None:
        mirrors = settings.mirrors_setting() or DEFAULT_MIRRORS
    return list(mirrors)


def _copies(folder: Path, name: str) -> list[Path]:
    """Existing copies of ``name``, in the order datasets.mnist_files_in prefers them."""
    return [p for p in (folder / name.removesuffix(".gz"), folder / name) if p.is_file()]


def verify_mnist(folder: str | Path) -> list[str]:
    """One sentence per problem with the MNIST files in ``folder``; empty if all are good."""
    folder = Path(folder).expanduser()
    problems = []
    for file in mnist_files.FILES:
        name, expected = file.gz, file.sha256
        copies = _copies(folder, name)
        if not copies:
            problems.append(Text(N_("{name} is missing from {folder}."), name=name, folder=str(folder)))
        elif sha256_of(copies[0]) != expected:  # the copy datasets would read
            problems.append(Text(N_("{name} in {folder} is corrupted (checksum mismatch)."), name=copies[0].name,
                                 folder=str(folder)))
    return problems


class _Progress:
    """The progress-bar object pooch's HTTPDownloader accepts (``total``, ``update``,
    ``reset``, ``close``), forwarding to ``on_progress`` and/or a bar on stderr.

    pooch calls ``update(chunk_size)`` even for a short last chunk, then ``reset()``
    and ``update(total)``: counts are clamped to ``total`` and only reported when they
    grow.  The bar is tqdm's if installed, else a percentage (tqdm is not a dependency).
    """

    def __init__(self, name: str, callback: ProgressCallback | None, show: bool) -> None:
        self.name, self.callback, self.show = name, callback, show
        self.total = self.done = 0
        self._reported, self._closed, self._bar = -1, False, None
        if show:
            try:  # here: tqdm is optional, and only a bar on a terminal needs it
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self._bar = tqdm(desc=name, unit="B", unit_scale=True, ncols=79, leave=True)

    def update(self, n: int) -> None:
        self.done = min(self.done + n, self.total) if self.total else self.done + n
        if self.done <= self._reported:
            return
        self._reported = self.done
        if self.callback is not None:
            self.callback(self.name, self.done, self.total)
        if self._bar is not None:
            self._bar.total = self.total or None
            self._bar.update(self.done - self._bar.n)
        elif self.show and self.total:
            print(f"\r{self.name}: {100 * self.done // self.total:3d}%", end="", file=sys.stderr, flush=True)

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        """Idempotent: pooch closes on success, we close again after a failed mirror."""
        if self.show and not self._closed:
            self._bar.close() if self._bar is not None else print(file=sys.stderr, flush=True)
        self._closed = True


def _failure(err: Exception) -> str:
    """Why a mirror failed, in a few words for the DownloadError sentence."""
    import requests  # lazily, as pooch does: it is slow to import

    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code}"
    exc = requests.exceptions
    for kinds, reason in ((exc.Timeout, "timed out"), (exc.ConnectionError, "unreachable"),
                          (exc.ChunkedEncodingError, "transfer interrupted"),
                          ((exc.InvalidURL, exc.InvalidSchema, exc.MissingSchema), "invalid URL")):
        if isinstance(err, kinds):
            return reason
    return type(err).__name__


def _download_one(folder: Path, file: mnist_files.MnistFile, mirrors: list[str], progress: bool,
                  on_progress: ProgressCallback | None) -> None:
    """Fetch ``file`` from the first mirror that serves the right content, or raise."""
    import requests  # here, as in _failure: it is slow to import

    name = file.gz
    failures = []
    for base in mirrors:
        fd, tmp_name = temp_for(folder / name)
        bar = None
        try:
            os.close(fd)
            if progress or on_progress:
                bar = _Progress(name, on_progress, progress)
            downloader = pooch.HTTPDownloader(progressbar=bar or False, chunk_size=_CHUNK, timeout=settings.DOWNLOAD_TIMEOUT)
            try:
                downloader(base.rstrip("/") + "/" + name, tmp_name, None)
            except requests.RequestException as err:
                failures.append(f"{base} ({_failure(err)})")
                continue
            if sha256_of(Path(tmp_name)) != file.sha256:
                failures.append(f"{base} (checksum mismatch)")
                continue
            os.replace(tmp_name, folder / (name if is_gzip(Path(tmp_name)) else name.removesuffix(".gz")))
            return
        finally:
            if bar is not None:
                bar.close()
            Path(tmp_name).unlink(missing_ok=True)  # no-op after os.replace
    if not failures:
        raise DownloadError("{name} could not be downloaded from any mirror: no mirror given; set MNIST_MIRRORS "
                            "to a working mirror or point MNIST_DATA_DIR at a folder holding the files.", name=name)
    raise DownloadError("{name} could not be downloaded from any mirror: {failures}; set MNIST_MIRRORS to a working "
                        "mirror or point MNIST_DATA_DIR at a folder holding the files.", name=name,
                        failures=", ".join(failures))


def fetch_mnist(folder: str | Path, mirrors: list[str] | None = None, progress: bool = False,
                on_progress: ProgressCallback | None = None) -> Path:
    """Make sure ``folder`` holds the four verified MNIST files and return it.

    Files already there and verified are not downloaded again; copies that fail the
    check are deleted, so a bad plain file cannot shadow a new ``.gz`` (datasets reads
    the plain name first).  ``progress`` draws a bar on stderr; ``on_progress(filename,
    bytes_done, bytes_total)`` lets a UI draw its own (``bytes_total`` is 0 when the
    server does not say).  Raises :class:`DownloadError` if a file cannot be fetched
    from any mirror or the folder cannot be written.
    """
    folder = Path(folder).expanduser()
    mirrors = mirror_list(mirrors)
    remove_stale_parts(folder)  # what a download killed on the way left behind
    for file in mnist_files.FILES:
        name, expected = file.gz, file.sha256
        try:
            folder.mkdir(parents=True, exist_ok=True)
            copies = _copies(folder, name)
            while copies and sha256_of(copies[0]) != expected:
                copies.pop(0).unlink()
            if not copies:
                _download_one(folder, file, mirrors, progress, on_progress)
        except OSError as err:  # disk full, read-only folder: not a mirror's fault
            raise DownloadError("Cannot write {name} into {folder}: {reason}.", name=name, folder=str(folder),
                                reason=str(err.strerror or err)) from err
    return folder
