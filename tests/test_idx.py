"""The IDX reader: a round trip, and every kind of damage must raise IdxError naming the file."""
from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from mnist_core.errors import IdxError, MnistError
from mnist_core.data.idx import parse_idx, read_idx, read_images_labels, write_idx


def _header(dims: tuple[int, ...], type_code: int = 0x08) -> bytes:
    return struct.pack(">HBB", 0, type_code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


@pytest.fixture
def labels() -> np.ndarray:
    return np.array([0, 9, 3, 3, 7], dtype=np.uint8)


def _raises_naming(path: Path, ndim: int | None = None, match: str | None = None) -> IdxError:
    with pytest.raises(IdxError, match=match) as info:
        read_idx(path, ndim=ndim)
    assert path.name in str(info.value)
    return info.value


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, images, labels, suffix):
    img, lab = tmp_path / f"img-idx3-ubyte{suffix}", tmp_path / f"lab-idx1-ubyte{suffix}"
    write_idx(img, images)
    write_idx(lab, labels)
    assert (img.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    x, y = read_images_labels(img, lab)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    assert x.flags.writeable  # a copy, not a read-only view of the file's bytes


def test_header_layout_is_big_endian(tmp_path, labels):
    path = tmp_path / "lab"
    write_idx(path, labels)
    assert path.read_bytes() == b"\x00\x00\x08\x01" + struct.pack(">I", 5) + labels.tobytes()


def test_gzip_is_detected_by_magic_not_by_name(tmp_path, labels):
    path = tmp_path / "labels.bin"
    write_idx(path, labels, compress=True)
    np.testing.assert_array_equal(read_idx(path, ndim=1), labels)


def test_bad_magic(tmp_path, labels):
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x00\x01\x08\x01" + struct.pack(">I", 5) + labels.tobytes())
    _raises_naming(path, 1, "magic")


def test_wrong_type_code(tmp_path, labels):
    path = tmp_path / "float-type"
    path.write_bytes(_header((5,), type_code=0x0D) + labels.tobytes())
    _raises_naming(path, 1, "0x0d")


def test_wrong_ndim(tmp_path, labels):
    path = tmp_path / "labels-not-images"
    write_idx(path, labels)
    _raises_naming(path, 3, "expected 3 dimension")


@pytest.mark.parametrize("content", [b"", b"\x00\x00", _header((5, 28, 28))[:9]])
def test_truncated_header(tmp_path, content):
    path = tmp_path / "short-header"
    path.write_bytes(content)
    _raises_naming(path, None, "too short|header is truncated")


def test_truncated_data(tmp_path, images):
    path = tmp_path / "cut-images"
    write_idx(path, images)
    path.write_bytes(path.read_bytes()[:-1])
    err = _raises_naming(path, 3, "truncated")
    assert "3,920" in str(err) and "3,919" in str(err)


def test_extra_data(tmp_path, images):
    path = tmp_path / "long-images"
    write_idx(path, images)
    path.write_bytes(path.read_bytes() + b"\x00")
    _raises_naming(path, 3, "longer than its header says")


def test_corrupted_gzip(tmp_path, images):
    path = tmp_path / "corrupt-idx3-ubyte.gz"
    write_idx(path, images)
    raw = bytearray(path.read_bytes())
    for i in range(20, len(raw) - 20, 97):  # scramble the deflate stream, keep the gzip magic
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    _raises_naming(path, 3, "gzip")


def test_truncated_gzip(tmp_path, images):
    path = tmp_path / "half-idx3-ubyte.gz"
    write_idx(path, images)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _raises_naming(path, 3, "gzip")


def test_missing_file(tmp_path):
    err = _raises_naming(tmp_path / "nowhere-idx1-ubyte", 1, "cannot be read")
    assert isinstance(err, MnistError)


def test_images_labels_count_mismatch(tmp_path, images, labels):
    img, lab = tmp_path / "img.gz", tmp_path / "lab.gz"
    write_idx(img, images)
    write_idx(lab, labels[:4])
    with pytest.raises(IdxError, match="do not belong together") as info:
        read_images_labels(img, lab)
    assert "img.gz" in str(info.value) and "lab.gz" in str(info.value)


def test_label_above_nine(tmp_path, images, labels):
    img, lab = tmp_path / "img", tmp_path / "bad-labels"
    write_idx(img, images)
    bad = labels.copy()
    bad[2] = 10
    write_idx(lab, bad)
    with pytest.raises(IdxError, match="label 10") as info:
        read_images_labels(img, lab)
    assert "bad-labels" in str(info.value)


def test_images_and_labels_swapped(tmp_path, images, labels):
    img, lab = tmp_path / "img", tmp_path / "lab"
    write_idx(img, images)
    write_idx(lab, labels)
    with pytest.raises(IdxError, match="lab"):
        read_images_labels(lab, img)


def test_parse_idx_uses_given_name():
    with pytest.raises(IdxError, match="^upload.idx:"):
        parse_idx(b"\x00\x00\x08", "upload.idx")


def test_zero_dimension_header_raises_idx_error():
    with pytest.raises(IdxError):
        parse_idx(b"\x00\x00\x08\x00", "scalar")


def test_gzip_helper_matches_writer(tmp_path, labels):
    path = tmp_path / "lab.gz"
    write_idx(path, labels)
    assert gzip.decompress(path.read_bytes())[4:8] == struct.pack(">I", 5)
