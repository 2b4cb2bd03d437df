"""One family of exceptions, so the CLI and the app can turn any of them into a sentence.

Everything the engine raises on purpose derives from :class:`MnistError`; its
message is written for a person (what went wrong and, where possible, what to do),
so callers print ``str(err)`` and never a traceback.
"""
from __future__ import annotations


class MnistError(Exception):
    """Base class: a failure the user can understand and act on."""


class IdxError(MnistError):
    """An IDX file is truncated, of the wrong kind, or does not match its partner."""


class DatasetNotFound(MnistError):
    """The MNIST files are neither in the data directory nor in the cache."""


class DownloadError(MnistError):
    """Every mirror failed (unreachable, or served a file whose checksum is wrong)."""


class ModelFileError(MnistError):
    """A saved model is corrupted, foreign, or incompatible with this version."""


class ImageError(MnistError):
    """An image (file, upload, drawing) cannot be read or holds no digit."""


class TrainingDiverged(MnistError):
    """The loss became NaN or infinite: the learning rate is too large."""


class TrainingCancelled(MnistError):
    """Training was stopped by the user between two batches."""


class InvalidParameter(MnistError, ValueError):
    """A hyperparameter is out of its sensible range."""


class EmptyImage(ImageError):
    """The image or drawing holds no ink: there is nothing to recognise yet."""


def sentence(err: BaseException) -> str:
    """The one place that turns any exception into what a person reads: an
    MnistError's own text; a full disk or a refused write as such; anything else
    as "something unexpected" with its type, never a traceback."""
    if isinstance(err, MnistError):
        return str(err)
    if isinstance(err, OSError) and err.errno is not None:
        where = f" ({err.filename})" if err.filename else ""
        return f"The file system refused{where}: {err.strerror or err}."
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    detail = f": {text}" if text else ""
    return f"Something unexpected went wrong ({type(err).__name__}{detail}). Saved models are untouched."
