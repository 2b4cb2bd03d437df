"""Reader for the IDX format of LeCun's MNIST files, strict about every byte.

An IDX file is a big-endian header -- two zero bytes, a type code (0x08 = unsigned
byte), the number of dimensions -- then one uint32 per dimension, then the data.
MNIST images are ``idx3`` (count, 28, 28) and labels ``idx1`` (count,).  A file that
was cut short by a failed download, or a labels file paired with the wrong images,
must not turn into a silently wrong dataset: every check raises :class:`IdxError`
naming the file and what is wrong.
"""
from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import IdxError

_UBYTE = 0x08


def _read_bytes(path: Path) -> bytes:
    """The file's decompressed content (``.gz`` is detected by its magic bytes)."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise IdxError("{name}: cannot be read ({reason}).", name=path.name, reason=str(err.strerror or err)) from err
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise IdxError("{name}: the gzip data is corrupted or truncated ({reason}).", name=path.name,
                          reason=str(err)) from err
    return raw


def parse_idx(data: bytes, name: str = "<bytes>", ndim: int | None = None) -> np.ndarray:
    """Parse IDX bytes into a uint8 array; ``ndim`` (1 or 3) is what the caller expects."""
    if len(data) < 4:
        raise IdxError("{name}: too short to be an IDX file ({size} bytes).", name=name, size=len(data))
    zero, dtype_code, dims = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise IdxError("{name}: not an IDX file (bad magic number 0x{magic}).", name=name, magic=data[:4].hex())
    if dtype_code != _UBYTE:
        raise IdxError("{name}: IDX data type 0x{code:02x} is not unsigned byte (0x08).", name=name, code=dtype_code)
    if dims == 0:
        raise IdxError("{name}: the header declares no dimensions.", name=name)
    if ndim is not None and dims != ndim:
        raise IdxError("{name}: expected {ndim} dimension(s), the header says {dims}.", name=name, ndim=ndim, dims=dims)
    header_len = 4 + 4 * dims
    if len(data) < header_len:
        raise IdxError("{name}: the header is truncated.", name=name)
    shape = struct.unpack(f">{dims}I", data[4:header_len])
    expected = int(np.prod(shape, dtype=np.int64)) if dims else 0
    actual = len(data) - header_len
    if actual != expected:
        if actual < expected:
            raise IdxError("{name}: truncated: header shape {shape} needs {expected:,} bytes of data, found {actual:,}.",
                           name=name, shape=tuple(shape), expected=expected, actual=actual)
        raise IdxError("{name}: longer than its header says: header shape {shape} needs {expected:,} bytes of data, "
                       "found {actual:,}.", name=name, shape=tuple(shape), expected=expected, actual=actual)
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def read_idx(path: str | Path, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file (plain or gzipped) from disk."""
    path = Path(path)
    return parse_idx(_read_bytes(path), path.name, ndim)


def read_images_labels(images_path: str | Path, labels_path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read an images/labels pair and check they belong together.

    Returns images (n, rows, cols) uint8 and labels (n,) uint8 in 0..9.
    """
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    img_name, lab_name = Path(images_path).name, Path(labels_path).name
    if images.shape[0] != labels.shape[0]:
        raise IdxError("{images_file} holds {images:,} images but {labels_file} holds {labels:,} labels: "
                       "the files do not belong together.", images_file=img_name, images=images.shape[0],
                       labels_file=lab_name, labels=labels.shape[0])
    if labels.size and labels.max() > 9:
        raise IdxError("{name}: label {label} is not a digit 0-9.", name=lab_name, label=int(labels.max()))
    return images, labels


def idx_bytes(array: np.ndarray) -> bytes:
    """A uint8 array (any shape) as IDX bytes: the one writer of the format (the export uses it too)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return struct.pack(">HBB", 0, _UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> None:
    """Write a uint8 array as IDX (gzipped when the name ends in .gz); used by tests and tools."""
    path = Path(path)
    payload = idx_bytes(array)
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, compresslevel=6)
    path.write_bytes(payload)
