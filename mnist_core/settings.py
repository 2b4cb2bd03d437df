"""Every setting that comes from the environment, and every limit, in one place.

The lowest layer (beside errors, i18n and files): anything may read it, it reads
nothing of the studio's but the error family.  Environment variables are read when
asked (a test or a lab may set them after import); limits are constants, each with
the reason it exists.
"""
from __future__ import annotations

import numbers
import os
from pathlib import Path

from .errors import InvalidParameter, MnistError

# -- where things live -------------------------------------------------------------


def studio_home() -> Path:
    """``MNIST_STUDIO_HOME`` (default ``~/.mnist-studio``): models, workspaces, the gallery."""
    return Path(os.environ.get("MNIST_STUDIO_HOME") or Path.home() / ".mnist-studio").expanduser()


def cache_dir_setting() -> Path | None:
    """``MNIST_CACHE_DIR``: where downloaded datasets and derived caches go (None: the default)."""
    text = os.environ.get("MNIST_CACHE_DIR", "").strip()
    return Path(text).expanduser() if text else None


def cache_dir() -> Path:
    """The cache folder itself: ``MNIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/mnist-studio``,
    else ``~/.cache/mnist-studio`` (the user's cache, as the XDG convention has it)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return cache_dir_setting() or Path(base) / "mnist-studio"


def data_dir_setting() -> Path | None:
    """``MNIST_DATA_DIR``: a folder that already holds the four MNIST files (CI, a lab)."""
    text = os.environ.get("MNIST_DATA_DIR", "").strip()
    return Path(text).expanduser() if text else None


def mirrors_setting() -> list[str]:
    """``MNIST_MIRRORS``: extra download addresses, comma-separated, tried first."""
    return [m.strip() for m in os.environ.get("MNIST_MIRRORS", "").split(",") if m.strip()]


def debug() -> bool:
    """``MNIST_STUDIO_DEBUG``: the CLI prints tracebacks of unexpected errors."""
    return bool(os.environ.get("MNIST_STUDIO_DEBUG"))


# -- the cluster -------------------------------------------------------------------


def scheduler_address() -> str:
    """``MNIST_STUDIO_SCHEDULER``: an existing Dask scheduler (a lab); empty: an embedded cluster."""
    return os.environ.get("MNIST_STUDIO_SCHEDULER", "").strip()


def scheduler_tls() -> tuple[Path, Path, Path] | None:
    """``MNIST_STUDIO_TLS_CA``, ``MNIST_STUDIO_TLS_CERT``, ``MNIST_STUDIO_TLS_KEY``: the PEM files
    the studio shows a lab's ``tls://`` scheduler (the lab's CA, the studio's certificate and
    its key; see the README's lab section).  None when none is set; all three or a sentence."""
    names = ("MNIST_STUDIO_TLS_CA", "MNIST_STUDIO_TLS_CERT", "MNIST_STUDIO_TLS_KEY")
    values = [os.environ.get(name, "").strip() for name in names]
    if not any(values):
        return None
    for name, value in zip(names, values):
        if not value:
            raise MnistError("{name} is not set: a tls:// scheduler needs MNIST_STUDIO_TLS_CA, MNIST_STUDIO_TLS_CERT "
                             "and MNIST_STUDIO_TLS_KEY (see the README's lab section).", name=name)
    for name, value in zip(names, values):
        if not Path(value).expanduser().is_file():
            raise MnistError("{name}={path}: no such file.", name=name, path=value[:200])
    ca, cert, key = (Path(v).expanduser() for v in values)
    return ca, cert, key


