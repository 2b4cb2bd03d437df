"""One family of exceptions, so the CLI and the app can turn any of them into a sentence.

Everything the engine raises on purpose derives from :class:`MnistError`; its
message is written for a person (what went wrong and, where possible, what to do),
so callers print ``str(err)`` and never a traceback.  The message is a whole English
sentence with named placeholders, and the values apart --
``ImageError("{name}: no such file.", name=name)`` -- so :func:`sentence` can give it
in the user's language (:mod:`mnist_core.i18n`); ``str(err)`` is the English.
"""
from __future__ import annotations

from typing import Any

from .i18n import N_, SOURCE, Text, language_of, translate


class MnistError(Exception):
    """Base class: a failure the user can understand and act on."""

    def __init__(self, message: str = "", /, **params: Any) -> None:
        self.message, self.params = message, params
        super().__init__(message.format(**params) if params else message)

    def translated(self, lang: str) -> str:
        return translate(self.message, lang, **self.params) if self.message else str(self)


class IdxError(MnistError):
    """An IDX file is truncated, of the wrong kind, or does not match its partner."""


class DatasetNotFound(MnistError):
    """The MNIST files are neither in the data directory nor in the cache."""


class DownloadError(MnistError):
    """Every mirror failed (unreachable, or served a file whose checksum is wrong)."""


class CsvError(MnistError):
    """A CSV of digits (label then 784 pixels a line) holds something else."""


class ModelFileError(MnistError):
    """A saved model is corrupted, foreign, or incompatible with this version."""


class ImageError(MnistError):
    """An image (file, upload, drawing) cannot be read or holds no digit."""


class TrainingDiverged(MnistError):
    """The loss became NaN or infinite: the learning rate is too large."""


class InvalidParameter(MnistError, ValueError):
    """A hyperparameter is out of its sensible range."""


class EmptyImage(ImageError):
    """The image or drawing holds no ink: there is nothing to recognise yet."""


#: Dask's exceptions for a lost worker or run, by class name (this layer never imports
#: ``distributed``): what they say ("KilledWorker: ... tcp://127.0.0.1:37121 ... dask.org",
#: "FutureCancelledError ... already forgotten") is for an operator, not a pupil.
_DASK_LOST = {
    "KilledWorker": N_("The worker training this run stopped (it ran out of memory or crashed), so the run "
                       "is lost: try smaller settings, or start it again."),
    "FutureCancelledError": N_("The run was lost: the worker training it stopped or the cluster restarted. "
                               "Start it again."),
    "CommClosedError": N_("The connection to the training workers was lost: start the run again."),
}


def _dask_lost(err: BaseException) -> str | None:
    """The sentence for a Dask exception that means a worker or a run was lost, else None."""
    for cls in type(err).__mro__:
        if cls.__name__ in _DASK_LOST and cls.__module__.split(".")[0] == "distributed":
            return _DASK_LOST[cls.__name__]
    return None


def sentence(err: BaseException, lang: str = "en") -> str:
    """The one place that turns any exception into what a person reads, in ``lang``: an
    MnistError's own text; a worker or run lost by Dask as such; a full disk or a refused write as such; anything else
    as "something unexpected" with its type, never a traceback.  In English it is a
    :class:`~mnist_core.i18n.Text`, so a sentence kept for later (a run's failure) can
    still be shown in another language."""
    if isinstance(err, MnistError):
        text = Text(err.message, **err.params) if err.message else Text(str(err))
    elif lost := _dask_lost(err):
        text = Text(lost)
    elif isinstance(err, OSError) and err.errno is not None:
        reason = str(err.strerror or err)
        text = (Text(N_("The file system refused ({file}): {reason}."), file=str(err.filename), reason=reason)
                if err.filename else Text(N_("The file system refused: {reason}."), reason=reason))
    elif detail := (str(err).strip().splitlines()[0] if str(err).strip() else ""):
        text = Text(N_("Something unexpected went wrong ({kind}: {detail}). Saved models are untouched."),
                    kind=type(err).__name__, detail=detail)
    else:
        text = Text(N_("Something unexpected went wrong ({kind}). Saved models are untouched."),
                    kind=type(err).__name__)
    return text if language_of(lang) == SOURCE else text.translated(lang)
