"""The tutorial's CSV of digits: one image a line, its label then its 784 pixels 0-255.

The one reader and the one writer of the format: the Dataset page's CSV files
(:func:`mnist_core.data.datasets.load_csv`) and the handwriting's import and export
(:mod:`.exchange`) both use them, so a file one accepts the other accepts too.

What is accepted: ASCII; a first line that is a header (its first field a name, as
Kaggle's copies have ``label,pixel0,...``) is skipped; blank lines are skipped;
each other line is 785 plain decimal whole numbers (optional sign and spaces around
it), the label 0-9 and pixels 0-255.  Python's ``int`` would read ``1_0`` as 10: such
characters send the file to the careful reader, which checks each field against
:data:`_NUMBER` before converting it and refuses a value too long for any integer
type by its length, so every bad value gets a sentence naming its line, never an
OverflowError.
"""
from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import CsvError

#: A label then 28 x 28 pixels.
COLUMNS = 1 + 28 * 28
#: A field: plain decimal digits, an optional sign, spaces or tabs around it.
_NUMBER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
#: A header's first field: a name such as ``label`` (perhaps quoted), never something number-like.
_HEADER = re.compile(r"""[ \t]*["']?[A-Za-z_][A-Za-z0-9_ ]*["']?[ \t]*""")
#: The only bytes a file of numbers holds: anything else (``_`` and ``.`` included, as
#: NumPy and Python would read ``1_0`` as 10) sends it to the careful reader.
_NUMBERS = b"0123456789,+- \t\r\n"


def read_csv_file(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A CSV file on disk -> (images (n, 28, 28) uint8, labels (n,) uint8), or a CsvError sentence."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CsvError("{name}: cannot be read ({reason}).", name=path.name, reason=str(err.strerror or err)) from err
    return read_csv_bytes(path.name, data)


def read_csv_bytes(name: str, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """CSV bytes called ``name`` -> checked (images (n, 28, 28) uint8, labels (n,) uint8).

    The quick path: one scan for bytes a number never has, then NumPy's C parser (about
    as fast as ``np.loadtxt`` alone).  Anything it refuses, or a value out of range,
    sends the file to :func:`_refuse`, which reads it line by line to say what is wrong."""
    if not data.isascii():
        raise CsvError("{name}: not a CSV of numbers (it holds other characters).", name=name)
    start, first = 0, b""
    for first in io.BytesIO(data):  # the first line that is not blank
        if first.strip():
            break
        start += len(first)
    header = bool(_HEADER.fullmatch(first.split(b",", 1)[0].decode("ascii")))
    body = data[start + len(first):] if header else data
    if body.strip() and not body.translate(None, _NUMBERS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # NumPy warns on a file of blank lines
                table = np.loadtxt(io.BytesIO(body), delimiter=",", dtype=np.int16, ndmin=2)
        except (ValueError, OverflowError):  # a value beyond int16, a short line: said below
            table = None
        if table is not None and table.shape[1] == COLUMNS and len(table) and \
                0 <= table[:, 0].min() and table[:, 0].max() <= 9 and 0 <= table[:, 1:].min() and table.max() <= 255:
            return table[:, 1:].astype(np.uint8).reshape(-1, 28, 28), table[:, 0].astype(np.uint8)
    lines = data.decode("ascii").splitlines()
    skipped = data[:start + len(first)].count(b"\n") if header else 0
    for number, line in enumerate(lines, 1):
        if number > skipped and line.strip():
            _refuse(name, number, line)
    if body.strip():  # NumPy refused what no line shows as wrong: say it plainly
        raise CsvError("{name}: not a CSV of numbers (it holds other characters).", name=name)
    raise CsvError("{name}: the file holds no lines.", name=name)


def _refuse(name: str, line: int, text: str) -> None:
    """Raise the sentence for the line's first problem; return if it has none."""
    fields = text.split(",")
    if len(fields) != COLUMNS:
        raise CsvError("{name}, line {line}: {count} values where a line has 785 (a label, then 28x28 pixels).",
                       name=name, line=line, count=len(fields))
    for column, field in enumerate(fields):
        value = field.strip()
        if not _NUMBER.fullmatch(field):
            raise CsvError("{name}, line {line}: {value!r} is not a whole number.", name=name, line=line,
                           value=value[:20])
        shown = value if len(value) <= 24 else value[:20] + "..."
        huge = len(value.lstrip("+-").lstrip("0")) > 18  # beyond int64 (and int() of 4,300 digits)
        if column == 0 and (huge or not 0 <= int(value) <= 9):
            raise CsvError("{name}, line {line}: label {value} is not a digit 0-9.", name=name, line=line, value=shown)
        if column and (huge or not 0 <= int(value) <= 255):
            raise CsvError("{name}, line {line}: pixel value {value} is outside 0-255.", name=name, line=line,
                           value=shown)


def write_csv(images: np.ndarray, labels: np.ndarray) -> bytes:
    """images (n, 28, 28) uint8 and labels (n,) -> the CSV, one line per image, no header."""
    table = np.column_stack([labels.astype(np.int64), images.reshape(len(images), -1)]) if len(images) else []
    return "".join(",".join(map(str, row.tolist())) + "\n" for row in table).encode("ascii")