def workers_setting(default: int) -> int:
    """``MNIST_STUDIO_WORKERS``: workers of the embedded cluster (``default``: one per core)."""
    text = os.environ.get("MNIST_STUDIO_WORKERS", "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise MnistError("MNIST_STUDIO_WORKERS must be a whole number (got {text!r}).", text=text[:40]) from None
    if value < 1:
        raise MnistError("MNIST_STUDIO_WORKERS must be a whole number (got {text!r}).", text=text[:40])
    return value


def seconds_setting(name: str, default: float) -> float:
    """A duration from the environment (``MNIST_STUDIO_JOB_SECONDS`` and the like)."""
    text = os.environ.get(name, "").strip()
    try:
        return float(text) if text else default
    except ValueError:
        raise MnistError("{name} must be a number of seconds (got {text!r}).", name=name, text=text[:40]) from None


def job_seconds() -> float:
    """``MNIST_STUDIO_JOB_SECONDS`` (default 30 minutes): the longest a training run may take."""
    return seconds_setting("MNIST_STUDIO_JOB_SECONDS", 1800.0)


def idle_seconds() -> float:
    """``MNIST_STUDIO_IDLE_SECONDS`` (default 10 minutes): a workspace with no page open that
    long has its runs stopped (and saved as stopped): nobody is watching them."""
    return seconds_setting("MNIST_STUDIO_IDLE_SECONDS", 600.0)


def stop_grace_seconds() -> float:
    """``MNIST_STUDIO_STOP_GRACE_SECONDS`` (default 20 s): how long a run may go on after Stop
    or its time limit (a batch ends, a model is saved) before its worker is restarted to end
    it -- a solver fitting in one call (logistic regression) cannot stop between batches."""
    return seconds_setting("MNIST_STUDIO_STOP_GRACE_SECONDS", 20.0)


# -- limits ------------------------------------------------------------------------

#: Seconds to wait for a download mirror to connect or send the next bytes (then the next is tried).
DOWNLOAD_TIMEOUT = 30.0

#: Queued or running runs per workspace: one pupil cannot fill the class's workers.
RUNS_PER_WORKSPACE = 2
#: Runs one ready experiment queues together (into an otherwise idle workspace).
RUNS_PER_EXPERIMENT = 3
#: Queued or running runs in the whole class, per worker: one person may open any number
#: of workspaces, so the class's queue is bounded too (the studio's own default model is not counted).
RUNS_PER_WORKER = 2
#: Dask priority of the studio's own default model: it goes before every queued pupil's run
#: (a fresh Draw page waits for it).
DEFAULT_MODEL_PRIORITY = 10

#: A run's estimated memory (the model's arrays while it trains, and the loop's batches), checked
#: before it starts: logistic regression on MNIST, the largest default, needs about 0.7 GiB.
MAX_RUN_BYTES = 1536 * 2**20
#: A run's estimated arithmetic (FLOPs), checked before it starts: hours of one core, 80x the CNN's
#: default on MNIST (1.2e12); a run that could never end within the time limit is refused, not queued.
MAX_RUN_FLOPS = 1e14
#: How long closing the studio waits for running runs to be saved as stopped.
CLOSE_WAIT_SECONDS = 15.0
#: After a save failed for lack of space, the default model is trained again only once the
#: disk has this much room (else every Draw visit would train it again, for nothing).
MIN_FREE_BYTES = 64 * 2**20

#: Memory one worker process of the embedded cluster may use (Dask pauses it at 80 % and
#: its nanny restarts it at 95 %): a run's own budget (about 1 GiB at most) plus the
#: dataset sent to it (MNIST as float32 is 190 MB) and the worker itself (about 200 MB).
#: Without it each worker may grow to 95 % of the machine before anything stops it.
WORKER_MEMORY_BYTES = 2 * 2**30

#: An uploaded image's largest side and pixel count, checked in its header before
#: any pixel is decoded (a small PNG can claim gigapixels).  A PNG is decoded whole, at
#: 4 bytes a pixel for RGB or RGBA, before it is made small: 13 megapixels keep that under
#: 64 MB per upload (16 took 67 MiB) and still take a 12-megapixel phone photo (a JPEG,
#: decoded at a fraction of its size anyway).
MAX_IMAGE_SIDE = 4096
MAX_IMAGE_PIXELS = 13_000_000

#: The longest side an uploaded picture is decoded to (whole-factor averaging): a digit
#: needs 20x20 pixels in the end, and 1024 keeps a small digit in a large photo readable
#: while an RGBA float copy of it is 16 MB, not the 250 MB of a 4096x3906 one.
IMAGE_WORK_SIDE = 1024

#: Drawings one workspace keeps (each is a small PNG plus 784 bytes); an import that
#: would pass it is refused.
MAX_DRAWINGS = 2000
#: A drawing's raw picture larger than this a side is shrunk before it is kept (the canvas is 280).
RAW_SIDE = 280
#: Decompressed bytes one imported handwriting file may hold (60,000 MNIST images are 47 MB;
#: 2,000 drawings fit in 1.6 MB).
MAX_IMPORT_BYTES = 16 * 2**20

#: The user's handwriting added to a training set: the Train page's default repeat and
#: the allowed range (more would drown the dataset it is added to).
HANDWRITING_REPEAT = 10
MIN_REPEAT, MAX_REPEAT = 1, 50


def check_repeat(repeat: object) -> int:
    """The handwriting's repeat factor as an int, or InvalidParameter with the one sentence
    the engine, the CLI and the Train page (its form and its links) all say."""
    if isinstance(repeat, bool) or not isinstance(repeat, numbers.Integral) \
            or not MIN_REPEAT <= int(repeat) <= MAX_REPEAT:
        raise InvalidParameter("The handwriting's repeat factor must be between {least} and {most}.",
                               least=MIN_REPEAT, most=MAX_REPEAT)
    return int(repeat)
# -- the teacher -------------------------------------------------------------------

#: A teacher key shorter than this keeps nobody out: it is refused, with a sentence.
MIN_TEACHER_KEY = 8


def teacher_key() -> str:
    """``MNIST_STUDIO_TEACHER_KEY``: the key that opens the Class page ("" if unset).  The
    app may also pass ``[teacher] key`` from Streamlit's secrets; either is checked with
    :func:`mnist_core.storage.teacher.as_teacher`, in constant time."""
    return os.environ.get("MNIST_STUDIO_TEACHER_KEY", "").strip()


def teacher_emails() -> frozenset[str]:
    """``MNIST_STUDIO_TEACHER_EMAILS``: with OIDC sign-in, the e-mails (comma-separated,
    any case) of the people who are teachers."""
    return frozenset(e.strip().lower() for e in os.environ.get("MNIST_STUDIO_TEACHER_EMAILS", "").split(",")
                     if e.strip())


# -- workspaces --------------------------------------------------------------------

#: A workspace's display name, in characters: any text a person types, kept as text;
#: longer is refused with a sentence (it is shown in a sidebar and on gallery labels).
MAX_WORKSPACE_NAME = 40
#: Random bits in a workspace key (it opens the workspace: a display name never does).
WORKSPACE_KEY_BITS = 128
