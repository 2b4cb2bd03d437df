"""The tutorial's CSV of digits: one image a line, its label then its 784 pixels 0-255.

The one reader and the one writer of the format: the Dataset page's CSV files
(:func:`mnist_core.data.datasets.load_csv`) and the handwriting's import and export
(:mod:`.exchange`) both use them, so a file one accepts the other accepts too.

What is accepted: ASCII; a first line that is a header (its first field a name, as
Kaggle's copies have ``label,pixel0,...``) is skipped; blank lines are skipped;
each other line is 785 plain decimal whole numbers (optional sign and spaces around
it), the label 0-9 and pixels 0-255.  Python's ``int`` would read ``1_0`` as 10 and
``1.0e3`` fails only later: a field is checked against :data:`_NUMBER` before it is
converted, and a value too long for any integer type is refused by its length, so
every bad value gets a sentence naming its line, never an OverflowError.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import CsvError

#: A label then 28 x 28 pixels.
COLUMNS = 1 + 28 * 28
#: A field: plain decimal digits, an optional sign, spaces or tabs around it.
_NUMBER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
#: A header's first field: a name such as ``label`` (perhaps quoted), never something number-like.
_HEADER = re.compile(r"""[ \t]*["']?[A-Za-z_][A-Za-z0-9_ ]*["']?[ \t]*""")
#: A whole line of numbers with at most 18 digits each (they fit int64; longer ones are out of range anyway).
_ROW = re.compile(r"(?:[ \t]*[+-]?[0-9]{1,18}[ \t]*,){%d}[ \t]*[+-]?[0-9]{1,18}[ \t]*" % (COLUMNS - 1))


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
    Every line is checked before it is kept; the first problem is raised as a CsvError."""
    try:
        lines = data.decode("ascii").splitlines()
    except UnicodeDecodeError:
        raise CsvError("{name}: not a CSV of numbers (it holds other characters).", name=name) from None
    table = np.empty((len(lines), COLUMNS), np.uint8)
    rows, first = 0, True
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if first and _HEADER.fullmatch(line.split(",", 1)[0]):
            first = False
            continue  # a header line
        first = False
        row = np.array(line.split(","), np.int64) if _ROW.fullmatch(line) else None
        if row is None or not 0 <= row[0] <= 9 or row[1:].min() < 0 or row[1:].max() > 255:
            _refuse(name, number, line)
        table[rows] = row
        rows += 1
    if not rows:
        raise CsvError("{name}: the file holds no lines.", name=name)
    return table[:rows, 1:].reshape(-1, 28, 28).copy(), table[:rows, 0].copy()


def _refuse(name: str, line: int, text: str) -> None:
    """Raise the sentence for the first problem of a line that failed the quick check."""
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
    raise AssertionError("a line that failed the quick check has no problem")  # pragma: no cover


def write_csv(images: np.ndarray, labels: np.ndarray) -> bytes:
    """images (n, 28, 28) uint8 and labels (n,) -> the CSV, one line per image, no header."""
    table = np.column_stack([labels.astype(np.int64), images.reshape(len(images), -1)]) if len(images) else []
    return "".join(",".join(map(str, row.tolist())) + "\n" for row in table).encode("ascii")
